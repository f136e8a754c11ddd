using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using TreasureHunt.Core.Events;

namespace TreasureHunt.Local.Worker;

/// <summary>
/// A partition batch as the host's Event Hubs extension hands a batched trigger to an isolated worker: the bodies as
/// input, the binding data as trigger metadata in the host's RPC form. Sources: docs/internals.md#event-hubs-trigger-binding.
/// </summary>
internal static class EventHubTriggerBinding
{
    /// <summary>Where the batch comes from: the names the extension's <c>PartitionContext</c> carries.</summary>
    internal sealed record Source(string FullyQualifiedNamespace, string EventHubName, string ConsumerGroup);

    /// <summary>The trigger's input (<c>collection_string</c> of the UTF-8 bodies, as a <c>string[]</c> parameter binds) and its trigger metadata.</summary>
    public static (JsonObject Input, JsonObject TriggerMetadata) Bind(string triggerName, PartitionBatch batch, Source source, DateTimeOffset utcNow)
    {
        ArgumentNullException.ThrowIfNull(batch);
        ArgumentNullException.ThrowIfNull(source);
        var messages = batch.Messages;
        var bodies = new JsonArray();
        var offsets = new JsonArray();
        var partitionKeys = new JsonArray();
        var sequenceNumbers = new JsonArray();
        var enqueuedTimes = new JsonArray();
        var properties = new JsonArray();
        var systemProperties = new JsonArray();
        foreach (var message in messages)
        {
            bodies.Add(Encoding.UTF8.GetString(message.Body.Span));
            // The local log has byte positions, not Event Hubs offsets: the sequence number stands in (both only grow).
            var offset = message.SequenceNumber.ToString(CultureInfo.InvariantCulture);
            offsets.Add(offset);
            // A null PartitionKey travels as "" (the .NET worker declares IncludeEmptyEntriesInMessagePayload); the local log keeps none.
            partitionKeys.Add("");
            sequenceNumbers.Add(message.SequenceNumber.ToString(CultureInfo.InvariantCulture));
            enqueuedTimes.Add(NewtonsoftDate(message.EnqueuedTime));
            properties.Add(new JsonObject());
            // GetSystemPropertiesForBinding: the event's system properties plus these four, under these names (Offset is
            // the EventData's long Offset). The broker's x-opt-* annotations are not modeled: the function reads none.
            systemProperties.Add(new JsonObject
            {
                ["SequenceNumber"] = message.SequenceNumber,
                ["Offset"] = message.SequenceNumber,
                ["PartitionKey"] = null,
                ["EnqueuedTimeUtc"] = NewtonsoftDate(message.EnqueuedTime),
            });
        }
        var partitionContext = new JsonObject
        {
            // Azure.Messaging.EventHubs.Consumer.PartitionContext's public properties, serialized by Newtonsoft.Json.
            ["FullyQualifiedNamespace"] = source.FullyQualifiedNamespace,
            ["EventHubName"] = source.EventHubName,
            ["ConsumerGroup"] = source.ConsumerGroup,
            ["PartitionId"] = batch.PartitionId,
        };
        var metadata = new JsonObject
        {
            ["PartitionContext"] = Json(partitionContext),
            ["PartitionKeyArray"] = new JsonObject { ["collectionString"] = new JsonObject { ["string"] = partitionKeys } },
            ["OffsetArray"] = new JsonObject { ["collectionString"] = new JsonObject { ["string"] = offsets } },
            ["SequenceNumberArray"] = new JsonObject { ["collectionSint64"] = new JsonObject { ["sint64"] = sequenceNumbers } },
            ["EnqueuedTimeUtcArray"] = Json(enqueuedTimes),
            ["PropertiesArray"] = Json(properties),
            ["SystemPropertiesArray"] = Json(systemProperties),
            // The WebJobs SDK adds "sys" to every trigger's binding data (SystemBindingData: MethodName, UtcNow, RandGuid).
            ["sys"] = Json(new JsonObject
            {
                ["MethodName"] = triggerName,
                ["UtcNow"] = NewtonsoftDate(utcNow, withOffset: true),
                ["RandGuid"] = Guid.NewGuid().ToString(),
            }),
        };
        var input = new JsonObject { ["collectionString"] = new JsonObject { ["string"] = bodies } };
        return (input, metadata);
    }

    /// <summary>
    /// A date as Newtonsoft.Json writes it by default (ISO 8601, DateTimeZoneHandling.RoundtripKind, trailing fraction
    /// zeros dropped). The extension binds <c>EnqueuedTime.DateTime</c>, whose Kind is Unspecified, so it has no zone
    /// suffix (e.g. <c>2026-12-07T13:05:00.123</c>); a DateTimeOffset keeps its offset.
    /// </summary>
    internal static string NewtonsoftDate(DateTimeOffset time, bool withOffset = false) =>
        withOffset
            ? time.ToString("yyyy-MM-dd'T'HH:mm:ss.FFFFFFFzzz", CultureInfo.InvariantCulture)
            : time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.FFFFFFF", CultureInfo.InvariantCulture);

    private static JsonObject Json(JsonNode value) => new() { ["json"] = value.ToJsonString() };
}
