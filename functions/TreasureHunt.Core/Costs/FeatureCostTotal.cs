namespace TreasureHunt.Core.Costs;

/// <summary>
/// The sum of one feature's <see cref="FeatureCost"/> over the invocations of a <see cref="CostTotal"/>, with its share of
/// their Cosmos $ (each invocation's Cosmos $ split in proportion to RU, as <see cref="CostSummarizer.ByFeature"/>
/// reports it). Kept in the pre-aggregated ledger rows so <c>groupBy=feature</c> reads those, not every invocation.
/// </summary>
public readonly record struct FeatureCostTotal(long Writes, long Bytes, double RequestUnits, decimal CosmosUsd)
{
    public FeatureCostTotal Add(FeatureCostTotal other) =>
        new(Writes + other.Writes, Bytes + other.Bytes, RequestUnits + other.RequestUnits, CosmosUsd + other.CosmosUsd);

    /// <summary>The features of one invocation, or null when it wrote none.</summary>
    public static IReadOnlyDictionary<string, FeatureCostTotal>? Of(CostRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        if (record.Features is not { Count: > 0 } features) return null;
        // The record's Cosmos $ covers all its RU; a feature's share of it is its share of the RU.
        var usdPerRu = record.CosmosRu > 0 ? record.Usd.Cosmos / (decimal)record.CosmosRu : 0m;
        return features.ToDictionary(kv => kv.Key,
            kv => new FeatureCostTotal(kv.Value.Writes, kv.Value.Bytes, kv.Value.RequestUnits, usdPerRu * (decimal)kv.Value.RequestUnits), StringComparer.Ordinal);
    }

    /// <summary>Both sums, feature by feature (null when neither has features).</summary>
    public static IReadOnlyDictionary<string, FeatureCostTotal>? Sum(IReadOnlyDictionary<string, FeatureCostTotal>? a, IReadOnlyDictionary<string, FeatureCostTotal>? b)
    {
        if (a is null || a.Count == 0) return b;
        if (b is null || b.Count == 0) return a;
        var sum = new Dictionary<string, FeatureCostTotal>(a, StringComparer.Ordinal);
        foreach (var (feature, cost) in b) sum[feature] = sum.TryGetValue(feature, out var t) ? t.Add(cost) : cost;
        return sum;
    }
}
