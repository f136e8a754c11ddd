using System.Text.Json.Serialization;

namespace TreasureHunt.Core.Rollups;

/// <summary>The one signal a partition's sealed rollup range sends to an item shard entity.</summary>
public sealed class ItemShardSignal
{
    [JsonPropertyName("sourcePartition")] public string SourcePartition { get; set; } = "";
    [JsonPropertyName("firstSequenceNumber")] public long FirstSequenceNumber { get; set; }
    [JsonPropertyName("lastSequenceNumber")] public long LastSequenceNumber { get; set; }
    [JsonPropertyName("items")] public Dictionary<string, ItemDelta> Items { get; set; } = [];
    /// <summary>When the partition sent the range (for the entity-lag metric); absent in signals of older versions.</summary>
    [JsonPropertyName("sentAt")] public DateTimeOffset? SentAt { get; set; }
}

/// <summary>The one signal a partition's rollup sends to the global totals entity.</summary>
public sealed class GlobalTotalsSignal
{
    [JsonPropertyName("sourcePartition")] public string SourcePartition { get; set; } = "";
    [JsonPropertyName("firstSequenceNumber")] public long FirstSequenceNumber { get; set; }
    [JsonPropertyName("lastSequenceNumber")] public long LastSequenceNumber { get; set; }
    [JsonPropertyName("counters")] public GlobalCounters Counters { get; set; } = new();
    /// <summary>When the partition sent the range (for the entity-lag metric); absent in signals of older versions.</summary>
    [JsonPropertyName("sentAt")] public DateTimeOffset? SentAt { get; set; }
}

/// <summary>The signals of one rollup flush: one per touched shard and one for the global entity.</summary>
public sealed record RollupSignals(string SourcePartition, IReadOnlyDictionary<int, ItemShardSignal> Shards, GlobalTotalsSignal Global)
{
    public int Count => Shards.Count + 1;

    public static RollupSignals From(string partitionId, RollupDelta delta, DateTimeOffset? sentAt = null) => new(
        partitionId,
        delta.Shards.ToDictionary(
            s => s.Key,
            s => new ItemShardSignal { SourcePartition = partitionId, FirstSequenceNumber = delta.FromSequence, LastSequenceNumber = delta.ToSequence, Items = s.Value, SentAt = sentAt }),
        new GlobalTotalsSignal { SourcePartition = partitionId, FirstSequenceNumber = delta.FromSequence, LastSequenceNumber = delta.ToSequence, Counters = delta.Global, SentAt = sentAt });
}

/// <summary>Names of the rollup entities (lower-case: Durable entity names are case-insensitive and stored lower-case).</summary>
public static class RollupEntityNames
{
    public const string ItemShard = "itemshard";
    public const string GlobalTotals = "globaltotals";
    public const string GlobalKey = "all";

    public static string ShardKey(int shard) => shard.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
