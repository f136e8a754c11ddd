namespace TreasureHunt.Capacity;

/// <summary>Event Hubs tiers the planner chooses between (and the Bicep deploys).</summary>
public enum EventHubsTier
{
    Standard,
    Premium,
    Dedicated,
}

/// <summary>What a team tells the planner about its traffic. Defaults: the production reference point's shape
/// (10 M users, 1 M items) and the app's defaults (host.json, Rollups, FinOps).</summary>
public sealed record CapacityInputs
{
    /// <summary>Sustained ingress, events per second (the monthly average the cost is computed on).</summary>
    public required double EventsPerSecond { get; init; }

    /// <summary>Peak ÷ sustained. Capacity (units, partitions, RU/s, instances) is sized for the peak.</summary>
    public double PeakFactor { get; init; } = 3;

    /// <summary>Hours per day at the peak rate (autoscale bills the highest RU/s of each hour).</summary>
    public double PeakHoursPerDay { get; init; } = 2;

    /// <summary>Active users (Zipf-distributed, exponent <see cref="ZipfExponent"/>, like the load generator).</summary>
    public long Users { get; init; } = 10_000_000;

    /// <summary>Items in the catalog (Zipf-distributed).</summary>
    public long Items { get; init; } = 1_000_000;

    public double ZipfExponent { get; init; } = 1.0;

    /// <summary>Event Hubs partitions; null lets the planner choose.</summary>
    public int? Partitions { get; init; }

    /// <summary>Event Hubs tier; null lets the planner choose the cheapest that carries the peak.</summary>
    public EventHubsTier? Tier { get; init; }

    /// <summary>host.json extensions.eventHubs.maxEventBatchSize.</summary>
    public int MaxBatchSize { get; init; } = 1_000;

    /// <summary>Target freshness (enqueue → user aggregate written). Half of it is spent filling a batch, so a
    /// partition's batch is min(<see cref="MaxBatchSize"/>, its rate × freshness/2). Default 2,000 ms = host.json
    /// maxWaitTime (1 s) of fill time.</summary>
    public double FreshnessMs { get; init; } = 2_000;

    /// <summary>Flex Consumption instance memory (512, 2048 or 4096 MB).</summary>
    public int InstanceMemoryMb { get; init; } = 2_048;

    /// <summary>Events/s one instance processes; null = <see cref="MeasuredFigures.EventsPerSecondPerVcpu"/> × the instance's vCPU.</summary>
    public double? EventsPerSecondPerInstance { get; init; }

    /// <summary>Event Hubs Capture to the storage account (Avro).</summary>
    public bool Capture { get; init; }

    /// <summary>Rollups:ShardCount, Rollups:FlushMinEvents, Rollups:FlushMaxAgeSeconds, Rollups:ItemHourWindows, Rollups:LeaderboardSize.</summary>
    public int RollupShardCount { get; init; } = 16;
    public int RollupFlushMinEvents { get; init; } = 4_000;
    public double RollupFlushMaxAgeSeconds { get; init; } = 2;

    /// <summary>Period of the flush timer that sends idle partitions' rollups (the Functions app's <c>FlushRollups</c>
    /// schedule; the local host's <c>Local:RollupFlushIntervalMs</c> is shorter).</summary>
    public double RollupFlushTimerSeconds { get; init; } = 2;
    public int ItemHourWindows { get; init; } = 48;
    public int LeaderboardSize { get; init; } = 100;

    /// <summary>The rollup design (<see cref="ItemDocumentRollupDesign"/>): an <c>itemshard</c> seals its pending item
    /// deltas when they are <c>Rollups:ItemFlushSeconds</c> old or hold <c>Rollups:ItemFlushMaxItems</c> items, and
    /// schedules itself a delayed <c>flush</c> signal (<see cref="ItemFlushSignalDelaySeconds"/>) while it holds unwritten data.</summary>
    public double ItemFlushSeconds { get; init; } = 1;
    public int ItemFlushMaxItems { get; init; } = 1_900;
    public double ItemFlushSignalDelaySeconds { get; init; } = 2;

    /// <summary>Typical item id length in characters (sizes item deltas, item documents and leaderboard entries).</summary>
    public int ItemIdLength { get; init; } = 16;

