namespace TreasureHunt.Storage;

/// <summary>Cosmos DB settings, bound from the configuration section <c>Cosmos</c>.</summary>
public sealed class CosmosOptions
{
    public const string Section = "Cosmos";

    /// <summary>Account endpoint, for example https://myaccount.documents.azure.com:443/ or the local emulator's https://127.0.0.1:8081/.</summary>
    public string Endpoint { get; set; } = "";

    /// <summary>Account key: local emulator only. Empty in Azure, where the app's managed identity is used.</summary>
    public string Key { get; set; } = "";

    public string Database { get; set; } = "treasurehunt";
    public string UsersContainer { get; set; } = "users";
    public string ProgressContainer { get; set; } = "progress";

    /// <summary>Also compute an estimated RU from document sizes (the local emulator charges a flat 1 RU per call).</summary>
    public bool EstimateRequestUnits { get; set; }

    /// <summary>User aggregates a writer keeps in memory to skip the read before its next write (0 turns the cache off).</summary>
    public int WriterCacheSize { get; set; } = 100_000;

    /// <summary>Retries of a transient failure (429, 503, 408, timeouts) before it is surfaced to the caller.</summary>
    public int MaxRetries { get; set; } = 6;

    /// <summary>The endpoint is on this machine (the local emulator): its self-signed certificate is accepted and
    /// the database and containers are created if missing. Never true for an Azure endpoint.</summary>
    public bool IsLocalEmulator => Uri.TryCreate(Endpoint, UriKind.Absolute, out var uri) && uri.IsLoopback;

    public void Validate()
    {
        if (!Uri.TryCreate(Endpoint, UriKind.Absolute, out _))
        {
            throw new InvalidOperationException($"{Section}:Endpoint must be an absolute URL (got '{Endpoint}').");
        }
        if (string.IsNullOrWhiteSpace(Database)) throw new InvalidOperationException($"{Section}:Database is required.");
    }
}

/// <summary>Azure Table storage settings, bound from the configuration section <c>Tables</c>.</summary>
public sealed class TablesOptions
{
    public const string Section = "Tables";

    /// <summary>Connection string: local (Azurite) only.</summary>
    public string ConnectionString { get; set; } = "";

    /// <summary>Table service URI used with the managed identity in Azure (https://account.table.core.windows.net).</summary>
    public string ServiceUri { get; set; } = "";

    public string CostLedgerTable { get; set; } = "costledger";
    public string DeadLettersTable { get; set; } = "deadletters";
    public string CheckpointsTable { get; set; } = "checkpoints";

    /// <summary>Messages parked because a store refused them for good (see <c>th replay-parked</c>).</summary>
    public string ParkedTable { get; set; } = "parked";

    /// <summary>Create the tables if missing at start-up (local; in Azure, Bicep creates them).</summary>
    public bool CreateTables { get; set; } = true;

    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(ConnectionString) && !Uri.TryCreate(ServiceUri, UriKind.Absolute, out _))
        {
            throw new InvalidOperationException($"Set {Section}:ConnectionString (local) or {Section}:ServiceUri (Azure, managed identity).");
        }
    }
}
