using System.ComponentModel.DataAnnotations;
using TreasureHunt.Core.Configuration;
using Microsoft.Extensions.Options;

namespace TreasureHunt.Storage;

/// <summary>Cosmos DB settings, bound from the configuration section <c>Cosmos</c>; validated at start-up by <see cref="CosmosOptionsValidator"/>.</summary>
public sealed class CosmosOptions : IValidatableObject
{
    public const string Section = "Cosmos";

    /// <summary>Account endpoint, for example https://myaccount.documents.azure.com:443/ or the local emulator's https://127.0.0.1:8081/.</summary>
    public string Endpoint { get; set; } = "";

    /// <summary>Account key: local emulator only. Empty in Azure, where the app's managed identity is used.</summary>
    public string Key { get; set; } = "";

    [Required(ErrorMessage = $"{Section}:Database is required.")]
    public string Database { get; set; } = "treasurehunt";
    [Required(ErrorMessage = $"{Section}:UsersContainer is required.")]
    public string UsersContainer { get; set; } = "users";
    [Required(ErrorMessage = $"{Section}:ProgressContainer is required.")]
    public string ProgressContainer { get; set; } = "progress";
    [Required(ErrorMessage = $"{Section}:ItemsContainer is required.")]
    public string ItemsContainer { get; set; } = "items";
    [Required(ErrorMessage = $"{Section}:LeaderboardsContainer is required.")]
    public string LeaderboardsContainer { get; set; } = "leaderboards";

    /// <summary>Also compute an estimated RU from document sizes (the local emulator charges a flat 1 RU per call).</summary>
    public bool EstimateRequestUnits { get; set; }

    /// <summary>User aggregates a writer keeps in memory to skip the read before its next write (0 turns the cache off).</summary>
    [SettingRange(0, int.MaxValue, ErrorMessage = $"{Section}:WriterCacheSize must be >= 0.")]
    public int WriterCacheSize { get; set; } = 100_000;

    /// <summary>Item documents the item-shard writer keeps to skip the read before its next write (0 turns it off).
    /// Each holds ≤ 8 KB of per-type stats (ItemDocumentBoundValidator) plus the item group's stored features, if any
    /// (their worst case is checked per definitions, docs/data-model.md#keyed-groups-and-declared-leaderboards): with the
    /// default definitions the default bounds the cache at ~160 MB, typically ~20 MB; an item group of larger features
    /// (sketches, many tiles) raises that bound by the group's worst case per cached item.</summary>
    [SettingRange(0, 1_000_000, ErrorMessage = $"{Section}:ItemWriterCacheSize must be 0..1000000.")]
    public int ItemWriterCacheSize { get; set; } = 20_000;

    /// <summary>
    /// The user-document reads and writes of a batch, and the item shards' flush reads and writes (items, keyed groups,
    /// leaderboards), go through a second client with the SDK's bulk execution (<c>AllowBulkExecution</c>): concurrent
    /// operations are grouped per partition-key range into batch requests of up to 100 operations, each keeping its own
    /// IfMatch ETag and answer (412, 409, 404 per operation). Costs latency: an operation waits until its batch is full or
    /// the SDK's 100 ms timer fires. Queries, deletes, progress and the API's reads stay single requests. false: every
    /// operation is a single request.
    /// </summary>
    public bool BulkExecution { get; set; } = true;

    /// <summary>Retries of a transient failure (429, 503, 408, timeouts) before it is surfaced to the caller.</summary>
    [SettingRange(0, 100, ErrorMessage = $"{Section}:MaxRetries must be 0..100.")]
    public int MaxRetries { get; set; } = 6;

    /// <summary>The endpoint is on this machine (the local emulator): its self-signed certificate is accepted and
    /// the database and containers are created if missing. Never true for an Azure endpoint.</summary>
    public bool IsLocalEmulator => Uri.TryCreate(Endpoint, UriKind.Absolute, out var uri) && uri.IsLoopback;

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (!Uri.TryCreate(Endpoint, UriKind.Absolute, out _))
        {
            yield return new ValidationResult($"{Section}:Endpoint must be an absolute URL (got '{Endpoint}').", [nameof(Endpoint)]);
        }
    }

    /// <summary>For code that builds a client outside dependency injection (benchmarks, tools): the same rules, the same exception.</summary>
    public void ThrowIfInvalid()
    {
        var result = new CosmosOptionsValidator().Validate(null, this);
        if (result.Failed) throw new OptionsValidationException(Options.DefaultName, typeof(CosmosOptions), result.Failures);
    }
}

/// <summary>Azure Table storage settings, bound from the configuration section <c>Tables</c>; validated at start-up by <see cref="TablesOptionsValidator"/>.</summary>
public sealed class TablesOptions : IValidatableObject
{
    public const string Section = "Tables";

    /// <summary>Connection string: local (Azurite) only.</summary>
    public string ConnectionString { get; set; } = "";

    /// <summary>Table service URI used with the managed identity in Azure (https://account.table.core.windows.net).</summary>
    public string ServiceUri { get; set; } = "";

    [Required(ErrorMessage = $"{Section}:CostLedgerTable is required.")]
    public string CostLedgerTable { get; set; } = "costledger";
    [Required(ErrorMessage = $"{Section}:DeadLettersTable is required.")]
    public string DeadLettersTable { get; set; } = "deadletters";
    [Required(ErrorMessage = $"{Section}:CheckpointsTable is required.")]
    public string CheckpointsTable { get; set; } = "checkpoints";

    /// <summary>Messages parked because a store refused them for good (see <c>th replay-parked</c>).</summary>
    [Required(ErrorMessage = $"{Section}:ParkedTable is required.")]
    public string ParkedTable { get; set; } = "parked";

    /// <summary>The erasure log (one row per erasure: the user's hash, the control message's position), outside Cosmos DB.</summary>
    [Required(ErrorMessage = $"{Section}:ErasuresTable is required.")]
    public string ErasuresTable { get; set; } = "erasures";

    /// <summary>Create the tables if missing at start-up (local; in Azure, Bicep creates them).</summary>
    public bool CreateTables { get; set; } = true;

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (string.IsNullOrWhiteSpace(ConnectionString) && !Uri.TryCreate(ServiceUri, UriKind.Absolute, out _))
        {
            yield return new ValidationResult($"Set {Section}:ConnectionString (local) or {Section}:ServiceUri (Azure, managed identity).", [nameof(ConnectionString), nameof(ServiceUri)]);
        }
    }

    /// <summary>For code that builds a client outside dependency injection: the same rules, the same exception.</summary>
    public void ThrowIfInvalid()
    {
        var result = new TablesOptionsValidator().Validate(null, this);
        if (result.Failed) throw new OptionsValidationException(Options.DefaultName, typeof(TablesOptions), result.Failures);
    }
}

/// <summary>Source-generated from the attributes and <see cref="IValidatableObject"/> rules of <see cref="CosmosOptions"/>.</summary>
[OptionsValidator]
internal sealed partial class CosmosOptionsValidator : IValidateOptions<CosmosOptions>;

/// <summary>Source-generated from the attributes and <see cref="IValidatableObject"/> rules of <see cref="TablesOptions"/>.</summary>
[OptionsValidator]
internal sealed partial class TablesOptionsValidator : IValidateOptions<TablesOptions>;
