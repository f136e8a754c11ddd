using TreasureHunt.Core.Aggregation;
using TreasureHunt.Core.Events;

namespace TreasureHunt.Core.Features.Aggregators;

/// <summary>
/// count: how many events pass the filter, lifetime and per tumbling tile, in one counter or one per type
/// (<c>by: type</c>). Stored as <c>n</c> (lifetime counters per bucket) and <c>w</c> (count rings per unit).
/// Merges by adding, per bucket and per tile. By another text field: lifetime counts of at most topN keys
/// (<see cref="KeyedCounters"/>, stored as <c>kn</c>).
/// </summary>
internal sealed class CountAggregator : IAggregator
{
    public string Name => AggregationKind.Count;

    public FeatureOptions Accepts => FeatureOptions.By | FeatureOptions.TopN | FeatureOptions.Windows;

    public void Declare(FeatureDeclaration declaration) => declaration.ParseCounterBy();

    public long WorstCaseBytes(CompiledFeature feature)
    {
        if (feature.By is not null) return KeyedCounters.WorstCaseBytes(feature, sums: false);
        const int Number = 25, CounterVarint = 10;
        var bytes = feature.Lifetime ? feature.Buckets * (long)Number : 0;
        foreach (var w in feature.Tumbling) bytes += BucketCounters.WorstCaseRingBytes(w, feature.Buckets, CounterVarint);
        return bytes;
    }

    public void Bind(FeatureState state, CompiledFeature feature, int[]? bucketMap)
    {
        if (feature.By is not null)
        {
            KeyedCounters.Bind(state, sums: false);
            return;
        }
        state.KeyCounts = null;
        state.Counts = BucketCounters.Remap(state.Counts, feature.Buckets, bucketMap);
        BucketCounters.BindRings(state, feature, bucketMap, sums: false);
    }

    public bool Apply(FeatureState state, CompiledFeature feature, TreasureEvent e, bool matches, in ApplyContext context, ref long capsReached)
    {
        if (feature.By is { } by)
        {
            if (matches && by.TextOf(e) is { } key) KeyedCounters.Add(state, feature, key, 0, ref capsReached);
            return true;
        }
        BucketCounters.Advance(state, feature, context.Last);
        if (!matches) return true;
        var bucket = feature.ByType ? (int)e.Type : 0;
        state.Counts![bucket]++;
        return BucketCounters.AddToTiles(state, feature, e, bucket, 1, 0);
    }

    public void Merge(FeatureState into, FeatureState other, CompiledFeature feature, in MergeContext context)
    {
        if (feature.By is not null)
        {
            KeyedCounters.Merge(into, other, feature);
            return;
        }
        var counts = into.Counts!;
        var theirs = other.Counts!;
        for (var b = 0; b < counts.Length; b++) counts[b] += theirs[b];
        BucketCounters.MergeRings(into, other);
    }

    public object? Answer(FeatureState state, CompiledFeature feature, QueryWindow window, DateTimeOffset now, string[] typeNames)
    {
        if (feature.By is not null) return KeyedCounters.Answer(state, window, (count, _) => count);
        var values = BucketCounters.Values(state, window, now, feature.Buckets, b => state.Counts is { } c && b < c.Length ? c[b] : 0);
        return BucketCounters.Shape(feature, Array.ConvertAll(values, v => (long)v), typeNames);
    }

    public IEnumerable<AnswerColumn> Columns(CompiledFeature feature, string[] typeNames) => feature.By is not null
        ? [AnswerText.Column(feature)]
        : BucketCounters.Columns(feature, typeNames, AnswerColumnType.Long);

    /// <summary>Schema 1's per-type <c>counts</c> and minute/hour/day windows, for a count by type without a filter.</summary>
    public FeatureState? FromSchema1(CompiledFeature feature, UserDocument legacy)
    {
        if (!feature.ByType || !feature.Filter.IsAll || legacy.LegacyCounts is null) return null;
        var state = new FeatureState { Aggregation = Name, Counts = legacy.LegacyCounts, Tiles = [] };
        foreach (var (unit, windows) in new[] { (WindowSize.Minute, legacy.LegacyMinute), (WindowSize.Hour, legacy.LegacyHour), (WindowSize.Day, legacy.LegacyDay) })
        {
            var spec = feature.WindowOf(unit);
            if (spec is null || windows is null) continue;
            var ring = new TileRing(spec.Value.Keep, EventTypes.Count, sums: false);
            if (legacy.LastEventTime is { } last) ring.Advance(TileRing.IndexOf(last.ToUnixTimeSeconds(), unit.Seconds()));
            foreach (var w in windows)
            {
                for (var type = 0; type < w.Counts.Length && type < EventTypes.Count; type++)
                {
                    ring.Add(TileRing.IndexOf(w.Start, unit.Seconds()), type, w.Counts[type], 0);
                }
            }
            state.Tiles[unit.Name()] = ring;
        }
        return state;
    }
}
