using System.ComponentModel.DataAnnotations;
using TreasureHunt.Core.Configuration;

namespace TreasureHunt.Core.Costs;

/// <summary>
/// Unit prices used to model what an invocation cost, bound from the configuration section <c>FinOps:Prices</c>.
/// Defaults are public pay-as-you-go list prices in USD (docs/finops.md: Azure Functions Flex Consumption
/// on-demand meters, Azure Cosmos DB serverless, Event Hubs Standard ingress; list prices as published for East US
/// in 2025 — check the Azure pricing pages for your region before relying on them). Monthly free grants are ignored.
/// </summary>
public sealed class PriceTable
{
    /// <summary>Flex Consumption on-demand execution time: $ per GB-second of instance memory.</summary>
    [SettingRange(typeof(decimal), "0", "1000000", ErrorMessage = "FinOps:Prices:ComputeUsdPerGbSecond must be 0..1000000.")]
    public decimal ComputeUsdPerGbSecond { get; set; } = 0.000026m;

    /// <summary>Flex Consumption on-demand executions: $ per million executions.</summary>
    [SettingRange(typeof(decimal), "0", "1000000", ErrorMessage = "FinOps:Prices:ExecutionsUsdPerMillion must be 0..1000000.")]
    public decimal ExecutionsUsdPerMillion { get; set; } = 0.40m;

    /// <summary>Cosmos DB serverless: $ per million request units.</summary>
    [SettingRange(typeof(decimal), "0", "1000000", ErrorMessage = "FinOps:Prices:CosmosUsdPerMillionRu must be 0..1000000.")]
    public decimal CosmosUsdPerMillionRu { get; set; } = 0.25m;

    /// <summary>Event Hubs Standard: $ per million ingress events.</summary>
    [SettingRange(typeof(decimal), "0", "1000000", ErrorMessage = "FinOps:Prices:EventHubsUsdPerMillionEvents must be 0..1000000.")]
    public decimal EventHubsUsdPerMillionEvents { get; set; } = 0.028m;

    // The meters below are used by the capacity planner (infra/TreasureHunt.Capacity, `./th plan`), not by the per-invocation ledger:
    // they accrue per hour or per month, not per invocation. Same sources and caveat as above
    // (https://azure.microsoft.com/pricing/details/event-hubs/, .../cosmos-db/autoscale-provisioned/,
    // .../storage/queues/, East US list prices as published in 2025, not re-checked from this machine).
    // `./th plan --region-prices FILE` overrides any of them (a JSON object with these property names).

    /// <summary>Event Hubs Standard: $ per throughput unit per hour.</summary>
    [SettingRange(typeof(decimal), "0", "1000000", ErrorMessage = "FinOps:Prices:EventHubsStandardUsdPerTuHour must be 0..1000000.")]
    public decimal EventHubsStandardUsdPerTuHour { get; set; } = 0.03m;

    /// <summary>Event Hubs Standard: Capture, $ per throughput unit per hour (included in Premium and Dedicated).</summary>
    [SettingRange(typeof(decimal), "0", "1000000", ErrorMessage = "FinOps:Prices:EventHubsCaptureUsdPerTuHour must be 0..1000000.")]
    public decimal EventHubsCaptureUsdPerTuHour { get; set; } = 0.10m;

    /// <summary>Event Hubs Premium: $ per processing unit per hour (ingress included).</summary>
    [SettingRange(typeof(decimal), "0", "1000000", ErrorMessage = "FinOps:Prices:EventHubsPremiumUsdPerPuHour must be 0..1000000.")]
    public decimal EventHubsPremiumUsdPerPuHour { get; set; } = 1.233m;

    /// <summary>Event Hubs Dedicated: $ per capacity unit per hour (ingress and capture included).</summary>
    [SettingRange(typeof(decimal), "0", "1000000", ErrorMessage = "FinOps:Prices:EventHubsDedicatedUsdPerCuHour must be 0..1000000.")]
    public decimal EventHubsDedicatedUsdPerCuHour { get; set; } = 6.849m;

    /// <summary>Cosmos DB autoscale provisioned throughput (single-region writes): $ per 100 RU/s per hour, billed on
    /// the highest RU/s the container scaled to in each hour (at least 10 % of its maximum).</summary>
    [SettingRange(typeof(decimal), "0", "1000000", ErrorMessage = "FinOps:Prices:CosmosAutoscaleUsdPer100RuPerSecondHour must be 0..1000000.")]
    public decimal CosmosAutoscaleUsdPer100RuPerSecondHour { get; set; } = 0.012m;

    /// <summary>Cosmos DB transactional storage: $ per GB per month.</summary>
    [SettingRange(typeof(decimal), "0", "1000000", ErrorMessage = "FinOps:Prices:CosmosStorageUsdPerGbMonth must be 0..1000000.")]
    public decimal CosmosStorageUsdPerGbMonth { get; set; } = 0.25m;

    /// <summary>Azure Storage (StorageV2, LRS) queue/table/blob transactions: $ per 10,000 — an approximate blend of the
    /// list prices of the operation classes the durable task hub uses; override it with your region's figure.</summary>
    [SettingRange(typeof(decimal), "0", "1000000", ErrorMessage = "FinOps:Prices:StorageUsdPer10kTransactions must be 0..1000000.")]
    public decimal StorageUsdPer10kTransactions { get; set; } = 0.004m;
}

/// <summary>FinOps settings, bound from the configuration section <c>FinOps</c>; validated at start-up by the
/// source-generated <c>FinOpsOptionsValidator</c> (TreasureHunt.Pipeline), prices included.</summary>
public sealed class FinOpsOptions : IValidatableObject
{
    public const string Section = "FinOps";

    /// <summary>Instance memory the compute meter bills (Flex Consumption instance size; default 2048 MB).</summary>
    [SettingRange(1, 1_048_576, ErrorMessage = $"{Section}:InstanceMemoryMb must be 1..1048576.")]
    public int InstanceMemoryMb { get; set; } = 2048;

    /// <summary>Cost records are flushed to the ledger when this many are buffered...</summary>
    [SettingRange(1, int.MaxValue, ErrorMessage = $"{Section}:LedgerFlushBatchSize must be >= 1.")]
    public int LedgerFlushBatchSize { get; set; } = 100;

    /// <summary>...or at least this often.</summary>
    [SettingRange(0d, 3600d, MinimumIsExclusive = true, ErrorMessage = $"{Section}:LedgerFlushIntervalSeconds must be > 0 and <= 3600.")]
    public double LedgerFlushIntervalSeconds { get; set; } = 2;

    /// <summary>Records buffered beyond this are dropped (and counted in the log) rather than growing memory without bound.</summary>
    [SettingRange(1, int.MaxValue, ErrorMessage = $"{Section}:LedgerMaxBuffered must be >= 1.")]
    public int LedgerMaxBuffered { get; set; } = 100_000;

    [Required(ErrorMessage = $"{Section}:Prices is required.")]
    public PriceTable Prices { get; set; } = new();

    /// <summary>The prices' own rules (a nested object: the attributes on <see cref="PriceTable"/>).</summary>
    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        var results = new List<ValidationResult>();
        if (Prices is not null) Validator.TryValidateObject(Prices, new ValidationContext(Prices), results, validateAllProperties: true);
        return results;
    }
}
