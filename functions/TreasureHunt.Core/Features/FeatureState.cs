using System.Runtime.InteropServices;
using System.Text.Json.Serialization;
using TreasureHunt.Core.Aggregation;
using TreasureHunt.Core.Events;

namespace TreasureHunt.Core.Features;

/// <summary>
/// The compact, bounded state of one user feature, as stored in the user document under its feature name. Which
/// members are set depends on the aggregation (<see cref="Aggregation"/>); every collection is bounded by the
/// definition (tiles kept, k, topN, sketch size), never by the traffic.
/// </summary>
public sealed class FeatureState
{
    /// <summary>The aggregation the state was computed with: a redefined feature (another aggregation) starts over.</summary>
    [JsonPropertyName("a")] public string Aggregation { get; set; } = "";

    /// <summary>count: lifetime counters per bucket (per declared type, or one).</summary>
    [JsonPropertyName("n")] [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public long[]? Counts { get; set; }

    /// <summary>sum: lifetime sums per bucket.</summary>
    [JsonPropertyName("s")] [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public double[]? Sums { get; set; }

    /// <summary>count, sum: tumbling tiles per unit name (minute, hour, day).</summary>
    [JsonPropertyName("w")] [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public Dictionary<string, TileRing>? Tiles { get; set; }

    /// <summary>min, max, first, last: the value.</summary>
    [JsonPropertyName("v")] [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public double? Value { get; set; }

    /// <summary>first, last: the event time (UTC ticks) of <see cref="Value"/>.</summary>
    [JsonPropertyName("t")] [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public long? Ticks { get; set; }

    /// <summary>decayedSum: key → score decayed to the document's <c>lastEventTime</c> (at most topN keys).</summary>
    [JsonPropertyName("top")] [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public Dictionary<string, double>? Scores { get; set; }

    /// <summary>lastDistinct: the values, newest first (ties by value, ordinal), at most k.</summary>
    [JsonPropertyName("ids")] [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public List<string>? Ids { get; set; }

    /// <summary>lastDistinct: the latest event time (UTC ticks) of each of <see cref="Ids"/>.</summary>
    [JsonPropertyName("at")] [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public List<long>? IdTicks { get; set; }

    /// <summary>approxDistinct: the HyperLogLog sketch.</summary>
    [JsonPropertyName("hll")] [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public byte[]? Sketch { get; set; }

    /// <summary>How many times the feature's cap evicted an entry (decayedSum over topN keys).</summary>
    [JsonPropertyName("capped")] [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public long CapReached { get; set; }

    /// <summary>The rings of the compiled feature's tumbling windows, in its order (bound, not serialized).</summary>
    internal TileRing[] Rings = [];

    internal HyperLogLog? Hll;

    /// <summary>Makes this state fit <paramref name="feature"/>; <paramref name="typeMap"/>[stored type index] = current index, or null when equal.</summary>
    internal void Bind(CompiledFeature feature, int[]? typeMap)
    {
        var name = CompiledFeature.AggregationName(feature.Kind);
        if (Aggregation != name)
        {
            Reset(name);
        }
        var bucketMap = feature.ByType ? typeMap : null;
        switch (feature.Kind)
        {
            case AggregationKind.Count:
                Counts = Remap(Counts, feature.Buckets, bucketMap);
                BindRings(feature, bucketMap, sums: false);
                break;
            case AggregationKind.Sum:
                Sums = Remap(Sums, feature.Buckets, bucketMap);
                BindRings(feature, bucketMap, sums: true);
                break;
            case AggregationKind.DecayedSum:
                Scores ??= new Dictionary<string, double>(StringComparer.Ordinal);
                break;
            case AggregationKind.LastDistinct:
                Ids ??= [];
                IdTicks ??= [];
                if (Ids.Count != IdTicks.Count) { Ids.Clear(); IdTicks.Clear(); }
                while (Ids.Count > feature.K) { Ids.RemoveAt(Ids.Count - 1); IdTicks.RemoveAt(IdTicks.Count - 1); }
                break;
            case AggregationKind.ApproxDistinct:
                Hll ??= Sketch is { Length: > 0 } bytes ? HyperLogLog.FromBytes(bytes) : new HyperLogLog();
                break;
        }
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
        Ids = null;
        IdTicks = null;
        Sketch = null;
        Hll = null;
        CapReached = 0;
        Rings = [];
    }

    private static T[] Remap<T>(T[]? stored, int buckets, int[]? map)
    {
        if (stored is null) return new T[buckets];
        if (map is null && stored.Length == buckets) return stored;
        var result = new T[buckets];
        for (var i = 0; i < stored.Length; i++)
        {
            var to = map is null ? i : i < map.Length ? map[i] : -1;
            if (to >= 0 && to < buckets) result[to] = stored[i];
        }
        return result;
    }

    private void BindRings(CompiledFeature feature, int[]? bucketMap, bool sums)
    {
        if (feature.Tumbling.Length == 0)
        {
            Tiles = null;
            Rings = [];
            return;
        }
        var tiles = new Dictionary<string, TileRing>(StringComparer.Ordinal);
        var rings = new TileRing[feature.Tumbling.Length];
        for (var i = 0; i < rings.Length; i++)
        {
            var spec = feature.Tumbling[i];
            var unit = spec.Unit!.Value.Name();
            TileRing ring;
            if (Tiles is not null && Tiles.TryGetValue(unit, out var stored) && stored.IsSums == sums)
            {
                ring = stored.Keep == spec.Keep && stored.Buckets == feature.Buckets && bucketMap is null
                    ? stored
                    : stored.Resize(spec.Keep, feature.Buckets, bucketMap);
            }
            else
            {
                ring = new TileRing(spec.Keep, feature.Buckets, sums);
            }
            tiles[unit] = ring;
            rings[i] = ring;
        }
        Tiles = tiles;
        Rings = rings;
    }

    /// <summary>Applies one event (already known to be new). Returns false when a tile it belongs to was past retention.</summary>
    internal bool Apply(CompiledFeature feature, TreasureEvent e, CompiledDefinitions definitions, DateTimeOffset? previousLast, DateTimeOffset last, ref long capsReached)
    {
        var type = (int)e.Type;
        var accepted = feature.Accepts(type);
        switch (feature.Kind)
        {
            case AggregationKind.Count:
            case AggregationKind.Sum:
                return ApplyCounter(feature, e, type, accepted, last);
            case AggregationKind.Min:
                if (accepted && (Value is null || e.Value < Value)) Value = e.Value;
                return true;
            case AggregationKind.Max:
                if (accepted && (Value is null || e.Value > Value)) Value = e.Value;
                return true;
            case AggregationKind.First:
                if (accepted && (Ticks is null || e.Timestamp.UtcTicks < Ticks || (e.Timestamp.UtcTicks == Ticks && e.Value < Value)))
                {
                    Ticks = e.Timestamp.UtcTicks;
                    Value = e.Value;
                }
                return true;
            case AggregationKind.Last:
                if (accepted && (Ticks is null || e.Timestamp.UtcTicks > Ticks || (e.Timestamp.UtcTicks == Ticks && e.Value > Value)))
                {
                    Ticks = e.Timestamp.UtcTicks;
                    Value = e.Value;
                }
                return true;
            case AggregationKind.DecayedSum:
                ApplyDecayedSum(feature, e, type, accepted, definitions, previousLast, last, ref capsReached);
                return true;
            case AggregationKind.LastDistinct:
                if (accepted) AddDistinct(feature.Field == EventField.ItemId ? e.ItemId : e.Category, e.Timestamp.UtcTicks, feature.K);
                return true;
            default:
                if (accepted) Hll!.Add(feature.Field == EventField.ItemId ? e.ItemId : e.Category);
                return true;
        }
    }

    private bool ApplyCounter(CompiledFeature feature, TreasureEvent e, int type, bool accepted, DateTimeOffset last)
    {
        // Every ring follows the user's newest event, whether or not this event passes the filter: the tiles held are
        // always the ones counted back from the latest event, as for every other windowed feature.
        var rings = Rings;
        var tumbling = feature.Tumbling;
        var lastSeconds = last.ToUnixTimeSeconds();
        for (var i = 0; i < rings.Length; i++)
        {
            rings[i].Advance(FloorDiv(lastSeconds, tumbling[i].Unit!.Value.Seconds()));
        }
        if (!accepted) return true;
        var bucket = feature.ByType ? type : 0;
        if (Counts is not null) Counts[bucket]++;
        else Sums![bucket] += e.Value;
        var inAll = true;
        var eventSeconds = e.Timestamp.ToUnixTimeSeconds();
        for (var i = 0; i < rings.Length; i++)
        {
            inAll &= rings[i].Add(FloorDiv(eventSeconds, tumbling[i].Unit!.Value.Seconds()), bucket, 1, e.Value);
        }
        return inAll;
    }

    internal static long FloorDiv(long a, long b) => (a - (((a % b) + b) % b)) / b;

    private void ApplyDecayedSum(CompiledFeature feature, TreasureEvent e, int type, bool accepted, CompiledDefinitions definitions, DateTimeOffset? previousLast, DateTimeOffset last, ref long capsReached)
    {
        // Scores are kept decayed to tRef = the user's latest event time: a newer event rescales every score by
        // 0.5^(Δ/halfLife), an older one is added already decayed — Σ w·v·0.5^((tRef−t)/h) whatever the arrival order.
        var scores = Scores!;
        if (previousLast is { } oldRef && last > oldRef && scores.Count > 0)
        {
            var factor = Math.Pow(0.5, (last - oldRef).TotalSeconds / feature.HalfLifeSeconds);
            foreach (var key in scores.Keys)
            {
                CollectionsMarshal.GetValueRefOrNullRef(scores, key) *= factor;
            }
        }
        if (!accepted) return;
        var weight = type < definitions.Weights.Length ? definitions.Weights[type] : 0;
        var contribution = weight * e.Value * Math.Pow(0.5, (last - e.Timestamp).TotalSeconds / feature.HalfLifeSeconds);
        var key2 = feature.Field == EventField.ItemId ? e.ItemId : e.Category;
        CollectionsMarshal.GetValueRefOrAddDefault(scores, key2, out var existed) += contribution;
        if (!existed && scores.Count > feature.TopN)
        {
            EvictLowest(scores);
            CapReached++;
            capsReached++;
        }
    }

    /// <summary>Drops the lowest score (ties: the ordinally greatest key), keeping the top N by score.</summary>
    private static void EvictLowest(Dictionary<string, double> scores)
    {
        string? victim = null;
        var lowest = double.PositiveInfinity;
        foreach (var (key, score) in scores)
        {
            if (victim is null || score < lowest || (score == lowest && string.CompareOrdinal(key, victim) > 0))
            {
                victim = key;
                lowest = score;
            }
        }
        scores.Remove(victim!);
    }

    private void AddDistinct(string id, long ticks, int keep)
    {
        // Newest first, ties by id ascending: the kept set never depends on arrival order. The result is that of
        // "remove the id's older entry, insert at the first position it precedes, drop the entries beyond k", done in
        // place with one move of the entries in between (the lists' arrays are long-lived: no insert/remove pair).
        var ids = Ids!;
        var times = IdTicks!;
        var existing = ids.IndexOf(id);
        if (existing >= 0 && times[existing] >= ticks) return;
        var idSpan = CollectionsMarshal.AsSpan(ids);
        var timeSpan = CollectionsMarshal.AsSpan(times);
        var count = idSpan.Length;
        // `at`: the insertion index in the list without the existing entry.
        var at = 0;
        for (var j = 0; j < count; j++)
        {
            if (j == existing) continue;
            if (!(timeSpan[j] != ticks ? timeSpan[j] > ticks : string.CompareOrdinal(idSpan[j], id) < 0)) break;
            at++;
        }
        if (existing >= 0)
        {
            if (at >= keep)
            {
                ids.RemoveAt(existing);
                times.RemoveAt(existing);
                return;
            }
            if (at <= existing)
            {
                idSpan[at..existing].CopyTo(idSpan[(at + 1)..]);
                timeSpan[at..existing].CopyTo(timeSpan[(at + 1)..]);
            }
            else
            {
                idSpan[(existing + 1)..(at + 1)].CopyTo(idSpan[existing..]);
                timeSpan[(existing + 1)..(at + 1)].CopyTo(timeSpan[existing..]);
            }
            idSpan[at] = id;
            timeSpan[at] = ticks;
            return;
        }
        if (at >= keep) return;
        if (count < keep)
        {
            ids.Insert(at, id);
            times.Insert(at, ticks);
            return;
        }
        // Full: insert and drop the last entry, as one move.
        idSpan[at..(count - 1)].CopyTo(idSpan[(at + 1)..]);
        timeSpan[at..(count - 1)].CopyTo(timeSpan[(at + 1)..]);
        idSpan[at] = id;
        timeSpan[at] = ticks;
    }

    /// <summary>approxDistinct: the estimated number of distinct values (rounded).</summary>
    public long DistinctEstimate()
    {
        var hll = Hll ?? (Sketch is { Length: > 0 } bytes ? HyperLogLog.FromBytes(bytes) : null);
        return hll is null ? 0 : (long)Math.Round(hll.Estimate());
    }

    /// <summary>Called before the document is written: the sketch's compact bytes.</summary>
    internal void Seal()
    {
        if (Hll is not null) Sketch = Hll.ToBytes();
    }
}
