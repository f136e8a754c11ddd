namespace TreasureHunt.Capacity;

/// <summary>
/// Azure's documented limits the capacity model checks against. Every constant cites the public page it comes from.
/// These pages were read through a documentation search from this machine (no Azure subscription): re-check them
/// when a limit decides a plan.
/// </summary>
public static class AzureLimits
{
    // ---------------------------------------------------------------- Event Hubs
    // https://learn.microsoft.com/azure/event-hubs/event-hubs-scalability (throughput units)
    // https://learn.microsoft.com/azure/event-hubs/event-hubs-quotas (partitions, units, retention per tier)
    // https://learn.microsoft.com/azure/event-hubs/compare-tiers

    /// <summary>One Standard throughput unit: ingress up to 1,000 events/s ... (event-hubs-scalability).</summary>
    public const double StandardEventsPerSecondPerTu = 1_000;

    /// <summary>... or 1 MB/s, whichever comes first (event-hubs-scalability).</summary>
    public const double StandardBytesPerSecondPerTu = 1_000_000;

    /// <summary>Standard: at most 40 throughput units per namespace (event-hubs-quotas; above 20 by support request).</summary>
    public const int StandardMaxThroughputUnits = 40;

    /// <summary>Standard: at most 32 partitions per event hub (event-hubs-quotas).</summary>
    public const int StandardMaxPartitions = 32;

    /// <summary>One Standard partition carries at most about one throughput unit of ingress (1 MB/s or 1,000 events/s)
    /// (event-hubs-scalability, "Partitions").</summary>
    public const double StandardEventsPerSecondPerPartition = 1_000;

    /// <summary>Premium processing-unit counts a namespace can have (event-hubs-quotas / premium overview: 1, 2, 4, 6, 8, 10, 12, 16).</summary>
    public static readonly int[] PremiumProcessingUnitSteps = [1, 2, 4, 6, 8, 10, 12, 16];

    /// <summary>Premium: one PU ingests about 5–10 MB/s (https://learn.microsoft.com/azure/event-hubs/event-hubs-premium-overview);
    /// the model uses the lower bound.</summary>
    public const double PremiumBytesPerSecondPerPu = 5_000_000;

    /// <summary>Premium: at most 100 partitions per event hub (event-hubs-quotas).</summary>
    public const int PremiumMaxPartitions = 100;

    /// <summary>Premium: 200 partitions per PU per namespace (event-hubs-quotas).</summary>
    public const int PremiumPartitionsPerPu = 200;

    /// <summary>Dedicated: at most 1,024 partitions per event hub (event-hubs-quotas).</summary>
    public const int DedicatedMaxPartitions = 1_024;

    /// <summary>Dedicated: capacity units a self-serve cluster scales to (https://learn.microsoft.com/azure/event-hubs/event-hubs-dedicated-overview).</summary>
    public const int DedicatedMaxCapacityUnits = 10;

    /// <summary>Dedicated: ingress per capacity unit. Assumption: about 100 MB/s per CU, the figure Microsoft gives as
    /// the order of magnitude of one CU (event-hubs-dedicated-overview: throughput depends on the workload; benchmark yours).</summary>
    public const double DedicatedBytesPerSecondPerCu = 100_000_000;

    /// <summary>Event retention: Standard at most 7 days, Premium and Dedicated 90 days (event-hubs-quotas).</summary>
    public const int StandardMaxRetentionHours = 168;
    public const int PremiumMaxRetentionHours = 2_160;

    // ---------------------------------------------------------------- Cosmos DB
    /// <summary>A serverless container offers at most 5,000 RU/s (up to 250 GB of data; more only beyond five physical
    /// partitions) — https://learn.microsoft.com/azure/cosmos-db/serverless-performance.</summary>
    public const double CosmosServerlessRuPerSecondPerContainer = 5_000;

    /// <summary>Autoscale maximum RU/s: at least 1,000, in steps of 1,000; the system scales between 10 % of the maximum
    /// and the maximum — https://learn.microsoft.com/azure/cosmos-db/provision-throughput-autoscale.</summary>
    public const int CosmosAutoscaleMinimumMax = 1_000;
    public const int CosmosAutoscaleStep = 1_000;
    public const double CosmosAutoscaleFloorFraction = 0.10;

    /// <summary>Autoscale maximum RU/s per container without a support request: 1,000,000 (Cosmos DB service quotas,
    /// https://learn.microsoft.com/azure/cosmos-db/concepts-limits, "Provisioned throughput").</summary>
    public const int CosmosAutoscaleMaxPerContainer = 1_000_000;

    /// <summary>"Maximum RUs per partition (logical &amp; physical) | 10,000" (Cosmos DB service quotas,
    /// https://learn.microsoft.com/azure/cosmos-db/concepts-limits, "Provisioned throughput"): the RU/s one document
    /// (its own logical partition in a container partitioned by /id) can ever receive.</summary>
    public const double CosmosRuPerSecondPerPartition = 10_000;

