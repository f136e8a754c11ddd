using TreasureHunt.Core.Events;

namespace TreasureHunt.Core.Features.Aggregators;

/// <summary>max: the largest value of the events (of the filter's types), lifetime. Stored as <c>v</c>; merges by taking the larger.</summary>
public sealed class MaxAggregator : IAggregator
{
    public string Name => AggregationKind.Max;

    public FeatureOptions Accepts => FeatureOptions.Of;

    public void Declare(FeatureDeclaration declaration) => declaration.Field = declaration.ParseOf([EventField.Value], EventField.Value);

    public long WorstCaseBytes(CompiledFeature feature) => 2 * 25;

    public void Bind(FeatureState state, CompiledFeature feature, int[]? bucketMap)
    {
    }

    public bool Apply(FeatureState state, CompiledFeature feature, TreasureEvent e, in ApplyContext context, ref long capsReached)
    {
        if (feature.Accepts((int)e.Type)) Keep(state, e.Value);
        return true;
    }

    public void Merge(FeatureState into, FeatureState other, CompiledFeature feature, in MergeContext context)
    {
        if (other.Value is { } value) Keep(into, value);
    }

    private static void Keep(FeatureState state, double value)
    {
        if (state.Value is null || value > state.Value) state.Value = value;
    }

    public object? Answer(FeatureState state, CompiledFeature feature, QueryWindow window, DateTimeOffset now, string[] typeNames) => state.Value;

    public IEnumerable<AnswerColumn> Columns(CompiledFeature feature, string[] typeNames) =>
        [new AnswerColumn(feature.Name, AnswerColumnType.Double, v => v)];
}
