using System.Text.Json.Serialization;

namespace TreasureHunt.Core.Rollups;

/// <summary>The one signal a partition's sealed rollup range sends to an item shard entity.</summary>
public sealed class ItemShardSignal
{
    [JsonPropertyName("sourcePartition")] public string SourcePartition { get; set; } = "";
    [JsonPropertyName("firstSequenceNumber")] public long FirstSequenceNumber { get; set; }
    [JsonPropertyName("lastSequenceNumber")] public long LastSequenceNumber { get; set; }
    [JsonPropertyName("items")] public Dictionary<string, ItemDelta> Items { get; set; } = [];

    /// <summary>The keys of keyed groups this shard owns, by document id (absent when none).</summary>
    [JsonPropertyName("keys")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public Dictionary<string, Groups.GroupKeyDelta>? Keys { get; set; }

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

/// <summary>The signals of one rollup flush: one per touched shard (keyed by <see cref="ShardRouting.ShardKey"/>) and one
/// for the global entity, all for the shard layout <see cref="ShardCount"/>.</summary>
public sealed record RollupSignals(string SourcePartition, int ShardCount, IReadOnlyDictionary<string, ItemShardSignal> Shards, GlobalTotalsSignal Global)
{
    public int Count => Shards.Count + 1;

    /// <summary>
    /// The signals of a sealed delta. Each signal's range starts right after what the partition last sent that entity
    /// (<paramref name="sentThrough"/>, see <see cref="PartitionProgress.SentThrough"/>) — the flushes in between carried
    /// nothing for it — so an entity's applied ranges stay contiguous. Without a record (the first signal, or one
    /// without history) the range starts where the delta does.
    /// </summary>
    /// <param name="configuredShardCount">The layout of a delta stored before deltas recorded theirs (ShardCount 0).</param>
    public static RollupSignals From(
        string partitionId, RollupDelta delta, int configuredShardCount,
        IReadOnlyDictionary<string, long>? sentThrough = null, DateTimeOffset? sentAt = null)
    {
        ArgumentNullException.ThrowIfNull(delta);
        var layout = delta.ShardCount > 0 ? delta.ShardCount : configuredShardCount;
        long FirstFor(string key) =>
            sentThrough is not null && sentThrough.TryGetValue(key, out var through) && through < delta.FromSequence ? through + 1 : delta.FromSequence;
        var shards = new Dictionary<string, ItemShardSignal>(delta.Shards.Count, StringComparer.Ordinal);
        var indexes = delta.Keys is null ? delta.Shards.Keys : delta.Shards.Keys.Union(delta.Keys.Keys);
        foreach (var index in indexes)
        {
            var key = ShardRouting.ShardKey(layout, index);
            shards[key] = new ItemShardSignal
            {
                SourcePartition = partitionId, FirstSequenceNumber = FirstFor(key), LastSequenceNumber = delta.ToSequence,
                Items = delta.Shards.GetValueOrDefault(index) ?? new Dictionary<string, ItemDelta>(StringComparer.Ordinal),
                Keys = delta.Keys?.GetValueOrDefault(index), SentAt = sentAt,
            };
        }
        return new RollupSignals(partitionId, layout, shards, new GlobalTotalsSignal
        {
            SourcePartition = partitionId, FirstSequenceNumber = FirstFor(RollupEntityNames.GlobalKey), LastSequenceNumber = delta.ToSequence,
            Counters = delta.Global, SentAt = sentAt,
        });
    }
}

/// <summary>Names of the rollup entities (lower-case: Durable entity names are case-insensitive and stored lower-case).</summary>
public static class RollupEntityNames
{
    public const string ItemShard = "itemshard";
    public const string GlobalTotals = "globaltotals";
    public const string GlobalKey = "all";
}
