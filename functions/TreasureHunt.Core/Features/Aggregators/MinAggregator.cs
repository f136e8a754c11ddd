namespace TreasureHunt.Core.Features.Aggregators;

/// <summary>min: the smallest value, lifetime and per tile (stored as <c>v</c>, <c>wv</c>); merges by taking the smaller.</summary>
internal sealed class MinAggregator : ValueAggregator<MinAggregator.Smaller>
{
    public override string Name => AggregationKind.Min;

    protected override bool KeepsTime => false;

    public readonly struct Smaller : IValueOrder
    {
        public static bool Precedes(ValueTile candidate, ValueTile held) => candidate.Value < held.Value;
    }
}
