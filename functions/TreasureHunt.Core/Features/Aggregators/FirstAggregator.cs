namespace TreasureHunt.Core.Features.Aggregators;

/// <summary>
/// first: the value of the earliest event and its time, lifetime and per tile (stored as <c>v</c>, <c>t</c>, <c>wv</c>).
/// Equal times keep the smaller value — the stored state has no event id to break them with — so the result never
/// depends on arrival or merge order.
/// </summary>
internal sealed class FirstAggregator : ValueAggregator<FirstAggregator.Earlier>
{
    public override string Name => AggregationKind.First;

    protected override bool KeepsTime => true;

    public readonly struct Earlier : IValueOrder
    {
        public static bool Precedes(ValueTile candidate, ValueTile held) =>
            candidate.Ticks < held.Ticks || (candidate.Ticks == held.Ticks && candidate.Value < held.Value);
    }
}