    /// <summary>"Maximum size of an item | 2 MB (UTF-8 length of JSON representation)" (concepts-limits, "Per-item
    /// limits"; also https://devblogs.microsoft.com/cosmosdb: "the maximum size of an item allowed in Azure Cosmos DB for
    /// NoSQL is 2 MB").</summary>
    public const double CosmosMaxItemBytes = 2 * 1024 * 1024;

    // RU by size: "A point read for a 1-KB item is equivalent to one Request Unit (RU)" and "Insert/Upsert operation |
    // Consumes a variable number of RUs" (https://learn.microsoft.com/cosmos-db/request-units); "Item size 1 KB | 1 RU,
    // 100 KB | 10 RU" for point reads (https://learn.microsoft.com/azure/cosmos-db/optimize-cost-reads-writes). The table
    // by size the model uses for reads and writes is Costs/RequestUnitEstimator (Microsoft's "Understand request unit
    // consumption", section "Document size", which the capacity planner follows).

    // ---------------------------------------------------------------- Azure Functions, Flex Consumption
    // https://learn.microsoft.com/azure/azure-functions/flex-consumption-plan

    /// <summary>Instance memory sizes and the vCPU that comes with each (flex-consumption-plan, "Instance memory":
    /// CPU and network bandwidth are allocated in proportion to memory; 2,048 MB ≈ 1 vCPU).</summary>
    public static readonly (int MemoryMb, double Vcpu)[] FlexInstanceSizes = [(512, 0.25), (2048, 1.0), (4096, 2.0)];

    /// <summary>Maximum instance count: 40 to 1,000 per app (flex-consumption-plan, "Instance count"; our Bicep's bounds).</summary>
    public const int FlexMinMaximumInstanceCount = 40;
    public const int FlexMaxInstanceCount = 1_000;

    /// <summary>The Event Hubs trigger scales to at most one instance per partition
    /// (https://learn.microsoft.com/azure/azure-functions/functions-bindings-event-hubs-trigger, "Scaling": target-based
    /// scaling never exceeds the partition count).</summary>
    public const int EventHubsTriggerInstancesPerPartition = 1;

    // ---------------------------------------------------------------- Azure Storage (durable task hub, tables)
    // https://learn.microsoft.com/azure/storage/tables/scalability-targets
    // https://learn.microsoft.com/azure/storage/queues/scalability-targets

    /// <summary>"Maximum request rate per storage account | 20,000 transactions per second, which assumes a 1-KiB entity
    /// size" (tables/scalability-targets).</summary>
    public const double StorageAccountOpsPerSecond = 20_000;

    /// <summary>"Target throughput for a single table partition (1 KiB-entities) | Up to 2,000 entities per second"
    /// (tables/scalability-targets); a single queue: 2,000 messages/s (queues/scalability-targets).</summary>
    public const double StorageTablePartitionOpsPerSecond = 2_000;

    // ---------------------------------------------------------------- Durable entities (Azure Storage backend)
    /// <summary>One entity instance processes operations serially ("Entity functions also run on a single thread, and
    /// operations are processed one at a time": https://learn.microsoft.com/azure/azure-functions/durable/durable-functions-perf-and-scale).
    /// The design limit is ≤ 100 operations/s per entity instance.</summary>
    public const double EntityOpsPerSecondPerInstance = 100;

    /// <summary>The Azure Storage provider's documented maximum for one entity: "Entity operation processing | 64
    /// operations per second", measured with one small (A1) VM and extended sessions; "you can significantly increase the
    /// throughput of ... entity operations by increasing the value of the controlQueueBufferThreshold setting"
    /// (https://learn.microsoft.com/azure/azure-functions/durable/durable-functions-azure-storage-provider, "Performance targets").</summary>
    public const double DocumentedEntityOpsPerSecond = 64;

    /// <summary>Entity state a design may keep per instance (design limit ≤ 1 MB; Durable clients capped reads at 4 MB).</summary>
    public const double EntityStateBytes = 1_000_000;

    /// <summary>The rollup design limits: entity signals per event, entities read per leaderboard query, item-stats read size.</summary>
    public const double EntitySignalsPerEvent = 0.01;
    public const double LeaderboardEntitiesPerQuery = 2;
    public const double ItemStatsReadBytes = 8 * 1024;

    /// <summary>DurableTask.AzureStorage keeps a message or state larger than about 60 KB in a blob instead of the
    /// queue message / table row (https://learn.microsoft.com/azure/azure-functions/durable/durable-functions-azure-storage-provider,
    /// "Large messages"): two extra blob operations per entity batch.</summary>
    public const double DurableLargeMessageBytes = 60 * 1024;
}
