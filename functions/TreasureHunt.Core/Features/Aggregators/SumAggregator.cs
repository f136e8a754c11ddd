using TreasureHunt.Core.Aggregation;
using TreasureHunt.Core.Events;

namespace TreasureHunt.Core.Features.Aggregators;

/// <summary>
/// sum: the sum of the events' values (of the filter's types), lifetime and per tumbling tile, in one counter or one
/// per type (<c>by: type</c>). Stored as <c>s</c> (lifetime sums per bucket) and <c>w</c> (sum rings per unit).
/// Merges by adding, per bucket and per tile.
/// </summary>
public sealed class SumAggregator : IAggregator
{
    public string Name => AggregationKind.Sum;

    public FeatureOptions Accepts => FeatureOptions.Of | FeatureOptions.By | FeatureOptions.Windows;

    public void Declare(FeatureDeclaration declaration)
    {
        declaration.Field = declaration.ParseOf([EventField.Value], EventField.Value);
        declaration.ByType = declaration.ParseByType();
    }

    public long WorstCaseBytes(CompiledFeature feature)
    {
        const int Number = 25, Double = 8;
        var bytes = feature.Lifetime ? feature.Buckets * (long)Number : 0;
        foreach (var w in feature.Tumbling) bytes += BucketCounters.WorstCaseRingBytes(w, feature.Buckets, Double);
        return bytes;
    }

    public void Bind(FeatureState state, CompiledFeature feature, int[]? bucketMap)
    {
        state.Sums = BucketCounters.Remap(state.Sums, feature.Buckets, bucketMap);
        BucketCounters.BindRings(state, feature, bucketMap, sums: true);
    }

    public bool Apply(FeatureState state, CompiledFeature feature, TreasureEvent e, in ApplyContext context, ref long capsReached)
    {
        BucketCounters.Advance(state, feature, context.Last);
        var type = (int)e.Type;
        if (!feature.Accepts(type)) return true;
        var bucket = feature.ByType ? type : 0;
        state.Sums![bucket] += e.Value;
        return BucketCounters.AddToTiles(state, feature, e, bucket, 1, e.Value);
    }

    public void Merge(FeatureState into, FeatureState other, CompiledFeature feature, in MergeContext context)
    {
        var sums = into.Sums!;
        var theirs = other.Sums!;
        for (var b = 0; b < sums.Length; b++) sums[b] += theirs[b];
        BucketCounters.MergeRings(into, other);
    }

    public object? Answer(FeatureState state, CompiledFeature feature, QueryWindow window, DateTimeOffset now, string[] typeNames) =>
        BucketCounters.Shape(feature, BucketCounters.Values(state, window, now, feature.Buckets, b => state.Sums is { } s && b < s.Length ? s[b] : 0), typeNames);

    public IEnumerable<AnswerColumn> Columns(CompiledFeature feature, string[] typeNames) =>
        BucketCounters.Columns(feature, typeNames, AnswerColumnType.Double);

    /// <summary>Schema 1's per-type <c>values</c>, for a sum by type without a filter.</summary>
    public FeatureState? FromSchema1(CompiledFeature feature, UserDocument legacy) =>
        feature.ByType && feature.TypeFilter is null && legacy.LegacyValues is not null
            ? new FeatureState { Aggregation = Name, Sums = legacy.LegacyValues }
            : null;
}
