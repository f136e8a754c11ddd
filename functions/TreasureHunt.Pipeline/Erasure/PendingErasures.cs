using TreasureHunt.Core.Erasure;
using TreasureHunt.Core.Events;
using TreasureHunt.Core.Parking;
using TreasureHunt.Core.Ports;
using TreasureHunt.Pipeline.Processing;

namespace TreasureHunt.Pipeline.Erasure;

/// <summary>
/// The erasures applied whose parked rows and dead letters the cleanup worker has not deleted yet
/// (<see cref="Core.Rollups.PartitionProgress.PendingCleanups"/> of every partition), for the routes that list those
/// rows: they leave out what an erasure covers, so no route shows the person's data between the erasure and its cleanup.
/// One progress query per listing (these routes are the operator's, not the serving path).
/// </summary>
internal sealed class PendingErasures(IProgressStore progressStore, ConsumerGroupName consumerGroup)
{
    public async Task<Snapshot> ReadAsync(CancellationToken cancellationToken)
    {
        var listed = await progressStore.ListWithPendingErasureCleanupsAsync(consumerGroup.Value, cancellationToken);
        return new Snapshot(listed.SelectMany(p => p.PendingCleanups.Select(c => (p.PartitionId, c))).ToList());
    }

    /// <summary>
    /// The first <paramref name="top"/> rows of a listing that are not hidden: lists <paramref name="top"/> rows, and
    /// while some were hidden and the listing was full, lists again with that many more (rare: only while a cleanup is pending).
    /// </summary>
    public static async Task<IReadOnlyList<T>> ShownAsync<T>(int top, Func<int, Task<IReadOnlyList<T>>> list, Func<T, bool> hides)
    {
        var want = top;
        while (true)
        {
            var rows = await list(want);
            var shown = rows.Where(r => !hides(r)).ToList();
            if (shown.Count >= top || rows.Count < want) return shown.Count > top ? shown.GetRange(0, top) : shown;
            want += rows.Count - shown.Count;
        }
    }

    /// <summary>The pending cleanups at one moment, by the partition of their erase control message.</summary>
    public sealed class Snapshot(IReadOnlyList<(string PartitionId, PendingErasureCleanup Cleanup)> pending)
    {
        public int Count => pending.Count;

        /// <summary>Whether a parked row belongs to an erased user from before its erasure (rows of the erasure's own partition, as the cleanup deletes).</summary>
        public bool Hides(ParkedMessage row)
        {
            if (pending.Count == 0 || row.UserId is null) return false;
            var hash = UserIdHash.Of(row.UserId);
            return pending.Any(p => p.PartitionId == row.PartitionId && p.Cleanup.Covers(hash, p.PartitionId, row.PartitionId, row.SequenceNumber, row.EnqueuedTime));
        }

        /// <summary>Whether a dead letter's payload names an erased user and came before its erasure (the cleanup's rule).</summary>
        public bool Hides(DeadLetter letter)
        {
            if (pending.Count == 0 || !DeadLetterUserId.TryRead(letter.Payload, out var userId)) return false;
            var hash = UserIdHash.Of(userId);
            return pending.Any(p => p.Cleanup.Covers(hash, p.PartitionId, letter.PartitionId, letter.SequenceNumber, letter.EnqueuedTime));
        }
    }
}
