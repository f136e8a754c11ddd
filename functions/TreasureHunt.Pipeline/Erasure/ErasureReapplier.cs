using Microsoft.Extensions.Logging;
using TreasureHunt.Core.Erasure;
using TreasureHunt.Core.Ports;
using TreasureHunt.Pipeline.Versions;

namespace TreasureHunt.Pipeline.Erasure;

/// <summary>What a re-application of the erasure log did.</summary>
public sealed record ReapplyReport(int Erasures, int DocumentsDeleted, int ProgressUpdated, int UsersScanned);

/// <summary>
/// Re-applies logged erasures after a point-in-time restore of the Cosmos account (<c>th erasures reapply --since T</c>,
/// docs/deploy.md): the restore brought back documents and progress from before erasures that the log (Table storage,
/// not restored) says were applied after T. The log keeps only the user's hash, so the users containers (the live one
/// and every shadow version's) are scanned and each id whose hash matches is deleted; each partition's progress gets
/// the tombstone again (and loses a hold of that user), so no path applies the user's older events afterwards.
/// Idempotent: run it again and it finds nothing more to delete.
/// </summary>
public sealed class ErasureReapplier(IErasureLog log, IUserStoreFactory stores, DefinitionsVersions versions, IProgressStore progressStore, UserErasure erasure,
    ILogger<ErasureReapplier> logger)
{
    public async Task<ReapplyReport> ReapplyAsync(DateTimeOffset since, string consumerGroup, CancellationToken cancellationToken)
    {
        var records = await log.ListAppliedSinceAsync(since, cancellationToken);
        if (records.Count == 0) return new ReapplyReport(0, 0, 0, 0);
        var hashes = records.Select(r => r.UserIdHash).ToHashSet(StringComparer.Ordinal);

        var progressUpdated = 0;
        foreach (var record in records.Where(r => r.PartitionId is not null && r.SequenceNumber is not null))
        {
            while (true)
            {
                var progress = await progressStore.GetAsync(consumerGroup, record.PartitionId!, cancellationToken);
                var has = progress.Erased.TryGetValue(record.UserIdHash, out var tombstone) && tombstone.SequenceNumber >= record.SequenceNumber;
                var held = progress.ParkedUsers.Keys.Where(u => UserIdHash.Of(u) == record.UserIdHash).ToList();
                // The restore may also have taken back the erasure's pending cleanup: the log says whether it ran.
                var uncleaned = (record.Stores ?? new Dictionary<string, string>()).Values.Contains(UserErasure.Pending)
                    && !progress.PendingCleanups.Exists(c => c.ErasureId == record.ErasureId);
                if (has && held.Count == 0 && !uncleaned) break;
                progress.Erased[record.UserIdHash] = new ErasureTombstone { SequenceNumber = record.SequenceNumber!.Value, ErasedAt = record.AppliedAt ?? record.RequestedAt };
                foreach (var userId in held) progress.ParkedUsers.Remove(userId);
                if (uncleaned)
                {
                    // The enqueue time is not logged: the apply time (later) errs on the side of deleting the user's dead letters of other partitions.
                    progress.PendingCleanups.Add(new PendingErasureCleanup
                    {
                        ErasureId = record.ErasureId, UserIdHash = record.UserIdHash, SequenceNumber = record.SequenceNumber!.Value,
                        EnqueuedTime = record.AppliedAt ?? record.RequestedAt, AppliedAt = record.AppliedAt ?? record.RequestedAt,
                    });
                }
                if (await progressStore.TryReplaceAsync(progress, cancellationToken))
                {
                    progressUpdated++;
                    break;
                }
            }
        }

        var containers = new List<string> { stores.PrimaryContainer };
        containers.AddRange((await versions.CurrentAsync(cancellationToken)).Shadows.Select(s => s.UsersContainer));
        var matches = new HashSet<string>(StringComparer.Ordinal);
        var scanned = 0;
        foreach (var container in containers)
        {
            await foreach (var userId in stores.ListUserIdsAsync(container, cancellationToken))
            {
                scanned++;
                if (hashes.Contains(UserIdHash.Of(userId))) matches.Add(userId);
            }
        }
        var deleted = 0;
        foreach (var userId in matches)
        {
            deleted += (await erasure.DeleteDocumentsAsync(userId, cancellationToken)).Values.Count(v => v == "deleted");
        }
        logger.LogInformation("Re-applied {Erasures} erasures logged since {Since}: {Deleted} documents deleted, {Progress} progress documents updated, {Scanned} ids scanned",
            records.Count, since, deleted, progressUpdated, scanned);
        return new ReapplyReport(records.Count, deleted, progressUpdated, scanned);
    }
}
