using TreasureHunt.Core.Events;

namespace TreasureHunt.Core.Features.Aggregators;

/// <summary>
/// approxDistinct: the estimated number of distinct values of <c>of</c> (itemId or category), lifetime, from a
/// HyperLogLog sketch (stored as <c>hll</c>, its compact bytes). Merges by register-wise max: the sketch of the union.
/// </summary>
public sealed class ApproxDistinctAggregator : IAggregator
{
    /// <summary>Upper bound of one sketch's compact bytes (default precision).</summary>
    private static readonly long MaxSketchBytes = HyperLogLog.MaxSerializedSize(HyperLogLog.DefaultPrecision);

    public string Name => AggregationKind.ApproxDistinct;

    public FeatureOptions Accepts => FeatureOptions.Of;

    public void Declare(FeatureDeclaration declaration) => declaration.Field = declaration.ParseOf([EventField.ItemId, EventField.Category], null);

    public long WorstCaseBytes(CompiledFeature feature) => MaxSketchBytes * 4 / 3 + 16;

    public void Bind(FeatureState state, CompiledFeature feature, int[]? bucketMap) =>
        state.Hll ??= state.Sketch is { Length: > 0 } bytes ? HyperLogLog.FromBytes(bytes) : new HyperLogLog();

    public bool Apply(FeatureState state, CompiledFeature feature, TreasureEvent e, in ApplyContext context, ref long capsReached)
    {
        if (feature.Accepts((int)e.Type)) state.Hll!.Add(feature.Field == EventField.ItemId ? e.ItemId : e.Category);
        return true;
    }

    public void Merge(FeatureState into, FeatureState other, CompiledFeature feature, in MergeContext context) => into.Hll!.Merge(other.Hll!);

    public object? Answer(FeatureState state, CompiledFeature feature, QueryWindow window, DateTimeOffset now, string[] typeNames) => state.DistinctEstimate();

    public IEnumerable<AnswerColumn> Columns(CompiledFeature feature, string[] typeNames) =>
        [new AnswerColumn(feature.Name, AnswerColumnType.Long, v => v)];
}
