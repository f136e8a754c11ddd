using System.ComponentModel.DataAnnotations;
using TreasureHunt.Core.Configuration;
using Microsoft.Extensions.Options;

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

    /// <summary>Folder for the event log, PIDs, API key (git-ignored).</summary>
    [Required(ErrorMessage = $"{Section}:StateDir is required.")]
    public string StateDir { get; set; } = ".th";

    /// <summary>Function key required in x-functions-key (or ?code=) on every route but health.</summary>
    public string ApiKey { get; set; } = "";

    /// <summary>Deliver every batch twice (redelivery test mode).</summary>
    public bool DeliverTwice { get; set; }

    /// <summary>preaggregated (the product) or perEvent (the benchmark's baseline).</summary>
    [RegularExpression("^(preaggregated|perEvent)$", ErrorMessage = $"{Section}:Strategy must be preaggregated or perEvent.")]
    public string Strategy { get; set; } = "preaggregated";

    /// <summary>How often due rollups of idle partitions are flushed (the Functions app's FlushRollups timer).</summary>
    [SettingRange(1, 3_600_000, ErrorMessage = $"{Section}:RollupFlushIntervalMs must be 1..3600000.")]
    public int RollupFlushIntervalMs { get; set; } = 1000;

    /// <summary>Largest accepted ingest request body.</summary>
    [SettingRange(1, 256 * 1024 * 1024, ErrorMessage = $"{Section}:MaxRequestBytes must be 1..268435456.")]
    public int MaxRequestBytes { get; set; } = 4 * 1024 * 1024;

    public string LogDir => Path.Combine(StateDir, "log");
}

/// <summary>Source-generated from the attributes of <see cref="LocalHostOptions"/>.</summary>
[OptionsValidator]
internal sealed partial class LocalHostOptionsValidator : IValidateOptions<LocalHostOptions>;
