namespace TreasureHunt.Core.Features.Aggregators;

/// <summary>
/// What merging two partial states needs: the definitions and the latest event time each state is kept relative to
/// (its document's <c>lastEventTime</c>, null when it saw no event). The merged state is relative to the later one.
/// </summary>
public readonly record struct MergeContext(CompiledDefinitions Definitions, DateTimeOffset? IntoLast, DateTimeOffset? OtherLast)
{
    /// <summary>The merged state's latest event time.</summary>
    public DateTimeOffset? Last => IntoLast is null ? OtherLast : OtherLast is null ? IntoLast : IntoLast > OtherLast ? IntoLast : OtherLast;
}
