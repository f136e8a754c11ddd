using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using TreasureHunt.Core.Features;
using TreasureHunt.Core.Parking;
using TreasureHunt.Core.Ports;
using TreasureHunt.Core.Rollups;
using TreasureHunt.Pipeline.Telemetry;

namespace TreasureHunt.Pipeline.Rollups;

/// <summary>
/// Writes an item shard's sealed buffer (<see cref="SealedItemFlush"/>): each item's document (read — or the copy the
/// store kept from its last write — add the delta
/// unless this buffer was already written there, conditional replace), then, per touched (type, hour) and (type, all
/// time), the shard's section of that leaderboard document, offered the items' new counts read from their documents.
/// Idempotent, so a write interrupted by a crash is simply repeated (see <see cref="ItemShardState"/>).
/// A store's permanent refusal of one item's document (<see cref="IStoreRefusalClassifier"/>) drops that item's delta
/// from the buffer, counted and logged, so one document nobody can address never holds the shard's other items.
/// </summary>
public sealed class ItemShardWriter(
    IItemRollupStore store,
    IStoreRefusalClassifier refusals,
    IOptions<RollupOptions> options,
    CompiledDefinitions definitions,
    TimeProvider time,
    ILogger<ItemShardWriter> logger)
{
    /// <summary>Concurrent document writes of one shard flush (point operations on distinct items).</summary>
    public const int MaxConcurrentWrites = 16;

    /// <summary>Conditional-write attempts on one document before the flush gives up (and is retried later, whole).</summary>
    public const int MaxAttempts = 50;

    /// <summary>Writes the buffer; returns the documents written (items, leaderboards). Throws when a write keeps failing.</summary>
    public async Task<(int Items, int Leaderboards)> WriteAsync(string shardKey, SealedItemFlush flush, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(shardKey);
        ArgumentNullException.ThrowIfNull(flush);
        var o = options.Value;
        var started = time.GetTimestamp();
        var written = new List<(int Type, long? Hour, long Count)>[flush.Items.Count];
        var entries = flush.Items.ToArray();
        await Parallel.ForEachAsync(Enumerable.Range(0, entries.Length),
            new ParallelOptions { MaxDegreeOfParallelism = MaxConcurrentWrites, CancellationToken = cancellationToken },
            async (i, ct) => written[i] = await WriteItemAsync(shardKey, flush.Number, entries[i].Key, entries[i].Value, o.ItemHourWindows, ct));

        // Offers per leaderboard: the item's count in the document just written (all counts only grow).
        var offers = new Dictionary<string, (string Type, long? Hour, List<(string ItemId, long Count)> Items)>(StringComparer.Ordinal);
        void Offer(int type, long? hour, string itemId, long count)
        {
            var typeName = definitions.TypeName((Core.Events.EventType)type);
            var id = LeaderboardDocument.IdOf(typeName, hour);
            if (!offers.TryGetValue(id, out var board)) offers[id] = board = (typeName, hour, []);
            board.Items.Add((itemId, count));
        }
        for (var i = 0; i < entries.Length; i++)
        {
            foreach (var (type, hour, count) in written[i]) Offer(type, hour, entries[i].Key, count);
        }
        await Parallel.ForEachAsync(offers.Values,
            new ParallelOptions { MaxDegreeOfParallelism = MaxConcurrentWrites, CancellationToken = cancellationToken },
            async (board, ct) => await WriteLeaderboardAsync(shardKey, board.Type, board.Hour, board.Items, o, ct));
        PipelineMetrics.RecordItemShardWrite(shardKey, entries.Length, offers.Count, time.GetElapsedTime(started));
        return (entries.Length, offers.Count);
    }

    /// <summary>Writes one item's delta; returns the item's new counts for the leaderboards it touched. They are read
    /// from the document before it is written: once written, the store keeps it for the next writer of the item.</summary>
    private async Task<List<(int Type, long? Hour, long Count)>> WriteItemAsync(string shardKey, long number, string itemId, ItemDelta delta, int keepHours, CancellationToken cancellationToken)
    {
        try
        {
            return await WriteItemOnceAsync(shardKey, number, itemId, delta, keepHours, cancellationToken);
        }
        catch (Exception e) when (refusals.IsRefusal(e, out var detail))
        {
            logger.LogError("Item shard {Shard}: an item document of buffer {Number} was refused ({Detail}); its delta is dropped", shardKey, number, detail);
            logger.LogDebug("Item shard {Shard}: the refused item document is {ItemId}", shardKey, itemId);
            PipelineMetrics.RecordItemRefused(shardKey);
            return [];
        }
    }

    private async Task<List<(int Type, long? Hour, long Count)>> WriteItemOnceAsync(string shardKey, long number, string itemId, ItemDelta delta, int keepHours, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            var document = await store.GetItemForWriteAsync(itemId, cancellationToken) ?? new ItemDocument { Id = itemId };
            if (!document.Apply(shardKey, number, delta, keepHours))
            {
                return Offers(delta, document); // written by an earlier try of this same buffer
            }
            var offers = Offers(delta, document);
            if (await store.TryWriteItemAsync(document, cancellationToken))
            {
                return offers;
            }
            // Another writer got there first (only while an old shard layout drains after a reshard): read again.
            if (attempt >= MaxAttempts) throw new InvalidOperationException($"item '{itemId}': {attempt} conflicting writes in a row; the shard {shardKey} retries its buffer {number} later");
        }
    }

    /// <summary>The item's count in <paramref name="document"/> for every (type, hour) and (type, all time) the delta
    /// touched (all counts only grow).</summary>
    private static List<(int Type, long? Hour, long Count)> Offers(ItemDelta delta, ItemDocument document)
    {
        var offers = new List<(int Type, long? Hour, long Count)>();
        for (var t = 0; t < delta.Totals.Length; t++)
        {
            if (delta.Totals[t] != 0) offers.Add((t, null, document.Totals[t]));
        }
        foreach (var hour in delta.Hours)
        {
            var window = document.Hours.Find(h => h.Start == hour.Start);
            if (window is null) continue; // past the item's own retention
            for (var t = 0; t < hour.Counts.Length; t++)
            {
                if (hour.Counts[t] != 0) offers.Add((t, hour.Start, Core.Events.PerType.At(window.Counts, t)));
            }
        }
        return offers;
    }

    private async Task WriteLeaderboardAsync(string shardKey, string type, long? hour, List<(string ItemId, long Count)> items, RollupOptions o, CancellationToken cancellationToken)
    {
        var id = LeaderboardDocument.IdOf(type, hour);
        for (var attempt = 1; ; attempt++)
        {
            var document = await store.GetLeaderboardAsync(id, cancellationToken) ?? LeaderboardDocument.Create(type, hour);
            foreach (var (itemId, count) in items)
            {
                document.Offer(shardKey, itemId, count, o.LeaderboardSize);
            }
            // An hour's leaderboard expires when its window has left every item's retention: ItemHourWindows hours
            // after the window, counted (by Cosmos TTL) from the last write, which is at or after the window.
            document.TimeToLiveSeconds = hour is null ? null : (o.ItemHourWindows + 1) * 3600;
            if (await store.TryWriteLeaderboardAsync(document, cancellationToken))
            {
                return;
            }
            // The other shards write their sections of the same document: read again, after a short random pause.
            if (attempt >= MaxAttempts) throw new InvalidOperationException($"leaderboard '{id}': {attempt} conflicting writes in a row; the shard {shardKey} retries later");
            logger.LogDebug("Leaderboard {Id}: write conflict {Attempt} for shard {Shard}", id, attempt, shardKey);
            await Task.Delay(TimeSpan.FromMilliseconds(Random.Shared.Next(5, 20 * Math.Min(attempt, 10))), time, cancellationToken);
        }
    }
}
