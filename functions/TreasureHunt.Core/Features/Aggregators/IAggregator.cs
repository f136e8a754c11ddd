using TreasureHunt.Core.Aggregation;
using TreasureHunt.Core.Events;

namespace TreasureHunt.Core.Features.Aggregators;

/// <summary>
/// One aggregation (count, sum, min, …): everything the pipeline needs to know about it, from the declaration checks
/// to the stored state, the answers and the export columns. One stateless instance per aggregation, registered by name
/// in <see cref="Aggregations"/>; a compiled feature holds its aggregator, so the hot path never looks one up.
/// The state lives in a <see cref="FeatureState"/> (the stored JSON); which of its members an aggregation uses is its own
/// business, and must not change once documents are stored.
/// </summary>
public interface IAggregator
{
    /// <summary>The name in the definitions' <c>aggregation</c> and in the stored state's <c>a</c>.</summary>
    string Name { get; }

    /// <summary>The optional definition members this aggregation takes; any other one that is set is refused.</summary>
    FeatureOptions Accepts { get; }

    /// <summary>Checks and compiles the members it accepts (<c>of</c>, <c>by</c>, <c>k</c>, …), adding errors to the declaration.</summary>
    void Declare(FeatureDeclaration declaration);

    /// <summary>An upper bound of the serialized size of the state's members whatever the traffic (the start-up size budget).</summary>
    long WorstCaseBytes(CompiledFeature feature);

    /// <summary>
    /// Makes <paramref name="state"/> (already of this aggregation, possibly empty) fit <paramref name="feature"/>:
    /// <paramref name="bucketMap"/>[stored bucket] = current bucket (−1 when gone), null when unchanged.
    /// </summary>
    void Bind(FeatureState state, CompiledFeature feature, int[]? bucketMap);

    /// <summary>
    /// Applies one new event; false when a tile it belongs to was past retention (a late event). <paramref name="matches"/>:
    /// whether it passes the feature's filter, evaluated once by the caller; one that does not still moves the state to
    /// the user's latest event (tiles, decay). An event without the field <c>of</c> or <c>by</c> reads counts for nothing.
    /// </summary>
    bool Apply(FeatureState state, CompiledFeature feature, TreasureEvent e, bool matches, in ApplyContext context, ref long capsReached);

    /// <summary>
    /// Merges <paramref name="other"/> (a partial state of the same feature, over other events) into
    /// <paramref name="into"/>: the state of both event sets. Associative and commutative; exact, except where the
    /// aggregation's cap evicted something (documented by the aggregation).
    /// </summary>
    void Merge(FeatureState into, FeatureState other, CompiledFeature feature, in MergeContext context);

    /// <summary>The feature's answer for <paramref name="window"/> (lifetime, or the newest tiles counted back from <paramref name="now"/>).</summary>
    object? Answer(FeatureState state, CompiledFeature feature, QueryWindow window, DateTimeOffset now, string[] typeNames);

    /// <summary>The flat export columns of the feature's answer.</summary>
    IEnumerable<AnswerColumn> Columns(CompiledFeature feature, string[] typeNames);

    /// <summary>The state a schema-1 document held for this feature, or null (the feature starts empty).</summary>
    FeatureState? FromSchema1(CompiledFeature feature, UserDocument legacy) => null;
}
