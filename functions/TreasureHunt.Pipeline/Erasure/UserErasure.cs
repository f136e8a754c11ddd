using Microsoft.Extensions.Logging;
using TreasureHunt.Core.Erasure;
using TreasureHunt.Core.Ports;
using TreasureHunt.Pipeline.Versions;

namespace TreasureHunt.Pipeline.Erasure;

/// <summary>
/// What applying an erasure does to the stores, for <see cref="Processing.PartitionBatchProcessor"/> (which applies it
/// in its partition's sequence order and records the tombstone in the progress) and for the paths that must not bring
/// the user back (<see cref="Processing.ParkedReplayer"/>): delete the user's document in the live container and in
/// every shadow definitions container, delete the user's parked rows of the partition and the dead letters whose payload
/// names the user (through the dead-letter store's index by user id hash), and log the erasure
/// (<see cref="IErasureLog"/>: hash, partition, sequence number) for re-application after a restore. Every step is
/// idempotent, so a redelivered batch applies it again harmlessly. A batch's erasures are applied together
/// (<see cref="ApplyBatchAsync"/>): distinct users concurrently, the stores of one erasure concurrently, the log read
/// and written once per batch.
/// </summary>
public sealed class UserErasure(
    IUserDocumentStore users,
    IUserStoreFactory stores,
    DefinitionsVersions versions,
    IParkedStore parked,
    IDeadLetterStore deadLetters,
    IErasureLog log,
    TimeProvider time,
    ILogger<UserErasure> logger)
{
    /// <summary>
    /// Applies a batch's erasures (in the batch processor's batch, between the users' events before and after them):
    /// distinct users concurrently, at most <paramref name="maxParallel"/> at a time, one user's erasures in sequence
    /// order; within an erasure the stores' deletes run concurrently. The erasure log is read once for the batch (what
    /// an earlier application of a redelivered batch did; concurrently with the deletes) and written once (one transaction per 100 rows), before the
    /// progress moves past the erasures. Returns how many of the deleted parked rows the totals counted as parked (rows
    /// of a committed parking: the user held from at or before them, at or below <paramref name="progress"/>'s
    /// position), for the batch to take out of the count; that count is logged before the rows are deleted, so an
    /// erasure applied again after a crash (the rows gone) takes it from the log.
    /// </summary>
    public async Task<int> ApplyBatchAsync(string partitionId, IReadOnlyList<SequencedErasure> erasures, Core.Rollups.PartitionProgress progress, int maxParallel,
        CancellationToken cancellationToken)
    {
        if (erasures.Count == 0) return 0;
        // Read while the stores are being deleted: only building the rows needs it.
        var earlier = log.GetManyAsync(erasures.Select(e => e.Request.ErasureId).ToList(), cancellationToken);
        var shadows = (await versions.CurrentAsync(cancellationToken)).Shadows;
        var records = new ErasureRecord[erasures.Count];
        var counted = 0;
        var byUser = Enumerable.Range(0, erasures.Count).GroupBy(i => erasures[i].Request.UserId, StringComparer.Ordinal);
        await Parallel.ForEachAsync(byUser, new ParallelOptions { MaxDegreeOfParallelism = maxParallel, CancellationToken = cancellationToken }, async (indexes, ct) =>
        {
            foreach (var i in indexes.OrderBy(i => erasures[i].SequenceNumber))
            {
                var e = erasures[i];
                var (record, parkedCounted) = await ApplyOneAsync(partitionId, e, progress, shadows, earlier, ct);
                records[i] = record;
                Interlocked.Add(ref counted, parkedCounted);
            }
        });
        await log.WriteManyAsync(records, cancellationToken);
        foreach (var r in records)
        {
            logger.LogInformation("Partition {PartitionId}: erasure {ErasureId} applied at sequence number {Sequence}", partitionId, r.ErasureId, r.SequenceNumber);
        }
        return counted;
    }

    /// <summary>One erasure's deletes: the documents, the dead letters and the parked rows concurrently (the parked count first, when the user is held).</summary>
    private async Task<(ErasureRecord Record, int ParkedCounted)> ApplyOneAsync(string partitionId, SequencedErasure erasure, Core.Rollups.PartitionProgress progress,
        IReadOnlyList<DefinitionsVersion> shadows, Task<IReadOnlyDictionary<string, ErasureRecord>> logged, CancellationToken cancellationToken)
    {
        var userId = erasure.Request.UserId;
        var documents = DeleteDocumentsAsync(userId, shadows, cancellationToken);
        var letters = deadLetters.DeleteForUserAsync(UserIdHash.Of(userId), partitionId, erasure.SequenceNumber, erasure.EnqueuedTime, cancellationToken);
        var rows = DeleteParkedAsync();
        await Task.WhenAll(documents, letters, rows); // every store's step finished (or failed) before the erasure counts as either
        var (deleted, counted) = await rows;
        var earlier = (await logged).GetValueOrDefault(erasure.Request.ErasureId);
        var done = await documents;
        done["parked"] = $"{deleted} rows deleted";
        done["deadletters"] = $"{await letters} rows deleted";
        var record = Record(partitionId, erasure, done, counted, earlier);
        return (record, record.ParkedCounted);

        async Task<(int Deleted, int Counted)> DeleteParkedAsync()
        {
            var count = 0;
            if (progress.ParkedUsers.TryGetValue(userId, out var heldFrom))
            {
                count = (await parked.ListForUserAsync(partitionId, userId, cancellationToken))
                    .Count(r => r.SequenceNumber >= heldFrom && r.SequenceNumber <= progress.AppliedThrough);
            }
            if (count > 0)
            {
                // Rare (a held user): the count is durable before the rows it counts are deleted.
                var being = new Dictionary<string, string>(StringComparer.Ordinal) { ["parked"] = $"{count} parked rows being deleted" };
                var first = Record(partitionId, erasure, being, count, (await logged).GetValueOrDefault(erasure.Request.ErasureId));
                await log.WriteAsync(first, cancellationToken);
                count = first.ParkedCounted;
            }
            return (await parked.DeleteForUserAsync(partitionId, userId, cancellationToken), count);
        }
    }

    private static bool IsNothing(string what) => what is "absent" or "0 rows deleted";

    /// <summary>Deletes the user's document in the live container and every shadow version's container (concurrently).</summary>
    public async Task<Dictionary<string, string>> DeleteDocumentsAsync(string userId, CancellationToken cancellationToken) =>
        await DeleteDocumentsAsync(userId, (await versions.CurrentAsync(cancellationToken)).Shadows, cancellationToken);

    private async Task<Dictionary<string, string>> DeleteDocumentsAsync(string userId, IReadOnlyList<DefinitionsVersion> shadows, CancellationToken cancellationToken)
    {
        var live = users.DeleteAsync(userId, cancellationToken);
        var inShadows = shadows.Select(s => s.Users.DeleteAsync(userId, cancellationToken)).ToList();
        await Task.WhenAll(inShadows.Append(live));
        var done = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            [stores.PrimaryContainer] = await live ? "deleted" : "absent",
        };
        for (var i = 0; i < shadows.Count; i++)
        {
            done[shadows[i].UsersContainer] = await inShadows[i] ? "deleted" : "absent";
        }
        return done;
    }

    /// <summary>
    /// The erasure's "applied" row at its control message's position (written before the progress moves past it, so it
    /// is never missing). Applied again (a redelivered batch, <paramref name="earlier"/> at the same position): keeps
    /// what the first application deleted rather than "absent" for it now, and the parked count the first one logged.
    /// </summary>
    private ErasureRecord Record(string partitionId, SequencedErasure erasure, IReadOnlyDictionary<string, string> done, int parkedCounted, ErasureRecord? earlier)
    {
        var request = erasure.Request;
        var stores = new Dictionary<string, string>(done, StringComparer.Ordinal);
        if (earlier is { State: ErasureState.Applied } && earlier.SequenceNumber == erasure.SequenceNumber)
        {
            foreach (var (store, what) in earlier.Stores ?? new Dictionary<string, string>())
            {
                if (!stores.TryGetValue(store, out var now) || IsNothing(now)) stores[store] = what;
            }
            parkedCounted = Math.Max(parkedCounted, earlier.ParkedCounted);
        }
        return new ErasureRecord(request.ErasureId, UserIdHash.Of(request.UserId), request.RequestedAt, ErasureState.Applied,
            partitionId, erasure.SequenceNumber, time.GetUtcNow(), stores, parkedCounted);
    }
}
