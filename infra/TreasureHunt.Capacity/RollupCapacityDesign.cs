namespace TreasureHunt.Core.Capacity;

/// <summary>The traffic one partition-batch pipeline sees at one rate (sustained or peak), computed by <see cref="CapacityModel"/>.</summary>
public sealed record TrafficPoint(
    double EventsPerSecond,
    int Partitions,
    double EventsPerPartitionPerSecond,
    double BatchSize,
    double BatchesPerSecond,
    double UserWritesPerEvent);

/// <summary>One kind of durable entity at one rate: how many instances, the state of the largest, and the operations
/// per second each receives.</summary>
public sealed record EntityFigure(string Entity, int Instances, double StateBytes, double OpsPerSecondPerInstance, string StateNote);

/// <summary>What a cross-partition rollup design costs at one rate. <see cref="Cosmos"/> and <see cref="ItemShard"/> are
/// set by designs that write item and leaderboard documents (<see cref="ItemDocumentRollupDesign"/>).</summary>
public sealed record RollupLoad(
    IReadOnlyList<EntityFigure> Entities,
    double SignalsPerEvent,
    double FlushesPerSecond,
    double EntitiesReadPerLeaderboardQuery,
    double ItemStatsReadBytes,
    RollupCosmosLoad? Cosmos = null,
    ItemShardBuffers? ItemShard = null,
    IReadOnlyList<KeyedGroupLoad>? Keyed = null)
{
    public double SignalsPerSecond => Entities.Sum(e => e.Instances * e.OpsPerSecondPerInstance);
}

/// <summary>The Cosmos DB traffic and documents of a rollup design that keeps items and leaderboards in documents
/// (containers <c>items</c> and <c>leaderboards</c>), at one rate. RU by document size: <c>RequestUnitEstimator</c>.</summary>
public sealed record RollupCosmosLoad(
    double ItemWritesPerSecond,
    double ItemReadsPerSecond,
    double ItemRuPerSecond,
    double LeaderboardWritesPerSecond,
    double LeaderboardReadsPerSecond,
    double LeaderboardRuPerSecond,
    double ItemDocumentBytes,
    double LeaderboardDocumentBytes,
    double LeaderboardDocumentBytesDuringReshard,
    double ItemDocuments,
    double LeaderboardDocuments,
    double HottestLeaderboardDocumentRuPerSecond,
    double HottestItemDocumentRuPerSecond,
    double KeyedStorageBytes = 0,
    double? StoredItemDocumentBytes = null)
{
    public double RuPerSecond => ItemRuPerSecond + LeaderboardRuPerSecond;

    /// <summary>Bytes stored: one document per item ever seen (worst-case size of its stats: <see cref="StoredItemDocumentBytes"/>
    /// when keyed groups are priced) + the leaderboard documents kept + the keyed groups' documents, leaderboards and
    /// what the item group adds to the item documents (average sizes).</summary>
    public double StorageBytes => ItemDocuments * (StoredItemDocumentBytes ?? ItemDocumentBytes) + LeaderboardDocuments * LeaderboardDocumentBytes + KeyedStorageBytes;
}

/// <summary>What one keyed group costs at one rate: distinct keys per shard seal, its key documents' writes (container
/// <c>items</c>; none for the item group, kept in the item documents) and its leaderboards' window documents (container
/// <c>leaderboards</c>), each written after one read. RU are priced on the typical sizes; the worst cases are the bounds.</summary>
public sealed record KeyedGroupLoad(
    string Group,
    long Keys,
    double KeysPerShardSeal,
    double DocumentWritesPerSecond,
    double DocumentRuPerSecond,
    double TypicalDocumentBytes,
    double WorstDocumentBytes,
    double LeaderboardWritesPerSecond,
    double LeaderboardRuPerSecond,
    double LeaderboardDocuments,
    double TypicalLeaderboardBytes,
    double WorstLeaderboardBytes,
    double WorstLeaderboardBytesDuringReshard,
    double StorageBytes,
    double ItemDocumentAddedRuPerSecond = 0)
{
    /// <summary>The RU/s the group adds: its documents, its leaderboards, and (item group) what it adds to the item
    /// documents' reads and replaces. The partitions' progress writes carrying its partial states are not apportioned.</summary>
    public double RuPerSecond => DocumentRuPerSecond + ItemDocumentAddedRuPerSecond + LeaderboardRuPerSecond;

    /// <summary>$ per month of <see cref="RuPerSecond"/> at the serverless price per million RU: how the cost ledger
    /// prices a feature's RU (<c>FeatureCostTotal</c>), comparable across groups whatever the plan's Cosmos DB mode.</summary>
    public decimal UsdPerMonthAtServerlessPrice(decimal usdPerMillionRu) => (decimal)(RuPerSecond * 3600 * CapacityModel.HoursPerMonth / 1e6) * usdPerMillionRu;
}

