using System.ComponentModel.DataAnnotations;
using TreasureHunt.Core.Configuration;

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
