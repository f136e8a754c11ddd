using System.Text.Json.Serialization;

namespace TreasureHunt.Core.Features;

/// <summary>
/// A declared attribute (the definitions' <c>attributes</c>): a producer field beside the seven core fields that the
/// parser validates and keeps on the event. Undeclared fields stay ignored.
/// </summary>
public sealed class AttributeDefinition
{
    /// <summary>1..64 chars of [A-Za-z0-9_], not a core field's name; the JSON field name in the event (case-sensitive).</summary>
    [JsonPropertyName("name")] public string Name { get; set; } = "";

    /// <summary><c>string</c>, <c>number</c> or <c>boolean</c>.</summary>
    [JsonPropertyName("type")] public string Type { get; set; } = "";

    /// <summary>Strings only: the longest value accepted, 1..256 characters (64 when absent).</summary>
    [JsonPropertyName("maxLength")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public int? MaxLength { get; set; }

    /// <summary>Whether an event without a value (absent or null) is dead-lettered as <c>bad_attribute</c>.</summary>
    [JsonPropertyName("required")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public bool Required { get; set; }

    [JsonPropertyName("description")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Description { get; set; }
}
