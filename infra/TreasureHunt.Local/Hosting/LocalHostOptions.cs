using System.ComponentModel.DataAnnotations;
using TreasureHunt.Core.Configuration;
using Microsoft.Extensions.Options;
using TreasureHunt.Local.EventLog;

namespace TreasureHunt.Local.Hosting;

/// <summary>Settings of the local host, bound from the configuration section <c>Local</c> (and ./th flags); validated at start-up by <see cref="LocalHostOptionsValidator"/>.</summary>
public sealed class LocalHostOptions
{
    public const string Section = "Local";

    [SettingRange(1, 65535, ErrorMessage = $"{Section}:Port must be 1..65535.")]
    public int Port { get; set; } = 7071;

    /// <summary>Partitions of the local event log (Event Hubs partitions).</summary>
    [SettingRange(1, 1024, ErrorMessage = $"{Section}:Partitions must be 1..1024.")]
    public int Partitions { get; set; } = 8;

    /// <summary>Most messages per batch (host.json extensions.eventHubs.maxEventBatchSize).</summary>
    [SettingRange(1, 100_000, ErrorMessage = $"{Section}:MaxBatchSize must be 1..100000.")]
    public int MaxBatchSize { get; set; } = 1000;

    /// <summary>A batch smaller than this waits up to <see cref="MaxWaitMs"/> for more (host.json minEventBatchSize).</summary>
    [SettingRange(1, 100_000, ErrorMessage = $"{Section}:MinBatchSize must be 1..100000.")]
    public int MinBatchSize { get; set; } = 1;

    /// <summary>host.json maxWaitTime, in milliseconds.</summary>
    [SettingRange(0, 3_600_000, ErrorMessage = $"{Section}:MaxWaitMs must be 0..3600000.")]
    public int MaxWaitMs { get; set; } = 100;

    /// <summary>Folder for the event log, PIDs, role keys (git-ignored).</summary>
    [Required(ErrorMessage = $"{Section}:StateDir is required.")]
    public string StateDir { get; set; } = ".th";

    /// <summary>Deliver every batch twice (redelivery test mode).</summary>
    public bool DeliverTwice { get; set; }

    /// <summary>preaggregated (the product) or perEvent (the benchmark's baseline).</summary>
    [RegularExpression("^(preaggregated|perEvent)$", ErrorMessage = $"{Section}:Strategy must be preaggregated or perEvent.")]
    public string Strategy { get; set; } = "preaggregated";

    /// <summary>How often due rollups of idle partitions are flushed (the Functions app's FlushRollups timer).</summary>
    [SettingRange(1, 3_600_000, ErrorMessage = $"{Section}:RollupFlushIntervalMs must be 1..3600000.")]
    public int RollupFlushIntervalMs { get; set; } = 1000;

    /// <summary>Largest accepted ingest request body (413 beyond).</summary>
    [SettingRange(1, 256 * 1024 * 1024, ErrorMessage = $"{Section}:MaxRequestBytes must be 1..268435456.")]
    public int MaxRequestBytes { get; set; } = 4 * 1024 * 1024;

    /// <summary>
    /// Most messages in one ingest request (413 beyond): bounds what one request costs — 4 MB of "1\n" would otherwise
    /// be ~2 million messages and dead letters.
    /// </summary>
    [SettingRange(1, 1_000_000, ErrorMessage = $"{Section}:MaxMessagesPerRequest must be 1..1000000.")]
    public int MaxMessagesPerRequest { get; set; } = 10_000;

    /// <summary>
    /// Largest message accepted into the log (413 beyond): 1 MiB, Event Hubs Standard's largest event
    /// (https://learn.microsoft.com/azure/event-hubs/event-hubs-quotas). Messages between the contract's 256 KB and this
    /// are stored and dead-lettered as too_large, as they would be when Event Hubs delivered them.
    /// </summary>
    [SettingRange(1024, LogRecord.MaxBodyBytes, ErrorMessage = $"{Section}:MaxMessageBytes must be 1024..4194304.")]
    public int MaxMessageBytes { get; set; } = 1024 * 1024;

