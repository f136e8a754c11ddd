using System.Text.Json.Nodes;
using Microsoft.OpenApi;
using TreasureHunt.Core.Events;

namespace TreasureHunt.Local.OpenApi;

/// <summary>
/// The event contract as a component of the OpenAPI document (<c>#/components/schemas/Event</c>): no route of the API
/// takes events (producers send them to Event Hubs), but dead letters' payloads are events and clients need the shape,
/// declared attributes included (additional properties).
/// </summary>
internal static class EventContractSchema
{
    public const string Name = "Event";

    public static OpenApiSchema Create()
    {
        var idPattern = $"^[A-Za-z0-9_.:@-]{{1,{ContractLimits.MaxIdLength}}}$";
        return new OpenApiSchema
        {
            Type = JsonSchemaType.Object,
            Description = "One event: an Event Hubs message (UTF-8 JSON, at most 256 KB, partition key userId), as in docs/features.md, \"The event contract\". " +
                "A message that breaks a rule becomes a dead letter (GET /api/deadletters) with a stable reason code.",
            Required = new HashSet<string>(["eventId", "userId", "itemId", "type", "timestamp"]),
            Properties = new Dictionary<string, IOpenApiSchema>
            {
                ["eventId"] = Text(idPattern, "Producer's id of the event; a repeat within the duplicate horizon is dropped."),
                ["userId"] = Text(idPattern, "The user (the partition key)."),
                ["itemId"] = Text(idPattern, "The item."),
                ["category"] = new OpenApiSchema
                {
                    Type = JsonSchemaType.String, Pattern = $"^[A-Za-z0-9_.:@-]{{1,{ContractLimits.MaxCategoryLength}}}$",
                    Description = "Optional; missing or null: uncategorized.", Default = JsonValue.Create(TreasureEvent.DefaultCategory),
                },
                ["type"] = new OpenApiSchema { Type = JsonSchemaType.String, Description = "One of the event types declared in the feature definitions (case-sensitive); anything else is unknown_type." },
                ["value"] = new OpenApiSchema { Type = JsonSchemaType.Number, Format = "double", Description = $"Optional finite number, |value| <= {ContractLimits.MaxAbsValue:0e0}.", Default = JsonValue.Create(1) },
                ["timestamp"] = new OpenApiSchema { Type = JsonSchemaType.String, Format = "date-time", Description = "Event time, ISO-8601 with an offset or Z; at most 5 minutes after the enqueue time." },
            },
            AdditionalProperties = new OpenApiSchema
            {
                Description = "Declared attributes: the fields the feature definitions' attributes name (none by default) — a string (at most its maxLength chars, " +
                    $"default {ContractLimits.DefaultAttributeLength}, at most {ContractLimits.MaxAttributeLength}, no control characters), a number (finite, |x| <= {ContractLimits.MaxAbsAttributeNumber:0e0}) " +
                    "or a boolean. A wrong JSON type, a bad length or characters, or a missing required attribute dead-letters the event as bad_attribute, naming it. " +
                    "Undeclared fields are ignored; null counts as absent.",
            },
        };
    }

    private static OpenApiSchema Text(string pattern, string description) => new() { Type = JsonSchemaType.String, Pattern = pattern, Description = description };
}
