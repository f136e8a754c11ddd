namespace TreasureHunt.Core.Features.Aggregators;

/// <summary>
/// Every aggregation a feature can declare, by name: adding one is its <see cref="IAggregator"/> class and one line here.
/// The order is the one error messages list them in.
/// </summary>
internal static class Aggregations
{
    public static IReadOnlyList<IAggregator> All { get; } =
    [
        new CountAggregator(),
        new SumAggregator(),
        new MinAggregator(),
        new MaxAggregator(),
        new FirstAggregator(),
        new LastAggregator(),
        new LastDistinctAggregator(),
        new DecayedSumAggregator(),
        new ApproxDistinctAggregator(),
        new AvgAggregator(),
    ];

    private static readonly Dictionary<string, IAggregator> ByName = All.ToDictionary(a => a.Name, StringComparer.Ordinal);

    public static IEnumerable<string> Names => All.Select(a => a.Name);

    public static bool TryGet(string? name, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out IAggregator? aggregator) =>
        ByName.TryGetValue(name ?? "", out aggregator);

    /// <summary>The names of the aggregations that take <paramref name="option"/>.</summary>
    public static IEnumerable<string> Accepting(FeatureOptions option) => All.Where(a => (a.Accepts & option) != 0).Select(a => a.Name);
}
