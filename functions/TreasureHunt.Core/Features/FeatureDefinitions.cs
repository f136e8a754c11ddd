using System.Text.Json.Serialization;

namespace TreasureHunt.Core.Features;

/// <summary>
/// The feature-definitions document (JSON): which event types exist and which features are computed from them.
/// Features are data, not code: the default document is <c>features/definitions.json</c> (embedded in this assembly);
/// <c>Features:DefinitionsPath</c> selects another. Format and evolution rules: docs/data-model.md, "Feature definitions".
/// </summary>
public sealed class FeatureDefinitions
{
    /// <summary>Bumped whenever a feature is removed or redefined (see <see cref="DefinitionsCompatibility"/>).</summary>
    [JsonPropertyName("version")] public int Version { get; set; }

    [JsonPropertyName("eventTypes")] public List<EventTypeDefinition> EventTypes { get; set; } = [];

    /// <summary>Declared attributes: producer fields beside the core fields that events carry (none when absent).</summary>
    [JsonPropertyName("attributes")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public List<AttributeDefinition>? Attributes { get; set; }

    /// <summary>Partition-local features, kept in each user's document.</summary>
    [JsonPropertyName("user")] public List<FeatureDefinition> User { get; set; } = [];

    /// <summary>Cross-partition features per item, produced as rollup deltas (item shard entities).</summary>
    [JsonPropertyName("item")] public List<FeatureDefinition> Item { get; set; } = [];

    /// <summary>Cross-partition stream-wide features, produced as rollup deltas (global totals entity).</summary>
    [JsonPropertyName("global")] public List<FeatureDefinition> Global { get; set; } = [];

    /// <summary>Keyed groups: features of any key (zero to three fields), rolled up across partitions. The top-level
    /// <see cref="Item"/> and <see cref="Global"/> arrays are the shorthand of the groups <c>item</c> (key itemId) and
    /// <c>global</c> (key []).</summary>
    [JsonPropertyName("groups")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public List<GroupDefinition>? Groups { get; set; }

    /// <summary>Declared leaderboards: a group's keys ranked by one of its features, per tumbling window.</summary>
    [JsonPropertyName("leaderboards")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public List<LeaderboardDefinition>? Leaderboards { get; set; }
}

/// <summary>A keyed group: its features are computed per distinct value of <see cref="Key"/> across all partitions.</summary>
public sealed class GroupDefinition
{
    [JsonPropertyName("name")] public string Name { get; set; } = "";

    /// <summary>Zero to three fields: itemId, category, type or declared string, number or boolean attributes ([] is one global key).</summary>
    [JsonPropertyName("key")] public List<string> Key { get; set; } = [];

    [JsonPropertyName("features")] public List<FeatureDefinition> Features { get; set; } = [];

    [JsonPropertyName("description")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Description { get; set; }
}

/// <summary>A declared leaderboard: the keys of <see cref="Group"/> ranked by <see cref="Feature"/> in each of <see cref="Windows"/>.</summary>
public sealed class LeaderboardDefinition
{
    [JsonPropertyName("name")] public string Name { get; set; } = "";
    [JsonPropertyName("group")] public string Group { get; set; } = "";
    [JsonPropertyName("feature")] public string Feature { get; set; } = "";

    /// <summary>For a feature broken down by type: the type whose value ranks.</summary>
    [JsonPropertyName("bucket")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Bucket { get; set; }

    /// <summary><c>hour</c>, <c>day</c> (tumbling tiles of the feature) and <c>all</c> (its lifetime value).</summary>
    [JsonPropertyName("windows")] public List<string> Windows { get; set; } = [];

    /// <summary>Keys kept per shard and window (1..1000): the most a query's <c>top</c> can ask for.</summary>
    [JsonPropertyName("k")] public int K { get; set; } = 100;

    [JsonPropertyName("description")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Description { get; set; }
}

/// <summary>A declared event type: the event contract's <c>type</c> must be one of these names (case-sensitive).</summary>
public sealed class EventTypeDefinition
{
    [JsonPropertyName("name")] public string Name { get; set; } = "";

    /// <summary>Weight of the type in decayed sums (today's affinity).</summary>
    [JsonPropertyName("weight")] public double Weight { get; set; } = 1;

    /// <summary>Informative: whether the event's <c>value</c> is a price.</summary>
    [JsonPropertyName("valueIsPrice")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public bool ValueIsPrice { get; set; }

    [JsonPropertyName("description")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Description { get; set; }
}

/// <summary>One feature: an aggregation over the keyed event stream, optionally filtered (<c>types</c>, <c>where</c>), with its windows.</summary>
public sealed class FeatureDefinition
{
    [JsonPropertyName("name")] public string Name { get; set; } = "";

    /// <summary>The aggregation's registered name (<see cref="Aggregators.Aggregations"/>): count, sum, avg, min, max, first, last, lastDistinct, decayedSum or approxDistinct.</summary>
    [JsonPropertyName("aggregation")] public string Aggregation { get; set; } = "";

    /// <summary>The field aggregated: a number field — <c>value</c> or a number attribute — for sum, avg, min, max, first, last and
    /// decayedSum; <c>itemId</c>, <c>category</c> or a string attribute for lastDistinct and approxDistinct.</summary>
    [JsonPropertyName("of")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Of { get; set; }

    /// <summary>Breakdown: <c>type</c> (count, sum, avg: one counter per event type) or another text field — <c>category</c>,
    /// <c>itemId</c>, a string or boolean attribute — (count, sum, avg: the topN keys; decayedSum's key).</summary>
    [JsonPropertyName("by")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? By { get; set; }

    /// <summary>Filter: only events of these types count (all types when absent); the shorthand of <c>where.type</c>.</summary>
    [JsonPropertyName("types")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public List<string>? Types { get; set; }

    /// <summary>Filter: each key a field (<c>type</c>, <c>category</c>, <c>itemId</c>, <c>value</c>) or a declared attribute;
    /// each value a scalar (equality), an array (membership) or an object of <c>lt</c>, <c>lte</c>, <c>gt</c>, <c>gte</c>
    /// (a numeric range). Every condition must hold. <c>types</c> is a shorthand for <c>where.type</c>.</summary>
    [JsonPropertyName("where")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public Dictionary<string, System.Text.Json.JsonElement>? Where { get; set; }

    /// <summary><c>lifetime</c> and tumbling <c>minute:N</c>, <c>hour:N</c>, <c>day:N</c> (N tiles kept). Every aggregation but lastDistinct and decayedSum.</summary>
    [JsonPropertyName("windows")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public List<string>? Windows { get; set; }

    /// <summary>lastDistinct: how many distinct values are kept.</summary>
    [JsonPropertyName("k")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public int? K { get; set; }

    /// <summary>decayedSum: half-life such as <c>7d</c>, <c>12h</c>, <c>30m</c>.</summary>
    [JsonPropertyName("halfLife")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? HalfLife { get; set; }

    /// <summary>decayedSum, and count, sum, avg by a text field other than type: at most this many keys are kept (the lowest
    /// score, or the fewest events, is evicted, and counted).</summary>
    [JsonPropertyName("topN")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public int? TopN { get; set; }

    [JsonPropertyName("description")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Description { get; set; }
}
