namespace TreasureHunt.Local.Hosting;

/// <summary>Settings of the local host, bound from the configuration section <c>Local</c> (and ./th flags).</summary>
public sealed class LocalHostOptions
{
    public const string Section = "Local";

    public int Port { get; set; } = 7071;

    /// <summary>Partitions of the local event log (Event Hubs partitions).</summary>
    public int Partitions { get; set; } = 8;

    /// <summary>Most messages per batch (host.json extensions.eventHubs.maxEventBatchSize).</summary>
    public int MaxBatchSize { get; set; } = 1000;

    /// <summary>A batch smaller than this waits up to <see cref="MaxWaitMs"/> for more (host.json minEventBatchSize).</summary>
    public int MinBatchSize { get; set; } = 1;

    /// <summary>host.json maxWaitTime, in milliseconds.</summary>
    public int MaxWaitMs { get; set; } = 100;

    /// <summary>Folder for the event log, PIDs, API key (git-ignored).</summary>
    public string StateDir { get; set; } = ".th";

    /// <summary>Function key required in x-functions-key (or ?code=) on every route but health.</summary>
    public string ApiKey { get; set; } = "";

    /// <summary>Deliver every batch twice (redelivery test mode).</summary>
    public bool DeliverTwice { get; set; }

    /// <summary>preaggregated (the product) or perEvent (the benchmark's baseline).</summary>
    public string Strategy { get; set; } = "preaggregated";

    /// <summary>How often due rollups of idle partitions are flushed (the Functions app's FlushRollups timer).</summary>
    public int RollupFlushIntervalMs { get; set; } = 1000;

    /// <summary>Largest accepted ingest request body.</summary>
    public int MaxRequestBytes { get; set; } = 4 * 1024 * 1024;

    public string LogDir => Path.Combine(StateDir, "log");
}
