using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;
using TreasureHunt.Local.EventLog;

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

    /// <summary>Largest accepted ingest request body (413 beyond).</summary>
    [Range(1024, LogRecord.MaxBodyBytes, ErrorMessage = "Local:MaxRequestBytes must be between {1} and {2}.")]
    public int MaxRequestBytes { get; set; } = 4 * 1024 * 1024;

    /// <summary>
    /// Most messages in one ingest request (413 beyond): bounds what one request costs — 4 MB of "1\n" would otherwise
    /// be ~2 million messages and dead letters.
    /// </summary>
    [Range(1, 1_000_000, ErrorMessage = "Local:MaxMessagesPerRequest must be between {1} and {2}.")]
    public int MaxMessagesPerRequest { get; set; } = 10_000;

    /// <summary>
    /// Largest message accepted into the log (413 beyond): 1 MiB, Event Hubs Standard's largest event
    /// (https://learn.microsoft.com/azure/event-hubs/event-hubs-quotas). Messages between the contract's 256 KB and this
    /// are stored and dead-lettered as too_large, as they would be when Event Hubs delivered them.
    /// </summary>
    [Range(1024, LogRecord.MaxBodyBytes, ErrorMessage = "Local:MaxMessageBytes must be between {1} and {2}.")]
    public int MaxMessageBytes { get; set; } = 1024 * 1024;

    /// <summary>Most bytes of messages per batch a partition pump reads (besides <see cref="MaxBatchSize"/>); a single larger message is read alone.</summary>
    [Range(1024, int.MaxValue, ErrorMessage = "Local:MaxBatchBytes must be between {1} and {2}.")]
    public int MaxBatchBytes { get; set; } = 4 * 1024 * 1024;

    internal IngestLimits IngestLimits => new(MaxMessagesPerRequest, MaxMessageBytes);

    public string LogDir => Path.Combine(StateDir, "log");
}

/// <summary>Validates <see cref="LocalHostOptions"/> at start-up (source-generated from its DataAnnotations attributes).</summary>
[OptionsValidator]
public partial class LocalHostOptionsValidator : IValidateOptions<LocalHostOptions>
{
}
