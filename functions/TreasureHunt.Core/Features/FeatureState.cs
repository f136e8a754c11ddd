using System.Text.Json.Serialization;
using TreasureHunt.Core.Features.Aggregators;

namespace TreasureHunt.Core.Features;

/// <summary>
/// The compact, bounded state of one user feature, as stored in the user document under its feature name. Which
/// members are set depends on the aggregation (<see cref="Aggregation"/>: its <see cref="IAggregator"/> reads and
/// writes them); every collection is bounded by the definition (tiles kept, k, topN, sketch size), never by the traffic.
/// </summary>
public sealed class FeatureState
{
    /// <summary>The aggregation the state was computed with: a redefined feature (another aggregation) starts over.</summary>
    [JsonPropertyName("a")] public string Aggregation { get; set; } = "";

    /// <summary>count, avg: lifetime counters per bucket (per declared type, or one).</summary>
    [JsonPropertyName("n")] [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public long[]? Counts { get; set; }

    /// <summary>sum, avg: lifetime sums per bucket.</summary>
    [JsonPropertyName("s")] [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public double[]? Sums { get; set; }

    /// <summary>count, sum, avg: tumbling counter tiles per unit name (minute, hour, day).</summary>
    [JsonPropertyName("w")] [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public Dictionary<string, TileRing>? Tiles { get; set; }

    /// <summary>min, max, first, last: tumbling tiles of one value (and its time) per unit name.</summary>
    [JsonPropertyName("wv")] [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public Dictionary<string, ValueTiles>? ValueTiles { get; set; }

    /// <summary>approxDistinct: tumbling tiles of one sketch per unit name.</summary>
    [JsonPropertyName("wh")] [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public Dictionary<string, SketchTiles>? SketchTiles { get; set; }

    /// <summary>min, max, first, last: the value.</summary>
    [JsonPropertyName("v")] [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public double? Value { get; set; }

    /// <summary>first, last: the event time (UTC ticks) of <see cref="Value"/>.</summary>
    [JsonPropertyName("t")] [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public long? Ticks { get; set; }

    /// <summary>decayedSum: key → score decayed to the document's <c>lastEventTime</c> (at most topN keys).</summary>
    [JsonPropertyName("top")] [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public Dictionary<string, double>? Scores { get; set; }

    /// <summary>count, sum, avg by a text field other than type: key → number of events (at most topN keys).</summary>
    [JsonPropertyName("kn")] [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public Dictionary<string, long>? KeyCounts { get; set; }

    /// <summary>sum, avg by a text field other than type: key → sum of the values (the keys of <see cref="KeyCounts"/>).</summary>
    [JsonPropertyName("ks")] [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public Dictionary<string, double>? KeySums { get; set; }

    /// <summary>lastDistinct: the values, newest first (ties by value, ordinal), at most k.</summary>
    [JsonPropertyName("ids")] [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public List<string>? Ids { get; set; }

    /// <summary>lastDistinct: the latest event time (UTC ticks) of each of <see cref="Ids"/>.</summary>
    [JsonPropertyName("at")] [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public List<long>? IdTicks { get; set; }

    /// <summary>approxDistinct: the HyperLogLog sketch.</summary>
    [JsonPropertyName("hll")] [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public byte[]? Sketch { get => Hll is { } hll ? hll.ToBytes() : _sketch; set => _sketch = value; }

    private byte[]? _sketch;

    /// <summary>How many times the feature's cap evicted an entry (decayedSum, or a keyed count, sum or avg, over topN keys).</summary>
    [JsonPropertyName("capped")] [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public long CapReached { get; set; }

    /// <summary>The rings of the compiled feature's tumbling windows, in its order (bound, not serialized).</summary>
    internal TileRing[] Rings = [];

    /// <summary>The value tiles of the compiled feature's tumbling windows, in its order (bound, not serialized).</summary>
    internal ValueTiles[] ValueRings = [];

    /// <summary>The sketch tiles of the compiled feature's tumbling windows, in its order (bound, not serialized).</summary>
    internal SketchTiles[] SketchRings = [];

    /// <summary>approxDistinct: the sketch, bound from <see cref="Sketch"/> (which serializes it when bound).</summary>
    internal HyperLogLog? Hll;

    /// <summary>
    /// Makes this state fit <paramref name="feature"/> (a redefined feature — another aggregation — starts over);
    /// <paramref name="typeMap"/>[stored type index] = current index, or null when equal.
    /// </summary>
    internal void Bind(CompiledFeature feature, int[]? typeMap)
    {
        var aggregator = feature.Aggregator;
        if (Aggregation != aggregator.Name)
        {
            Reset(aggregator.Name);
        }
        aggregator.Bind(this, feature, feature.ByType ? typeMap : null);
    }

    private void Reset(string aggregation)
    {
        Aggregation = aggregation;
        Counts = null;
        Sums = null;
        Tiles = null;
        Value = null;
        Ticks = null;
        Scores = null;
        KeyCounts = null;
        KeySums = null;
        Ids = null;
        IdTicks = null;
        Sketch = null;
        Hll = null;
        CapReached = 0;
        ValueTiles = null;
        SketchTiles = null;
        Rings = [];
        ValueRings = [];
        SketchRings = [];
    }

    /// <summary>approxDistinct: the estimated number of distinct values (rounded).</summary>
    public long DistinctEstimate()
    {
        var hll = Hll ?? (Sketch is { Length: > 0 } bytes ? HyperLogLog.FromBytes(bytes) : null);
        return hll is null ? 0 : (long)Math.Round(hll.Estimate());
    }
}
