namespace TreasureHunt.Core.Costs;

/// <summary>Prices one invocation with a <see cref="PriceTable"/>.</summary>
public sealed class CostModel(PriceTable prices)
{
    public PriceTable Prices { get; } = prices ?? throw new ArgumentNullException(nameof(prices));

    /// <param name="durationMs">Wall time of the invocation.</param>
    /// <param name="memoryMb">Instance memory billed (Flex Consumption bills the instance size, not the memory used).</param>
    /// <param name="requestUnits">Cosmos RU charged (or estimated).</param>
    /// <param name="ingressEvents">Events the invocation consumed from Event Hubs (0 for HTTP and entity work).</param>
    public CostBreakdown Price(double durationMs, int memoryMb, double requestUnits, long ingressEvents)
    {
        var gbSeconds = (decimal)(durationMs / 1000.0) * memoryMb / 1024m;
        return new CostBreakdown(
            Compute: gbSeconds * Prices.ComputeUsdPerGbSecond,
            Executions: Prices.ExecutionsUsdPerMillion / 1_000_000m,
            Cosmos: (decimal)requestUnits * Prices.CosmosUsdPerMillionRu / 1_000_000m,
            EventHubs: ingressEvents * Prices.EventHubsUsdPerMillionEvents / 1_000_000m);
    }
}
