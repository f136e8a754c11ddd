using TreasureHunt.Core.Events;
using TreasureHunt.Core.Groups;
using TreasureHunt.Pipeline.Rollups;

namespace TreasureHunt.Pipeline.Versions;

/// <summary>
/// Keeps a back-filled version's keyed groups and declared leaderboards in its own container, per batch and without the
/// rollup: each key a batch touches gets one conditional write, then offers its value to each touched leaderboard
/// window. Exactness, bounds and cost: docs/internals.md#shadow-keyed-writes.
/// </summary>
internal static class ShadowKeyedWriter
{
    /// <summary>Concurrent key writes of one batch.</summary>
    public const int MaxConcurrentWrites = 16;

    /// <summary>The one section of a back-filled version's leaderboard window.</summary>
    public const string Section = "backfilled";

    /// <summary>Writes the keys of <paramref name="counted"/> (the batch's events the user step counted, any order) into
    /// <paramref name="target"/>'s keyed store, then offers them to its declared leaderboards.</summary>
    public static async Task WriteAsync(DefinitionsVersion target, string partitionId, IEnumerable<SequencedEvent> counted, TimeProvider time, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(target);
        ArgumentNullException.ThrowIfNull(counted);
        ArgumentNullException.ThrowIfNull(time);
        if (target.Keyed is not { } store || target.Definitions.Groups.Length == 0) return;
        var definitions = target.Definitions;
        var keys = new Dictionary<string, (CompiledGroup Declared, string[] Key, List<SequencedEvent> Events)>(StringComparer.Ordinal);
        foreach (var e in counted)
        {
            foreach (var declared in definitions.Groups)
            {
                var values = new string[declared.Key.Length];
                var complete = true;
                for (var i = 0; i < values.Length && complete; i++)
                {
                    // An event without a key field counts in no key of the group (as the rollup).
                    complete = (values[i] = GroupKeys.ValueOf(declared.Key[i], e.Event)!) is not null;
                }
                if (!complete) continue;
                var id = GroupKeys.DocumentId(declared, values);
                if (!keys.TryGetValue(id, out var key)) keys[id] = key = (declared, values, []);
                key.Events.Add(e);
            }
        }
        var now = time.GetUtcNow();
        var offers = new System.Collections.Concurrent.ConcurrentDictionary<string, (CompiledLeaderboard Board, LeaderboardWindow Window, long? Start, List<KeyedLeaderEntry> Entries)>(StringComparer.Ordinal);
        await Parallel.ForEachAsync(keys, new ParallelOptions { MaxDegreeOfParallelism = MaxConcurrentWrites, CancellationToken = cancellationToken }, async (entry, ct) =>
        {
            var (declared, values, events) = entry.Value;
            var group = declared.StoringAll;
            var boards = definitions.Leaderboards.Where(b => b.Group.Name == declared.Name).ToArray();
            events.Sort((a, b) => a.SequenceNumber.CompareTo(b.SequenceNumber));
            var offered = await ConditionalWrite.RunAsync(
                $"version {target.Version}'s keyed group document of partition {partitionId}",
                async c => await store.GetGroupAsync(entry.Key, c) ?? new GroupDocument { Id = entry.Key },
                document =>
                {
                    // Offered whether or not this write added anything: an earlier try may have written the key and not its offers.
                    var added = document.ApplyEvents(partitionId, events, values, group, definitions);
                    return (added, boards.Length == 0 ? [] : Offers(boards, group, definitions, entry.Key, values, document.State, events, now));
                },
                store.TryWriteGroupAsync, pauseOnConflict: true, time, ct);
            foreach (var (board, window, start, offer) in offered)
            {
                var pending = offers.GetOrAdd(KeyedLeaderboardDocument.IdBesideKeys(board.Name, window, start), _ => (board, window, start, []));
                lock (pending.Entries) pending.Entries.Add(offer);
            }
        });
        await Parallel.ForEachAsync(offers, new ParallelOptions { MaxDegreeOfParallelism = MaxConcurrentWrites, CancellationToken = cancellationToken }, async (entry, ct) =>
        {
            var (board, window, start, entries) = entry.Value;
            await ConditionalWrite.RunAsync<KeyedLeaderboardDocument, bool>(
                $"version {target.Version}'s leaderboard window {entry.Key} (partition {partitionId})",
                async c => await store.GetLeaderboardAsync(entry.Key, c) ?? KeyedLeaderboardDocument.CreateBesideKeys(board.Name, window, start),
                document =>
                {
                    foreach (var offer in entries) document.Offer(Section, offer, board.K, keepHighest: true);
                    document.TimeToLiveSeconds = board.TimeToLiveSeconds(window);
                    return (true, true);
                },
                store.TryWriteLeaderboardAsync, pauseOnConflict: true, time, ct);
        });
    }

    /// <summary>The key's value in its document's state for every window of <paramref name="boards"/> the batch's events touched.</summary>
    private static List<(CompiledLeaderboard Board, LeaderboardWindow Window, long? Start, KeyedLeaderEntry Entry)> Offers(CompiledLeaderboard[] boards,
        CompiledGroup group, Core.Features.CompiledDefinitions definitions, string id, string[] key, KeyedState state, List<SequencedEvent> events, DateTimeOffset now)
    {
        var touched = new KeyedState();
        foreach (var e in events) touched.Add(e.Event, group, definitions);
        state.Bind(group);
        touched.Bind(group);
        var offers = new List<(CompiledLeaderboard, LeaderboardWindow, long?, KeyedLeaderEntry)>();
        foreach (var board in boards)
        {
            foreach (var (window, start, value) in board.Offers(state, touched, now, definitions.TypeNames))
            {
                offers.Add((board, window, start, new KeyedLeaderEntry { Id = id, Key = key, Value = value }));
            }
        }
        return offers;
    }
}
