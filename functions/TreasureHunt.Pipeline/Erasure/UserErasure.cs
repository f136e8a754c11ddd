using Microsoft.Extensions.Logging;
using TreasureHunt.Core.Erasure;
using TreasureHunt.Core.Ports;
using TreasureHunt.Pipeline.Versions;

namespace TreasureHunt.Pipeline.Erasure;

/// <summary>
/// What applying an erasure does to the stores: delete the user's document in the live and every shadow container,
/// count the parked rows the totals counted, and log the erasure; idempotent. The parked rows and dead letters are
/// cleaned later by <see cref="ErasureCleaner"/>: docs/internals.md#user-erasure.
/// </summary>
public sealed class UserErasure(
    IUserDocumentStore users,
    IUserStoreFactory stores,
    DefinitionsVersions versions,
    IParkedStore parked,
    IErasureLog log,
    TimeProvider time,
    ILogger<UserErasure> logger)
{
    /// <summary>The stores the cleanup worker deletes in (<see cref="ErasureCleaner"/>); "pending" in the log until it has.</summary>
    public const string ParkedStore = "parked", DeadLettersStore = "deadletters", Pending = "pending";

    /// <summary>
    /// Applies a batch's erasures: distinct users concurrently (at most <paramref name="maxParallel"/>), one user's in
    /// sequence order, the log read and written once; returns the parked rows the totals counted, for the batch to take out
    /// of the count (docs/internals.md#user-erasure).
    /// </summary>
    public async Task<int> ApplyBatchAsync(string partitionId, IReadOnlyList<SequencedErasure> erasures, Core.Rollups.PartitionProgress progress, int maxParallel,
        CancellationToken cancellationToken)
    {
        if (erasures.Count == 0) return 0;
        // Read while the documents are being deleted: only building the rows needs it.
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

    /// <summary>One erasure: the documents deleted, and (a held user only) its counted parked rows read, concurrently.</summary>
    private async Task<(ErasureRecord Record, int ParkedCounted)> ApplyOneAsync(string partitionId, SequencedErasure erasure, Core.Rollups.PartitionProgress progress,
        IReadOnlyList<DefinitionsVersion> shadows, Task<IReadOnlyDictionary<string, ErasureRecord>> logged, CancellationToken cancellationToken)
    {
        var userId = erasure.Request.UserId;
        var documents = DeleteDocumentsAsync(userId, shadows, cancellationToken);
        var counting = CountParkedAsync();
        await Task.WhenAll(documents, counting); // every step finished (or failed) before the erasure counts as either
        var done = await documents;
        done[ParkedStore] = Pending;
        done[DeadLettersStore] = Pending;
        var record = Record(partitionId, erasure, done, await counting, (await logged).GetValueOrDefault(erasure.Request.ErasureId));
        return (record, record.ParkedCounted);

        async Task<int> CountParkedAsync()
        {
            if (!progress.ParkedUsers.TryGetValue(userId, out var heldFrom)) return 0;
            return (await parked.ListForUserAsync(partitionId, userId, cancellationToken))
                .Count(r => r.SequenceNumber >= heldFrom && r.SequenceNumber <= progress.AppliedThrough);
        }
    }

    /// <summary>A store's state that says nothing was found there (an earlier application's account is kept over it).</summary>
    public static bool IsNothing(string what) => what is "absent" or "0 rows deleted";

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
