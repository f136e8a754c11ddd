using TreasureHunt.Core.Aggregation;
using TreasureHunt.Core.Events;

namespace TreasureHunt.Core.Features.Aggregators;

/// <summary>
/// sum: the sum of <c>of</c> (value or a number attribute) over the events that pass the filter and carry it, lifetime
/// and per tumbling tile, in one counter or one per type (<c>by: type</c>). Stored as <c>s</c> (lifetime sums per
/// bucket) and <c>w</c> (sum rings per unit). Merges by adding, per bucket and per tile. By another text field: lifetime
/// sums of at most topN keys, those with the most events (<see cref="KeyedCounters"/>, stored as <c>kn</c> and <c>ks</c>).
/// </summary>
internal sealed class SumAggregator : IAggregator
{
    public string Name => AggregationKind.Sum;

    public FeatureOptions Accepts => FeatureOptions.Of | FeatureOptions.By | FeatureOptions.TopN | FeatureOptions.Windows;

    public void Declare(FeatureDeclaration declaration)
    {
        declaration.ParseNumberOf();
        declaration.ParseCounterBy();
    }

    public long WorstCaseBytes(CompiledFeature feature)
    {
        if (feature.By is not null) return KeyedCounters.WorstCaseBytes(feature, sums: true);
        const int Number = 25, Double = 8;
        var bytes = feature.Lifetime ? feature.Buckets * (long)Number : 0;
        foreach (var w in feature.Tumbling) bytes += BucketCounters.WorstCaseRingBytes(w, feature.Buckets, Double);
        return bytes;
    }

    public void Bind(FeatureState state, CompiledFeature feature, int[]? bucketMap)
    {
        if (feature.By is not null)
        {
            KeyedCounters.Bind(state, sums: true);
            return;
        }
        state.KeyCounts = null;
        state.KeySums = null;
        state.Sums = BucketCounters.Remap(state.Sums, feature.Buckets, bucketMap);
        BucketCounters.BindRings(state, feature, bucketMap, sums: true);
    }

    public bool Apply(FeatureState state, CompiledFeature feature, TreasureEvent e, bool matches, in ApplyContext context, ref long capsReached)
    {
        if (feature.By is { } by)
        {
            if (matches && by.TextOf(e) is { } key && feature.Of!.NumberOf(e) is { } x) KeyedCounters.Add(state, feature, key, x, ref capsReached);
            return true;
        }
        BucketCounters.Advance(state, feature, context.Last);
        if (!matches || feature.Of!.NumberOf(e) is not { } value) return true;
        var bucket = feature.ByType ? (int)e.Type : 0;
        state.Sums![bucket] += value;
        return BucketCounters.AddToTiles(state, feature, e, bucket, 1, value);
    }

    public void Merge(FeatureState into, FeatureState other, CompiledFeature feature, in MergeContext context)
    {
        if (feature.By is not null)
        {
            KeyedCounters.Merge(into, other, feature);
            return;
        }
        var sums = into.Sums!;
        var theirs = other.Sums!;
        for (var b = 0; b < sums.Length; b++) sums[b] += theirs[b];
        BucketCounters.MergeRings(into, other);
    }

    public object? Answer(FeatureState state, CompiledFeature feature, QueryWindow window, DateTimeOffset now, string[] typeNames) => feature.By is not null
        ? KeyedCounters.Answer(state, window, (_, sum) => sum)
        : BucketCounters.Shape(feature, BucketCounters.Values(state, window, now, feature.Buckets, b => state.Sums is { } s && b < s.Length ? s[b] : 0), typeNames);

    public IEnumerable<AnswerColumn> Columns(CompiledFeature feature, string[] typeNames) => feature.By is not null
        ? [AnswerText.Column(feature)]
        : BucketCounters.Columns(feature, typeNames, AnswerColumnType.Double);

    /// <summary>Schema 1's per-type <c>values</c>, for a sum by type without a filter.</summary>
    public FeatureState? FromSchema1(CompiledFeature feature, UserDocument legacy) =>
        feature.ByType && feature.Field == EventField.Value && feature.Filter.IsAll && legacy.LegacyValues is not null
            ? new FeatureState { Aggregation = Name, Sums = legacy.LegacyValues }
            : null;
}
