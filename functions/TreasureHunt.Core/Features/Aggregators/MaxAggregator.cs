namespace TreasureHunt.Core.Features.Aggregators;

/// <summary>max: the largest value, lifetime and per tile (stored as <c>v</c>, <c>wv</c>); merges by taking the larger.</summary>
internal sealed class MaxAggregator : ValueAggregator<MaxAggregator.Larger>
{
    public override string Name => AggregationKind.Max;

    protected override bool KeepsTime => false;

    public readonly struct Larger : IValueOrder
    {
        public static bool Precedes(ValueTile candidate, ValueTile held) => candidate.Value > held.Value;
    }
}