    /// <summary>Most bytes of messages per batch a partition pump reads (besides <see cref="MaxBatchSize"/>); a single larger message is read alone.</summary>
    [SettingRange(1024, int.MaxValue, ErrorMessage = $"{Section}:MaxBatchBytes must be 1024..2147483647.")]
    public int MaxBatchBytes { get; set; } = 4 * 1024 * 1024;

    /// <summary>Ingest requests processed at once (<see cref="IngestAdmission"/>); the load generator sends 4 at a time.</summary>
    [SettingRange(1, 1024, ErrorMessage = $"{Section}:IngestMaxConcurrentRequests must be 1..1024.")]
    public int IngestMaxConcurrentRequests { get; set; } = 16;

    /// <summary>Ingest requests waiting for a slot (oldest first); more are answered 429 with Retry-After. With the
    /// defaults at most (16 + 64) × <see cref="MaxRequestBytes"/> of request bodies are held.</summary>
    [SettingRange(0, 10_000, ErrorMessage = $"{Section}:IngestQueueLimit must be 0..10000.")]
    public int IngestQueueLimit { get; set; } = 64;

    /// <summary>
    /// Each partition's event log is rewritten without erased users' earlier records at most once per this many seconds
    /// (<see cref="EventLogCompactionService"/>): the bound on compaction's cost while erasures arrive under load.
    /// </summary>
    [SettingRange(1, 3600, ErrorMessage = $"{Section}:LogCompactionIntervalSeconds must be 1..3600.")]
    public int LogCompactionIntervalSeconds { get; set; } = 10;

    /// <summary>
    /// Run the app's batches, entity operations, timer flushes and HTTP routes in the built Functions worker process
    /// (<see cref="LocalWorker"/>; <c>./th up --worker</c>) instead of in this process.
    /// </summary>
    public bool Worker { get; set; }

    /// <summary>The worker's build output (<c>functions/TreasureHunt.Functions/bin/Release/net10.0</c> by default); checked when <see cref="Worker"/> is set.</summary>
    public string WorkerDirectory { get; set; } = "";

    internal IngestLimits IngestLimits => new(MaxMessagesPerRequest, MaxMessageBytes);

    /// <summary>The options as the local host binds them from its configuration (section <c>Local</c>, defaults where unset).</summary>
    internal static LocalHostOptions From(Microsoft.Extensions.Configuration.IConfiguration configuration) =>
        Microsoft.Extensions.Configuration.ConfigurationBinder.Get<LocalHostOptions>(configuration.GetSection(Section)) ?? new LocalHostOptions();

    public string LogDir => Path.Combine(StateDir, "log");
}

/// <summary>Source-generated from the attributes of <see cref="LocalHostOptions"/>.</summary>
[OptionsValidator]
internal sealed partial class LocalHostOptionsValidator : IValidateOptions<LocalHostOptions>;

/// <summary>With <see cref="LocalHostOptions.Worker"/> set, the worker's build output must be there (a built Functions app).</summary>
internal sealed class LocalWorkerOptionsValidator : IValidateOptions<LocalHostOptions>
{
    public ValidateOptionsResult Validate(string? name, LocalHostOptions options) =>
        !options.Worker || File.Exists(Path.Combine(options.WorkerDirectory, "worker.config.json"))
            ? ValidateOptionsResult.Success
            : ValidateOptionsResult.Fail($"{LocalHostOptions.Section}:WorkerDirectory '{options.WorkerDirectory}' holds no worker.config.json: build functions/TreasureHunt.Functions (-c Release) first, or point it at the build output.");
}

/// <summary>The local host never trusts an X-MS-CLIENT-PRINCIPAL header: nothing in front of it sets (or strips) one.</summary>
internal sealed class LocalAccessValidator : IValidateOptions<TreasureHunt.Pipeline.Api.ApiAccessOptions>
{
    public ValidateOptionsResult Validate(string? name, TreasureHunt.Pipeline.Api.ApiAccessOptions options) =>
        options.EasyAuth
            ? ValidateOptionsResult.Fail($"{TreasureHunt.Pipeline.Api.ApiAccessOptions.Section}:EasyAuth must be false on the local host: no App Service Authentication sets the principal header, so any caller could.")
            : ValidateOptionsResult.Success;
}
