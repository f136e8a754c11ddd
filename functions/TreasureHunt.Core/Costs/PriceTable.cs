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

    // The meters below are used by the capacity planner (Core/Capacity, `./th plan`), not by the per-invocation ledger:
    // they accrue per hour or per month, not per invocation. Same sources and caveat as above
    // (https://azure.microsoft.com/pricing/details/event-hubs/, .../cosmos-db/autoscale-provisioned/,
    // .../storage/queues/, East US list prices as published in 2025, not re-checked from this machine).
    // `./th plan --region-prices FILE` overrides any of them (a JSON object with these property names).

    /// <summary>Event Hubs Standard: $ per throughput unit per hour.</summary>
    public decimal EventHubsStandardUsdPerTuHour { get; set; } = 0.03m;

    /// <summary>Event Hubs Standard: Capture, $ per throughput unit per hour (included in Premium and Dedicated).</summary>
    public decimal EventHubsCaptureUsdPerTuHour { get; set; } = 0.10m;

    /// <summary>Event Hubs Premium: $ per processing unit per hour (ingress included).</summary>
    public decimal EventHubsPremiumUsdPerPuHour { get; set; } = 1.233m;

    /// <summary>Event Hubs Dedicated: $ per capacity unit per hour (ingress and capture included).</summary>
    public decimal EventHubsDedicatedUsdPerCuHour { get; set; } = 6.849m;

    /// <summary>Cosmos DB autoscale provisioned throughput (single-region writes): $ per 100 RU/s per hour, billed on
    /// the highest RU/s the container scaled to in each hour (at least 10 % of its maximum).</summary>
    public decimal CosmosAutoscaleUsdPer100RuPerSecondHour { get; set; } = 0.012m;

    /// <summary>Cosmos DB transactional storage: $ per GB per month.</summary>
    public decimal CosmosStorageUsdPerGbMonth { get; set; } = 0.25m;

    /// <summary>Azure Storage (StorageV2, LRS) queue/table/blob transactions: $ per 10,000 — an approximate blend of the
    /// list prices of the operation classes the durable task hub uses; override it with your region's figure.</summary>
    public decimal StorageUsdPer10kTransactions { get; set; } = 0.004m;
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
