namespace TreasureHunt.Core.Features.Aggregators;

/// <summary>
/// The order a value aggregation (min, max, first, last) keeps its value by: a total order, so the value kept never
/// depends on arrival or merge order. A static abstract member, so the JIT specialises the shared code per order.
/// </summary>
internal interface IValueOrder
{
    /// <summary>Whether <paramref name="candidate"/> is kept over <paramref name="held"/>.</summary>
    static abstract bool Precedes(ValueTile candidate, ValueTile held);
}
