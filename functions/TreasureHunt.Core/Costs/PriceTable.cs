namespace TreasureHunt.Core.Costs;

/// <summary>
/// Unit prices used to model what an invocation cost, bound from the configuration section <c>FinOps:Prices</c>.
/// Defaults are public pay-as-you-go list prices in USD (see README, "FinOps": Azure Functions Flex Consumption
/// on-demand meters, Azure Cosmos DB serverless, Event Hubs Standard ingress; list prices as published for East US
/// in 2025 — check the Azure pricing pages for your region before relying on them). Monthly free grants are ignored.
/// </summary>
public sealed class PriceTable
{
    /// <summary>Flex Consumption on-demand execution time: $ per GB-second of instance memory.</summary>
    public decimal ComputeUsdPerGbSecond { get; set; } = 0.000026m;

    /// <summary>Flex Consumption on-demand executions: $ per million executions.</summary>
    public decimal ExecutionsUsdPerMillion { get; set; } = 0.40m;

    /// <summary>Cosmos DB serverless: $ per million request units.</summary>
    public decimal CosmosUsdPerMillionRu { get; set; } = 0.25m;

    /// <summary>Event Hubs Standard: $ per million ingress events.</summary>
    public decimal EventHubsUsdPerMillionEvents { get; set; } = 0.028m;
}

/// <summary>FinOps settings, bound from the configuration section <c>FinOps</c>.</summary>
public sealed class FinOpsOptions
{
    public const string Section = "FinOps";

    /// <summary>Instance memory the compute meter bills (Flex Consumption instance size; default 2048 MB).</summary>
    public int InstanceMemoryMb { get; set; } = 2048;

    /// <summary>Cost records are flushed to the ledger when this many are buffered...</summary>
    public int LedgerFlushBatchSize { get; set; } = 100;

    /// <summary>...or at least this often.</summary>
    public double LedgerFlushIntervalSeconds { get; set; } = 2;

    /// <summary>Records buffered beyond this are dropped (and counted in the log) rather than growing memory without bound.</summary>
    public int LedgerMaxBuffered { get; set; } = 100_000;

    public PriceTable Prices { get; set; } = new();
}
