using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using TreasureHunt.Core.Aggregation;
using TreasureHunt.Core.Features;
using TreasureHunt.Core.Groups;
using TreasureHunt.Core.Parking;
using TreasureHunt.Core.Ports;
using TreasureHunt.Core.Rollups;
using TreasureHunt.Pipeline.Telemetry;

namespace TreasureHunt.Pipeline.Rollups;

/// <summary>
/// Writes an item shard's sealed buffer: every item and keyed document it touches (conditional, skipped where this
/// buffer was already written), then the shard's section of each touched leaderboard. Idempotent; a permanently refused
/// document drops only its own delta. Details: docs/internals.md#item-shard-writes.
/// </summary>
public sealed class ItemShardWriter(
    IItemRollupStore store,
    IStoreRefusalClassifier refusals,
    IOptions<RollupOptions> options,
    CompiledDefinitions definitions,
    TimeProvider time,
    PipelineMetrics metrics,
    ILogger<ItemShardWriter> logger)
{
    /// <summary>The definitions the buffers are written with (what the shard merges keyed states with).</summary>
    public CompiledDefinitions Definitions => definitions;

    /// <summary>Concurrent document writes of one shard flush (point operations on distinct documents) when each is a
    /// single request; a store that groups concurrent writes into batch requests gets all of them at once.</summary>
    public const int MaxConcurrentWrites = 16;

    /// <summary>Writes the buffer; returns the documents written (items and keys, leaderboards). Throws when a write keeps failing.</summary>
    public async Task<(int Items, int Leaderboards)> WriteAsync(string shardKey, SealedItemFlush flush, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(shardKey);
        ArgumentNullException.ThrowIfNull(flush);
        var o = options.Value;
        var started = time.GetTimestamp();
        var now = time.GetUtcNow();
        var oldestKept = WindowSize.Hour.StartOf(now) - (o.ItemHourWindows - 1) * 3600L;
        var entries = flush.Items.Select(e => KeyValuePair.Create(e.Key, WithinRetention(e.Value, oldestKept))).ToArray();
        var keys = flush.Keys?.ToArray() ?? [];
        var written = new Offers[entries.Length + keys.Length];
        await Parallel.ForEachAsync(Enumerable.Range(0, written.Length), Concurrency(written.Length, cancellationToken), async (i, ct) => written[i] = i < entries.Length
            ? await WriteItemAsync(shardKey, flush.Number, entries[i].Key, entries[i].Value, o.ItemHourWindows, now, ct)
            : await WriteKeyAsync(shardKey, flush.Number, keys[i - entries.Length].Key, keys[i - entries.Length].Value, now, ct));

        // Per-type item leaderboards: the item's count in the document just written (all counts only grow).
        var boards = new Dictionary<string, (string Type, long? Hour, List<(string ItemId, long Count)> Items)>(StringComparer.Ordinal);
        var declared = new Dictionary<string, (CompiledLeaderboard Board, LeaderboardWindow Window, long? Start, List<KeyedLeaderEntry> Entries)>(StringComparer.Ordinal);
        for (var i = 0; i < written.Length; i++)
        {
            foreach (var (type, hour, count) in written[i].PerType)
            {
                var typeName = definitions.TypeName((Core.Events.EventType)type);
                var id = LeaderboardDocument.IdOf(typeName, hour);
                if (!boards.TryGetValue(id, out var board)) boards[id] = board = (typeName, hour, []);
                board.Items.Add((entries[i].Key, count));
            }
            foreach (var (board, window, start, entry) in written[i].Declared)
            {
                var id = KeyedLeaderboardDocument.IdOf(board.Name, window, start);
                if (!declared.TryGetValue(id, out var target)) declared[id] = target = (board, window, start, []);
                target.Entries.Add(entry);
            }
        }
        // Both kinds of leaderboard at once: they share the leaderboards container, so batched they share batch requests.
        var perType = boards.Values.Select(board => (Func<CancellationToken, Task>)(ct => WriteLeaderboardAsync(shardKey, board.Type, board.Hour, board.Items, o, ct)));
        var byDeclaration = declared.Select(board => (Func<CancellationToken, Task>)(ct =>
            WriteDeclaredLeaderboardAsync(shardKey, board.Key, board.Value.Board, board.Value.Window, board.Value.Start, board.Value.Entries, ct)));
        var leaderboardWrites = perType.Concat(byDeclaration).ToArray();
        await Parallel.ForEachAsync(leaderboardWrites, Concurrency(leaderboardWrites.Length, cancellationToken), async (write, ct) => await write(ct));
        metrics.RecordItemShardWrite(shardKey, written.Length, boards.Count + declared.Count, time.GetElapsedTime(started));
        return (written.Length, boards.Count + declared.Count);
    }

    /// <summary>All <paramref name="documents"/> at once when the store groups concurrent writes into batch requests (a
    /// lone operation would wait on the batching timer), else <see cref="MaxConcurrentWrites"/> at a time.</summary>
    private ParallelOptions Concurrency(int documents, CancellationToken cancellationToken) => new()
    {
        MaxDegreeOfParallelism = store.GroupsConcurrentWrites ? Math.Max(1, documents) : MaxConcurrentWrites,
        CancellationToken = cancellationToken,
    };

    /// <summary>What one written document offers the leaderboards.</summary>
    private sealed record Offers(
        List<(int Type, long? Hour, long Count)> PerType,
        List<(CompiledLeaderboard Board, LeaderboardWindow Window, long? Start, KeyedLeaderEntry Entry)> Declared)
    {
        public static readonly Offers None = new([], []);
    }

    /// <summary>The delta without its hour windows that start before <paramref name="oldestKept"/> (the totals unchanged).</summary>
    private static ItemDelta WithinRetention(ItemDelta delta, long oldestKept) =>
        delta.Hours.TrueForAll(h => h.Start >= oldestKept)
            ? delta
            : new ItemDelta { Totals = delta.Totals, Hours = delta.Hours.FindAll(h => h.Start >= oldestKept), Keyed = delta.Keyed };

    /// <summary>Writes one item's delta; returns the item's new values for the leaderboards it touched. They are read
    /// from the document before it is written: once written, the store keeps it for the next writer of the item.</summary>
    private async Task<Offers> WriteItemAsync(string shardKey, long number, string itemId, ItemDelta delta, int keepHours, DateTimeOffset now, CancellationToken cancellationToken)
    {
        try
        {
            return await ConditionalWrite.RunAsync(
                $"an item document of shard {shardKey}'s buffer {number}",
                async ct => await store.GetItemForWriteAsync(itemId, ct) ?? new ItemDocument { Id = itemId },
                document =>
                {
                    // Not applied: written by an earlier try of this same buffer; the offers are read all the same.
                    var applied = document.Apply(shardKey, number, delta, keepHours, definitions);
                    return (applied, ItemOffers(itemId, delta, document, now));
                },
                store.TryWriteItemAsync, pauseOnConflict: false, time, cancellationToken);
        }
        catch (Exception e) when (refusals.IsRefusal(e, out var detail))
        {
            logger.LogError("Item shard {Shard}: an item document of buffer {Number} was refused ({Detail}); its delta is dropped", shardKey, number, detail);
            logger.LogDebug("Item shard {Shard}: the refused item document is {ItemId}", shardKey, itemId);
            metrics.RecordItemRefused(shardKey);
            return Offers.None;
        }
    }

    /// <summary>Writes one keyed group key's delta; returns its new values for the declared leaderboards of its group.</summary>
    private async Task<Offers> WriteKeyAsync(string shardKey, long number, string id, GroupKeyDelta delta, DateTimeOffset now, CancellationToken cancellationToken)
    {
        if (definitions.Group(delta.Group) is not { } group) return Offers.None; // the group is no longer declared
        try
        {
            return await ConditionalWrite.RunAsync(
                $"a keyed group document of shard {shardKey}'s buffer {number}",
                async ct => await store.GetGroupForWriteAsync(id, ct) ?? new GroupDocument { Id = id },
                document =>
                {
                    var applied = document.Apply(shardKey, number, delta, group, definitions);
                    return (applied, new Offers([], DeclaredOffers(group, id, delta.Key, document.State, delta.State, now)));
                },
                store.TryWriteGroupAsync, pauseOnConflict: false, time, cancellationToken);
        }
        catch (Exception e) when (refusals.IsRefusal(e, out var detail))
        {
            logger.LogError("Item shard {Shard}: a keyed group document of buffer {Number} was refused ({Detail}); its delta is dropped", shardKey, number, detail);
            metrics.RecordItemRefused(shardKey);
            return Offers.None;
        }
    }

    /// <summary>The item's count in <paramref name="document"/> for every (type, hour) and (type, all time) the delta
    /// touched (all counts only grow), and its item group's values for the declared leaderboards.</summary>
    private Offers ItemOffers(string itemId, ItemDelta delta, ItemDocument document, DateTimeOffset now)
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
        var declared = definitions.ItemGroup is { } group && delta.Keyed is { } added && document.Keyed is { } state
            ? DeclaredOffers(group, itemId, [itemId], state, added, now)
            : [];
        return new Offers(offers, declared);
    }

    private List<(CompiledLeaderboard Board, LeaderboardWindow Window, long? Start, KeyedLeaderEntry Entry)> DeclaredOffers(
        CompiledGroup group, string id, string[] key, KeyedState state, KeyedState delta, DateTimeOffset now)
    {
        var offers = new List<(CompiledLeaderboard, LeaderboardWindow, long?, KeyedLeaderEntry)>();
        foreach (var board in definitions.Leaderboards)
        {
            if (board.Group != group) continue;
            state.Bind(group);
            delta.Bind(group);
            foreach (var (window, start, value) in board.Offers(state, delta, now, definitions.TypeNames))
            {
                offers.Add((board, window, start, new KeyedLeaderEntry { Id = id, Key = key, Value = value }));
            }
        }
        return offers;
    }

    private Task WriteLeaderboardAsync(string shardKey, string type, long? hour, List<(string ItemId, long Count)> items, RollupOptions o, CancellationToken cancellationToken)
    {
        var id = LeaderboardDocument.IdOf(type, hour);
        return ConditionalWrite.RunAsync<LeaderboardDocument, bool>(
            $"leaderboard '{id}' (shard {shardKey})",
            async ct => await store.GetLeaderboardForWriteAsync(id, ct) ?? LeaderboardDocument.Create(type, hour),
            document =>
            {
                foreach (var (itemId, count) in items) document.Offer(shardKey, itemId, count, o.LeaderboardSize);
                // An hour's leaderboard expires when its window has left every item's retention: ItemHourWindows hours
                // after the window, counted (by Cosmos TTL) from the last write, which is at or after the window.
                document.TimeToLiveSeconds = hour is null ? null : (o.ItemHourWindows + 1) * 3600;
                return (true, true);
            },
            store.TryWriteLeaderboardAsync, pauseOnConflict: true, time, cancellationToken);
    }

    private Task WriteDeclaredLeaderboardAsync(string shardKey, string id, CompiledLeaderboard board, LeaderboardWindow window, long? start, List<KeyedLeaderEntry> entries, CancellationToken cancellationToken) =>
        ConditionalWrite.RunAsync<KeyedLeaderboardDocument, bool>(
            $"leaderboard '{board.Name}' window {id} (shard {shardKey})",
            async ct => await store.GetKeyedLeaderboardForWriteAsync(id, ct) ?? KeyedLeaderboardDocument.Create(board.Name, window, start),
            document =>
            {
                foreach (var entry in entries) document.Offer(shardKey, entry, board.K);
                document.TimeToLiveSeconds = board.TimeToLiveSeconds(window);
                return (true, true);
            },
            store.TryWriteKeyedLeaderboardAsync, pauseOnConflict: true, time, cancellationToken);
}
