using TreasureHunt.Core.Events;

namespace TreasureHunt.Core.Features.Aggregators;

/// <summary>
/// avg: the mean of the events' values (of the filter's types), lifetime and per tumbling tile, in one value or one per
/// type (<c>by: type</c>); null while no event counted. Stored as <c>s</c> (sums) and <c>n</c> (counts) per bucket, and
/// <c>w</c>: sum rings of two counters per bucket (the sum at b, the count at Buckets + b). Merges by adding both.
/// </summary>
public sealed class AvgAggregator : IAggregator
{
    public string Name => "avg";

    public FeatureOptions Accepts => FeatureOptions.Of | FeatureOptions.By | FeatureOptions.Windows;

    public void Declare(FeatureDeclaration declaration)
    {
        declaration.Field = declaration.ParseOf([EventField.Value], EventField.Value);
        declaration.ByType = declaration.ParseByType();
    }

    public long WorstCaseBytes(CompiledFeature feature)
    {
        const int Number = 25, Double = 8;
        var bytes = feature.Lifetime ? 2 * feature.Buckets * (long)Number : 0;
        foreach (var w in feature.Tumbling) bytes += BucketCounters.WorstCaseRingBytes(w, 2 * feature.Buckets, Double);
        return bytes;
    }

    public void Bind(FeatureState state, CompiledFeature feature, int[]? bucketMap)
    {
        state.Sums = BucketCounters.Remap(state.Sums, feature.Buckets, bucketMap);
        state.Counts = BucketCounters.Remap(state.Counts, feature.Buckets, bucketMap);
        BucketCounters.BindRings(state, feature, bucketMap, sums: true, paired: true);
    }

    public bool Apply(FeatureState state, CompiledFeature feature, TreasureEvent e, in ApplyContext context, ref long capsReached)
    {
        BucketCounters.Advance(state, feature, context.Last);
        var type = (int)e.Type;
        if (!feature.Accepts(type)) return true;
        var bucket = feature.ByType ? type : 0;
        state.Sums![bucket] += e.Value;
        state.Counts![bucket]++;
        var inAll = BucketCounters.AddToTiles(state, feature, e, bucket, 0, e.Value);
        BucketCounters.AddToTiles(state, feature, e, feature.Buckets + bucket, 0, 1);
        return inAll;
    }

    public void Merge(FeatureState into, FeatureState other, CompiledFeature feature, in MergeContext context)
    {
        for (var b = 0; b < feature.Buckets; b++)
        {
            into.Sums![b] += other.Sums![b];
            into.Counts![b] += other.Counts![b];
        }
        BucketCounters.MergeRings(into, other);
    }

    public object? Answer(FeatureState state, CompiledFeature feature, QueryWindow window, DateTimeOffset now, string[] typeNames)
    {
        var buckets = feature.Buckets;
        var values = BucketCounters.Values(state, window, now, 2 * buckets, b => b < buckets
            ? state.Sums is { } s && b < s.Length ? s[b] : 0
            : state.Counts is { } n && b - buckets < n.Length ? n[b - buckets] : 0);
        var means = new double?[buckets];
        for (var b = 0; b < buckets; b++) means[b] = values[buckets + b] > 0 ? values[b] / values[buckets + b] : null;
        return BucketCounters.Shape(feature, means, typeNames);
    }

    public IEnumerable<AnswerColumn> Columns(CompiledFeature feature, string[] typeNames) =>
        BucketCounters.Columns(feature, typeNames, AnswerColumnType.Double);
}