    /// <summary>Shard count a live reshard moves to (its leaderboard documents hold both generations' sections until the
    /// old shards drain); null = twice <see cref="RollupShardCount"/> (<see cref="KeyedGroupCapacity.WithGroups"/> lowers
    /// it to the largest count the start-up check admits for the declared leaderboards).</summary>
    public int? ReshardShardCount { get; init; }

    public int ReshardTarget => ReshardShardCount ?? RollupShardCount * 2;

    /// <summary>FinOps:LedgerFlushBatchSize: cost rows written per table transaction.</summary>
    public int LedgerRowsPerTransaction { get; init; } = 100;

    /// <summary>The keyed groups to price (<see cref="KeyedGroupCapacity.From"/>): empty prices the per-type rollup only.</summary>
    public IReadOnlyList<KeyedGroupInput> KeyedGroups { get; init; } = [];

    public double PeakEventsPerSecond => EventsPerSecond * PeakFactor;

    /// <summary>One line naming the first invalid input, or null.</summary>
    public string? Validate()
    {
        if (!double.IsFinite(EventsPerSecond) || EventsPerSecond <= 0 || EventsPerSecond > 10_000_000) return "--events-per-second must be > 0 and <= 10,000,000.";
        if (!double.IsFinite(PeakFactor) || PeakFactor < 1 || PeakFactor > 100) return "--peak-factor must be between 1 and 100.";
        if (PeakHoursPerDay is < 0 or > 24) return "peak hours per day must be between 0 and 24.";
        if (Users < 1) return "--users must be >= 1.";
        if (Items < 1) return "--items must be >= 1.";
        if (ZipfExponent is <= 0 or > 3) return "the Zipf exponent must be in (0, 3].";
        if (Partitions is < 1 or > AzureLimits.DedicatedMaxPartitions) return $"--partitions must be 1..{AzureLimits.DedicatedMaxPartitions}.";
        if (Partitions > AzureLimits.StandardMaxPartitions && Tier == EventHubsTier.Standard) return $"--partitions: Event Hubs Standard allows at most {AzureLimits.StandardMaxPartitions}.";
        if (Partitions > AzureLimits.PremiumMaxPartitions && Tier == EventHubsTier.Premium) return $"--partitions: Event Hubs Premium allows at most {AzureLimits.PremiumMaxPartitions}.";
        if (MaxBatchSize is < 1 or > 10_000) return "--batch-size must be 1..10,000.";
        if (!double.IsFinite(FreshnessMs) || FreshnessMs < 10) return "--freshness-ms must be >= 10.";
        if (Array.FindIndex(AzureLimits.FlexInstanceSizes, s => s.MemoryMb == InstanceMemoryMb) < 0) return "--instance-memory-mb must be 512, 2048 or 4096.";
        if (EventsPerSecondPerInstance is { } perInstance && (!double.IsFinite(perInstance) || perInstance <= 0)) return "events per second per instance must be > 0.";
        if (RollupShardCount is < 1 or > 1024) return "Rollups:ShardCount must be 1..1024.";
        if (RollupFlushMinEvents < 1) return "Rollups:FlushMinEvents must be >= 1.";
        if (RollupFlushMaxAgeSeconds <= 0) return "Rollups:FlushMaxAgeSeconds must be > 0.";
        if (!double.IsFinite(RollupFlushTimerSeconds) || RollupFlushTimerSeconds <= 0) return "the rollup flush timer's period must be > 0.";
        if (ItemHourWindows < 1 || LeaderboardSize < 1 || LedgerRowsPerTransaction < 1) return "rollup windows, leaderboard size and ledger batch must be >= 1.";
        if (!double.IsFinite(ItemFlushSeconds) || ItemFlushSeconds <= 0) return "Rollups:ItemFlushSeconds must be > 0.";
        if (ItemFlushMaxItems < 1) return "Rollups:ItemFlushMaxItems must be >= 1.";
        if (!double.IsFinite(ItemFlushSignalDelaySeconds) || ItemFlushSignalDelaySeconds <= 0) return "the itemshard flush signal delay must be > 0.";
        if (ItemIdLength is < 1 or > 1_000) return "the item id length must be 1..1000.";
        if (ReshardShardCount is < 1 or > 1024) return "the reshard target must be 1..1024.";
        return null;
    }
}
