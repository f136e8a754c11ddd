namespace TreasureHunt.Capacity;

/// <summary>
/// How the partitions seal and send their pending rollups at one rate (every rollup design so far): a partition seals at
/// <c>Rollups:FlushMinEvents</c> messages or when its oldest pending part is <c>FlushMaxAgeSeconds</c> old, and sends
/// one signal per shard its distinct items touch (items are routed by hash) plus one to <c>globaltotals</c>.
/// </summary>
public sealed record PartitionFlushes(double EventsPerFlush, double FlushesPerSecond, double DistinctItemsPerFlush, double ShardsTouchedPerFlush, int Shards)
{
    public static PartitionFlushes At(CapacityInputs inputs, TrafficPoint traffic)
    {
        var shards = inputs.RollupShardCount;
        var perPartition = traffic.EventsPerPartitionPerSecond;
        var eventsPerFlush = Math.Max(1, Math.Min(inputs.RollupFlushMinEvents, perPartition * inputs.RollupFlushMaxAgeSeconds));
        var distinctItemsPerFlush = ZipfDistinct.Expected(eventsPerFlush, inputs.Items, inputs.ZipfExponent);
        return new PartitionFlushes(eventsPerFlush, perPartition / eventsPerFlush * traffic.Partitions, distinctItemsPerFlush,
            shards * (1 - Math.Pow(1 - 1.0 / shards, distinctItemsPerFlush)), shards);
    }

    /// <summary>Signals one shard receives per second.</summary>
    public double ApplySignalsPerShard => FlushesPerSecond * ShardsTouchedPerFlush / Shards;

    /// <summary>Items one signal carries to a shard it touches.</summary>
    public double ItemsPerSignal => ShardsTouchedPerFlush > 0 ? DistinctItemsPerFlush / ShardsTouchedPerFlush : 0;

    /// <summary>Partition signals per event: (shards touched + 1) per flush.</summary>
    public double SignalsPerEvent => (ShardsTouchedPerFlush + 1) / EventsPerFlush;
}
