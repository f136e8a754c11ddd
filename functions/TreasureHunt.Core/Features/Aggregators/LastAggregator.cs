using TreasureHunt.Core.Events;

namespace TreasureHunt.Core.Features.Aggregators;

/// <summary>
/// last: the value of the latest event (of the filter's types) and its time, lifetime; equal times keep the larger
/// value. Stored as <c>v</c> and <c>t</c> (UTC ticks); merges by keeping the later.
/// </summary>
public sealed class LastAggregator : IAggregator
{
    public string Name => AggregationKind.Last;

    public FeatureOptions Accepts => FeatureOptions.Of;

    public void Declare(FeatureDeclaration declaration) => declaration.Field = declaration.ParseOf([EventField.Value], EventField.Value);

    public long WorstCaseBytes(CompiledFeature feature) => 2 * 25;

    public void Bind(FeatureState state, CompiledFeature feature, int[]? bucketMap)
    {
    }

    public bool Apply(FeatureState state, CompiledFeature feature, TreasureEvent e, in ApplyContext context, ref long capsReached)
    {
        if (feature.Accepts((int)e.Type)) TimedValue.Keep(state, e.Timestamp.UtcTicks, e.Value, +1);
        return true;
    }

    public void Merge(FeatureState into, FeatureState other, CompiledFeature feature, in MergeContext context)
    {
        if (other.Ticks is { } ticks && other.Value is { } value) TimedValue.Keep(into, ticks, value, +1);
    }

    public object? Answer(FeatureState state, CompiledFeature feature, QueryWindow window, DateTimeOffset now, string[] typeNames) => TimedValue.Answer(state);

    public IEnumerable<AnswerColumn> Columns(CompiledFeature feature, string[] typeNames) => TimedValue.Columns(feature);
}