/// <summary>One <c>itemshard</c>'s buffers at one rate: how often it writes its items (seconds between seals), how many
/// items a seal holds, the items one apply signal adds, the bytes of the pending and sealed buffers and of the applied
/// ranges (bounds), and the Cosmos DB operations per second the shard issues while writing its sealed buffers.</summary>
public sealed record ItemShardBuffers(
    double FlushIntervalSeconds,
    double ItemsPerFlush,
    double ItemsPerSignal,
    double PendingBytes,
    double SealedBytes,
    double AppliedRangesBytes,
    double CosmosOperationsPerSecond,
    double KeysPerFlush = 0,
    double KeysPerSignal = 0);

/// <summary>
/// The capacity model of a cross-partition rollup design: the one place that states a design's entity state sizes,
/// operation rates, signals per event and query fan-out. <see cref="CapacityModel"/> turns these into task-hub storage
/// operations, executions, limits and cost, so a new design (issue 10) only implements this interface.
/// </summary>
public interface IRollupCapacityDesign
{
    string Name { get; }

    RollupLoad Evaluate(CapacityInputs inputs, TrafficPoint traffic);
}

/// <summary>
/// The design issue 10 replaces (functions/TreasureHunt.Core/Rollups before it), kept to compare with
/// <see cref="ItemDocumentRollupDesign"/>: <c>Rollups:ShardCount</c> (16) <c>itemshard</c> entities own the
/// whole catalog (items never removed, up to <c>ItemHourWindows</c> hour windows each, top-K per hour and type), one
/// <c>globaltotals</c> entity; each partition seals its pending rollup at <c>FlushMinEvents</c> messages or
/// <c>FlushMaxAgeSeconds</c> and sends one signal per touched shard plus one global signal. Queries read every shard
/// (leaderboard) or one whole shard (item stats).
/// </summary>
public sealed class ShardedItemRollupDesign : IRollupCapacityDesign
{
    /// <summary>Serialized bytes of one item in <c>ItemShardState.Items</c> without hour windows (id, totals, newestHour),
    /// and of one hour window; checked against System.Text.Json output of the real state in CapacityModelTests.</summary>
    public const double ItemBaseBytes = 80;
    public const double HourWindowBytes = 42;

    /// <summary>Serialized bytes of one <c>LeaderEntry</c> (same test).</summary>
    public const double LeaderEntryBytes = 36;

    /// <summary><c>globaltotals</c> state: counters plus the applied ranges of each partition (a few hundred bytes each).</summary>
    public const double GlobalTotalsBaseBytes = 1_024;
    public const double AppliedRangesBytesPerPartition = 256;

    public string Name => "Rollups:ShardCount itemshard entities holding the catalog + globaltotals (before issue 10)";

    public RollupLoad Evaluate(CapacityInputs inputs, TrafficPoint traffic)
    {
        var shards = inputs.RollupShardCount;
        var flushes = PartitionFlushes.At(inputs, traffic);
        var flushesPerSecond = flushes.FlushesPerSecond;
        var itemShardOps = flushes.ApplySignalsPerShard;

        // Items are never removed; an item keeps an hour window for each of the last ItemHourWindows hours it had an
        // event. Expected non-empty hours per item = ItemHourWindows × (distinct items per hour ÷ items).
        var eventsPerHour = traffic.EventsPerSecond * 3600;
        var windowsPerItem = Math.Max(1, inputs.ItemHourWindows * ZipfDistinct.Expected(eventsPerHour, inputs.Items, inputs.ZipfExponent) / inputs.Items);
        var itemsPerShard = Math.Ceiling((double)inputs.Items / shards);
        var leaders = (inputs.ItemHourWindows + 1) * 5 * Math.Min(inputs.LeaderboardSize, itemsPerShard) * LeaderEntryBytes;
        var shardBytes = itemsPerShard * (ItemBaseBytes + windowsPerItem * HourWindowBytes) + leaders
                         + traffic.Partitions * AppliedRangesBytesPerPartition;

        return new RollupLoad(
            [
                new EntityFigure("itemshard", shards, shardBytes, itemShardOps,
                    $"{itemsPerShard:N0} items × {windowsPerItem:F1} hour windows + top-{inputs.LeaderboardSize} per hour and type"),
                new EntityFigure("globaltotals", 1, GlobalTotalsBaseBytes + traffic.Partitions * AppliedRangesBytesPerPartition, flushesPerSecond,
                    "counters + applied ranges per partition"),
            ],
            SignalsPerEvent: flushes.SignalsPerEvent,
            FlushesPerSecond: flushesPerSecond,
            EntitiesReadPerLeaderboardQuery: shards,
            ItemStatsReadBytes: shardBytes);
    }
}
