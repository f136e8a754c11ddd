namespace TreasureHunt.Core.Features.Aggregators;

/// <summary>
/// last: the value of the latest event and its time, lifetime and per tile (stored as <c>v</c>, <c>t</c>, <c>wv</c>).
/// Equal times keep the larger value — the stored state has no event id to break them with — so the result never
/// depends on arrival or merge order.
/// </summary>
internal sealed class LastAggregator : ValueAggregator<LastAggregator.Later>
{
    public override string Name => AggregationKind.Last;

    protected override bool KeepsTime => true;

    public readonly struct Later : IValueOrder
    {
        public static bool Precedes(ValueTile candidate, ValueTile held) =>
            candidate.Ticks > held.Ticks || (candidate.Ticks == held.Ticks && candidate.Value > held.Value);
    }
}
