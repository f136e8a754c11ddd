namespace TreasureHunt.Capacity;

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
/// operations, executions, limits and cost, so a new design only implements this interface.
/// </summary>
public interface IRollupCapacityDesign
{
    string Name { get; }

    RollupLoad Evaluate(CapacityInputs inputs, TrafficPoint traffic);
}
