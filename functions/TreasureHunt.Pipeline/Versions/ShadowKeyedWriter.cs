using TreasureHunt.Core.Events;
using TreasureHunt.Core.Groups;
using TreasureHunt.Pipeline.Rollups;

namespace TreasureHunt.Pipeline.Versions;

/// <summary>
/// Keeps a shadow definitions version's keyed groups (every group, <c>item</c> and <c>global</c> included, every feature
/// in the key's state: <see cref="CompiledGroup.StoringAll"/>) in the version's own container, per batch and without the
/// rollup: the counted events of a partition batch are grouped by key, and each key's document takes the events after
/// its entry for the partition (<see cref="GroupDocument.ApplyEvents"/>) in one conditional write. Exactly once however
/// the back-fill's and the live hosts' batches were cut, and equal to what the rollup computes live: a key's state is
/// the same however its events were split (every aggregation merges).
/// <para>Bounded: a batch's keys (at most groups × messages of the batch) and their events while the batch is written;
/// a key document by its group's worst case, plus one entry per event partition. Cost: one read and one write per
/// distinct key a batch touches — a key touched by every batch (the <c>global</c> group) is written by every
/// partition's batch, conflicts retried.</para>
/// </summary>
public static class ShadowKeyedWriter
{
    /// <summary>Concurrent key writes of one batch.</summary>
    public const int MaxConcurrentWrites = 16;

    /// <summary>Writes the keys of <paramref name="counted"/> (the batch's events the user step counted, any order) into <paramref name="target"/>'s keyed store.</summary>
    public static async Task WriteAsync(DefinitionsVersion target, string partitionId, IEnumerable<SequencedEvent> counted, TimeProvider time, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(target);
        ArgumentNullException.ThrowIfNull(counted);
        if (target.Keyed is not { } store || target.Definitions.Groups.Length == 0) return;
        var definitions = target.Definitions;
        var keys = new Dictionary<string, (CompiledGroup Group, string[] Key, List<SequencedEvent> Events)>(StringComparer.Ordinal);
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
                if (!keys.TryGetValue(id, out var key)) keys[id] = key = (declared.StoringAll, values, []);
                key.Events.Add(e);
            }
        }
        await Parallel.ForEachAsync(keys, new ParallelOptions { MaxDegreeOfParallelism = MaxConcurrentWrites, CancellationToken = cancellationToken }, async (entry, ct) =>
        {
            var (group, values, events) = entry.Value;
            events.Sort((a, b) => a.SequenceNumber.CompareTo(b.SequenceNumber));
            await ConditionalWrite.RunAsync(
                $"shadow version {target.Version}'s keyed group document of partition {partitionId}",
                async c => await store.GetGroupAsync(entry.Key, c) ?? new GroupDocument { Id = entry.Key },
                document => (document.ApplyEvents(partitionId, events, values, group, definitions), true),
                store.TryWriteGroupAsync, pauseOnConflict: true, time, ct);
        });
    }
}
