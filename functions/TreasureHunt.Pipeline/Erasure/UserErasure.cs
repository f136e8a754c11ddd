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
/// idempotent, so a redelivered batch applies it again harmlessly.
/// </summary>
public sealed class UserErasure(
    IUserAggregateStore users,
    IUserStoreFactory stores,
    DefinitionsVersions versions,
    IParkedStore parked,
    IDeadLetterStore deadLetters,
    IErasureLog log,
    TimeProvider time,
    ILogger<UserErasure> logger)
{
    /// <summary>
    /// Applies one erasure of the batch processor's batch: deletes the user's documents and its parked rows of the
    /// partition, and logs what each store did. Returns how many of the deleted rows the totals counted as parked
    /// (rows of a committed parking: the user held from at or before them, at or below <paramref name="progress"/>'s
    /// position), for the batch to take out of the count. The count is logged before the rows are deleted, so an
    /// erasure applied again after a crash (the rows gone) takes it from the log.
    /// </summary>
    public async Task<int> ApplyAsync(string partitionId, SequencedErasure erasure, Core.Rollups.PartitionProgress progress, CancellationToken cancellationToken)
    {
        var userId = erasure.Request.UserId;
        var done = await DeleteDocumentsAsync(userId, cancellationToken);
        var counted = 0;
        if (progress.ParkedUsers.TryGetValue(userId, out var heldFrom))
        {
            counted = (await parked.ListForUserAsync(partitionId, userId, cancellationToken))
                .Count(r => r.SequenceNumber >= heldFrom && r.SequenceNumber <= progress.AppliedThrough);
        }
        if (counted > 0)
        {
            done["parked"] = $"{counted} parked rows being deleted";
            counted = await RecordAppliedAsync(partitionId, erasure, done, counted, cancellationToken);
        }
        var rows = await parked.DeleteForUserAsync(partitionId, userId, cancellationToken);
        done["parked"] = $"{rows} rows deleted";
        var letters = await deadLetters.DeleteForUserAsync(UserIdHash.Of(userId), partitionId, erasure.SequenceNumber, erasure.EnqueuedTime, cancellationToken);
        done["deadletters"] = $"{letters} rows deleted";
        return await RecordAppliedAsync(partitionId, erasure, done, counted, cancellationToken);
    }

    private static bool IsNothing(string what) => what is "absent" or "0 rows deleted";

    /// <summary>Deletes the user's document in the live container and every shadow version's container.</summary>
    public async Task<Dictionary<string, string>> DeleteDocumentsAsync(string userId, CancellationToken cancellationToken)
    {
        var done = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            [stores.PrimaryContainer] = await users.DeleteAsync(userId, cancellationToken) ? "deleted" : "absent",
        };
        foreach (var shadow in (await versions.CurrentAsync(cancellationToken)).Shadows)
        {
            done[shadow.UsersContainer] = await shadow.Users.DeleteAsync(userId, cancellationToken) ? "deleted" : "absent";
        }
        return done;
    }

    /// <summary>
    /// Logs the erasure as applied at its control message's position (before the progress moves past it, so it is
    /// never missing). Returns how many parked messages the batch takes out of the totals' count: those counted now,
    /// or — when the erasure is applied again after a crash and finds the rows gone — those the first application logged.
    /// </summary>
    private async Task<int> RecordAppliedAsync(string partitionId, SequencedErasure erasure, IReadOnlyDictionary<string, string> done, int parkedCounted,
        CancellationToken cancellationToken)
    {
        var request = erasure.Request;
        var stores = new Dictionary<string, string>(done, StringComparer.Ordinal);
        if (await log.GetAsync(request.ErasureId, cancellationToken) is { State: ErasureState.Applied } earlier && earlier.SequenceNumber == erasure.SequenceNumber)
        {
            // Applied again (a redelivered batch): keep what the first application deleted, not "absent" for it now.
            foreach (var (store, what) in earlier.Stores ?? new Dictionary<string, string>())
            {
                if (!stores.TryGetValue(store, out var now) || IsNothing(now)) stores[store] = what;
            }
            parkedCounted = Math.Max(parkedCounted, earlier.ParkedCounted);
        }
        await log.WriteAsync(new ErasureRecord(request.ErasureId, UserIdHash.Of(request.UserId), request.RequestedAt, ErasureState.Applied,
            partitionId, erasure.SequenceNumber, time.GetUtcNow(), stores, parkedCounted), cancellationToken);
        logger.LogInformation("Partition {PartitionId}: erasure {ErasureId} applied at sequence number {Sequence}", partitionId, request.ErasureId, erasure.SequenceNumber);
        return parkedCounted;
    }
}
