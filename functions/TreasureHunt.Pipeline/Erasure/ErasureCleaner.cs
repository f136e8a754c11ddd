using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using TreasureHunt.Core.Erasure;
using TreasureHunt.Core.Ports;
using TreasureHunt.Core.Rollups;
using TreasureHunt.Pipeline.Processing;

namespace TreasureHunt.Pipeline.Erasure;

/// <summary>
/// The physical cleanup of applied erasures, off the batch's path: for every partition whose progress holds pending
/// cleanups (<see cref="PartitionProgress.PendingCleanups"/>, written with the tombstone), deletes the erased users'
/// parked rows (one query of the partition's parked rows) and the dead letters naming them (one index query each,
/// concurrently), writes what each store did into the erasure log (replacing "pending"), then removes the entries
/// from the progress. Every step is idempotent and the entry goes last, so a cleanup that dies or is cancelled
/// midway is done again, whole, by the next run. Both hosts run it on a timer (the Functions app's
/// <c>CleanErasures</c>, the local host's cleanup service) every <c>Retention:ErasureCleanupSeconds</c>.
/// </summary>
public sealed class ErasureCleaner(
    IProgressStore progressStore,
    IParkedStore parked,
    IDeadLetterStore deadLetters,
    IErasureLog log,
    IOptions<PipelineOptions> pipelineOptions,
    ILogger<ErasureCleaner> logger)
{
    /// <summary>Cleans every pending erasure of the consumer group; returns how many erasures were completed.</summary>
    public async Task<int> CleanAsync(string consumerGroup, CancellationToken cancellationToken)
    {
        var completed = 0;
        foreach (var progress in await progressStore.ListWithPendingErasureCleanupsAsync(consumerGroup, cancellationToken))
        {
            completed += await CleanPartitionAsync(progress, cancellationToken);
        }
        return completed;
    }

    private async Task<int> CleanPartitionAsync(PartitionProgress progress, CancellationToken cancellationToken)
    {
        var pending = progress.PendingCleanups.ToList();
        var ids = pending.Select(c => c.ErasureId).ToHashSet(StringComparer.Ordinal);
        var logged = log.GetManyAsync(ids, cancellationToken);
        var rows = parked.DeleteErasedAsync(progress.PartitionId, pending, cancellationToken);
        var letters = new int[pending.Count];
        var lettering = Parallel.ForEachAsync(Enumerable.Range(0, pending.Count),
            new ParallelOptions { MaxDegreeOfParallelism = pipelineOptions.Value.MaxParallelErasures, CancellationToken = cancellationToken },
            async (i, ct) => letters[i] = await deadLetters.DeleteForUserAsync(pending[i].UserIdHash, progress.PartitionId, pending[i].SequenceNumber, pending[i].EnqueuedTime, ct));
        await Task.WhenAll(logged, rows, lettering); // every store's step finished (or failed) before anything is marked done

        var records = new List<ErasureRecord>(pending.Count);
        for (var i = 0; i < pending.Count; i++)
        {
            if (!(await logged).TryGetValue(pending[i].ErasureId, out var record)) continue; // logged before its progress write: missing only if the log was cleared by hand
            var stores = new Dictionary<string, string>(record.Stores ?? new Dictionary<string, string>(), StringComparer.Ordinal);
            Done(stores, UserErasure.ParkedStore, (await rows).GetValueOrDefault(pending[i].ErasureId));
            Done(stores, UserErasure.DeadLettersStore, letters[i]);
            records.Add(record with { Stores = stores });
        }
        await log.WriteManyAsync(records, cancellationToken);

        // Last: the entries go, on a fresh copy after a conflict (a batch wrote the progress meanwhile).
        while (true)
        {
            progress.PendingCleanups.RemoveAll(c => ids.Contains(c.ErasureId));
            if (await progressStore.TryReplaceAsync(progress, cancellationToken)) break;
            progress = await progressStore.GetAsync(progress.ConsumerGroup, progress.PartitionId, cancellationToken);
        }
        logger.LogInformation("Partition {PartitionId}: cleanup of {Count} erasures done: {Rows} parked rows and {Letters} dead letters deleted",
            progress.PartitionId, pending.Count, (await rows).Values.Sum(), letters.Sum());
        return pending.Count;
    }

    /// <summary>What the cleanup deleted in a store; a run that finds nothing (an earlier, interrupted run deleted it) keeps that run's account.</summary>
    private static void Done(Dictionary<string, string> stores, string store, int deleted)
    {
        var now = $"{deleted} rows deleted";
        if (deleted == 0 && stores.TryGetValue(store, out var earlier) && earlier != UserErasure.Pending && !UserErasure.IsNothing(earlier)) return;
        stores[store] = now;
    }
}
