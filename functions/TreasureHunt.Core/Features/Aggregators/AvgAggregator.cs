using TreasureHunt.Core.Events;

namespace TreasureHunt.Core.Features.Aggregators;

/// <summary>
/// avg: the mean of <c>of</c> (value or a number attribute) over the events that pass the filter and carry it, lifetime
/// and per tumbling tile, in one value or one per type (<c>by: type</c>); null while no event counted. Stored as
/// <c>s</c> (sums) and <c>n</c> (counts) per bucket, and <c>w</c>: sum rings of two counters per bucket (the sum at b,
/// the count at Buckets + b). Merges by adding both. By another text field: lifetime means of at most topN keys, those
/// with the most events (<see cref="KeyedCounters"/>, stored as <c>kn</c> and <c>ks</c>).
/// </summary>
internal sealed class AvgAggregator : IAggregator
{
    public string Name => "avg";

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
        var bytes = feature.Lifetime ? 2 * feature.Buckets * (long)Number : 0;
        foreach (var w in feature.Tumbling) bytes += BucketCounters.WorstCaseRingBytes(w, 2 * feature.Buckets, Double);
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
        state.Counts = BucketCounters.Remap(state.Counts, feature.Buckets, bucketMap);
        BucketCounters.BindRings(state, feature, bucketMap, sums: true, paired: true);
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
        state.Counts![bucket]++;
        var inAll = BucketCounters.AddToTiles(state, feature, e, bucket, 0, value);
        BucketCounters.AddToTiles(state, feature, e, feature.Buckets + bucket, 0, 1);
        return inAll;
    }

    public void Merge(FeatureState into, FeatureState other, CompiledFeature feature, in MergeContext context)
    {
        if (feature.By is not null)
        {
            KeyedCounters.Merge(into, other, feature);
            return;
        }
        for (var b = 0; b < feature.Buckets; b++)
        {
            into.Sums![b] += other.Sums![b];
            into.Counts![b] += other.Counts![b];
        }
        BucketCounters.MergeRings(into, other);
    }

    public object? Answer(FeatureState state, CompiledFeature feature, QueryWindow window, DateTimeOffset now, string[] typeNames)
    {
        if (feature.By is not null) return KeyedCounters.Answer(state, window, (count, sum) => count > 0 ? sum / count : null);
        var buckets = feature.Buckets;
        var values = BucketCounters.Values(state, window, now, 2 * buckets, b => b < buckets
            ? state.Sums is { } s && b < s.Length ? s[b] : 0
            : state.Counts is { } n && b - buckets < n.Length ? n[b - buckets] : 0);
        var means = new double?[buckets];
        for (var b = 0; b < buckets; b++) means[b] = values[buckets + b] > 0 ? values[b] / values[buckets + b] : null;
        return BucketCounters.Shape(feature, means, typeNames);
    }

    public IEnumerable<AnswerColumn> Columns(CompiledFeature feature, string[] typeNames) => feature.By is not null
        ? [AnswerText.Column(feature)]
        : BucketCounters.Columns(feature, typeNames, AnswerColumnType.Double);
}
