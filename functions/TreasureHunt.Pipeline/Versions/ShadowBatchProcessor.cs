using Microsoft.Extensions.Options;
using TreasureHunt.Core.Aggregation;
using TreasureHunt.Core.Erasure;
using TreasureHunt.Core.Events;
using TreasureHunt.Core.History;
using TreasureHunt.Core.Ports;
using TreasureHunt.Pipeline.Processing;

namespace TreasureHunt.Pipeline.Versions;

/// <summary>What one shadow application did.</summary>
public enum ShadowOutcome
{
    /// <summary>Every message of the batch was already applied to the shadow.</summary>
    AlreadyApplied,

    /// <summary>The new part of the batch was applied and the shadow progress moved to its end.</summary>
    Applied,

    /// <summary>The shadow has not reached the batch yet (a gap): nothing done; the back-fill will cover it.</summary>
    Behind,
}

/// <summary>
/// Applies one partition batch to a shadow definitions version: the live parser and per-user step, its keyed groups and
/// declared leaderboards (<see cref="ShadowKeyedWriter"/>), then its own progress; only a range contiguous with that
/// progress, and never an event older than the user's erasure. Details: docs/internals.md#shadow-batches.
/// </summary>
public sealed class ShadowBatchProcessor(IShadowProgressStore progressStore, DeliveryRules deliveryRules, IOptions<PipelineOptions> pipelineOptions, IOptions<ContractOptions> contractOptions, TimeProvider time)
{
    /// <param name="from">Back-fill <c>--from</c>: messages enqueued before it are passed over (the progress still moves past them).</param>
    /// <param name="tombstones">The live progress's erased users of the partition (<see cref="Core.Rollups.PartitionProgress.Erased"/>), or null when the caller has none at hand (the live hosts, whose batch processor already deleted the shadow documents).</param>
    /// <param name="readAfter">For a batch read from the history after this sequence number (the back-fill): the batch
    /// continues the history from there, even when its first sequence number is higher — a compacted local event log has
    /// gaps where erased users' records were. Null for a live batch, which must start right after the shadow.</param>
    public async Task<ShadowOutcome> ProcessAsync(DefinitionsVersion target, PartitionBatch batch, DateTimeOffset? from, CancellationToken cancellationToken,
        IReadOnlyDictionary<string, ErasureTombstone>? tombstones = null, long? readAfter = null)
    {
        ArgumentNullException.ThrowIfNull(target);
        ArgumentNullException.ThrowIfNull(batch);
        if (batch.Messages.Count == 0) return ShadowOutcome.AlreadyApplied;
        var progress = await progressStore.GetAsync(target.Version, batch.PartitionId, cancellationToken);
        if (batch.LastSequenceNumber <= progress.AppliedThrough) return ShadowOutcome.AlreadyApplied;
        if ((readAfter is { } after ? after + 1 : batch.FirstSequenceNumber) > progress.AppliedThrough + 1) return ShadowOutcome.Behind;

        var source = from is { } start ? new PartitionBatch(batch.PartitionId, batch.Messages.Where(m => m.EnqueuedTime >= start).ToList()) : batch;
        var parsed = new BatchParser(new EventParser(target.Definitions) { MaxEventAge = contractOptions.Value.MaxEventAge }).Parse(source, skipThrough: progress.AppliedThrough);
        var erasedAt = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var e in parsed.Erasures)
        {
            // The configured version's documents are the live processor's: it applied the erasure (and the user's later events).
            if (!target.UsersFromLive) await target.Users.DeleteAsync(e.Request.UserId, cancellationToken);
            erasedAt[e.Request.UserId] = e.SequenceNumber;
        }
        var work = parsed.ByUser.Select(u => (u.Key, Events: EventsAfterErasure(u.Key, u.Value, erasedAt, tombstones))).Where(u => u.Events.Count > 0);
        var counted = target.Keyed is null ? null : new System.Collections.Concurrent.ConcurrentQueue<SequencedEvent>();
        await Parallel.ForEachAsync(
            work,
            // A store that groups concurrent updates into batch requests gets all of them at once (bounded by the batch's size).
            new ParallelOptions { MaxDegreeOfParallelism = target.Users.GroupsConcurrentUpdates ? Math.Max(1, parsed.ByUser.Count) : pipelineOptions.Value.MaxParallelUserWrites, CancellationToken = cancellationToken },
            async (entry, ct) =>
            {
                var slots = new EventOutcome[entry.Events.Count];
                if (target.UsersFromLive)
                {
                    // Read only: the live processor wrote this batch into the document (or holds the user, parked); applying
                    // the batch again to a fresh read decides each event as the live step did (a redelivery of the latest
                    // batch keeps its duplicate decisions), and nothing is written.
                    var document = await target.Users.GetAsync(entry.Key, ct) ?? UserDocument.Create(entry.Key, target.Definitions);
                    UserDocumentApply.Apply(document, entry.Events, parsed.PartitionId, target.Definitions, deliveryRules, slots, out _);
                }
                else
                {
                    await target.Users.UpdateAsync(entry.Key,
                        document => UserDocumentApply.Apply(document, entry.Events, parsed.PartitionId, target.Definitions, deliveryRules, slots, out _), ct);
                }
                if (counted is null) return;
                for (var i = 0; i < slots.Length; i++)
                {
                    // What the live rollup counts: every event but a producer duplicate (an event already in the user
                    // document counts too; the key document's partition entry decides whether it is in the key).
                    if (slots[i].Counts()) counted.Enqueue(entry.Events[i]);
                }
            });
        if (counted is not null) await ShadowKeyedWriter.WriteAsync(target, parsed.PartitionId, counted, time, cancellationToken);

        var through = batch.LastSequenceNumber;
        while (true)
        {
            if (progress.AppliedThrough >= through) return ShadowOutcome.Applied; // someone else got further meanwhile
            progress.AppliedThrough = through;
            progress.UpdatedAt = time.GetUtcNow();
            if (await progressStore.TryReplaceAsync(progress, cancellationToken)) return ShadowOutcome.Applied;
            progress = await progressStore.GetAsync(target.Version, batch.PartitionId, cancellationToken);
        }
    }

    /// <summary>The user's events that come after its last erasure (in the batch, or the live tombstone); all of them when it was never erased.</summary>
    private static List<SequencedEvent> EventsAfterErasure(string userId, List<SequencedEvent> events, Dictionary<string, long> erasedInBatch,
        IReadOnlyDictionary<string, ErasureTombstone>? tombstones)
    {
        var after = erasedInBatch.TryGetValue(userId, out var inBatch) ? inBatch : long.MinValue;
        if (tombstones is { Count: > 0 } && tombstones.TryGetValue(UserIdHash.Of(userId), out var tombstone)) after = Math.Max(after, tombstone.SequenceNumber);
        return after == long.MinValue ? events : events.Where(e => e.SequenceNumber > after).ToList();
    }
}
