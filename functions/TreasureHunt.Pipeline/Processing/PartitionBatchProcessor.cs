using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using TreasureHunt.Core.Aggregation;
using TreasureHunt.Core.Configuration;
using TreasureHunt.Core.Costs;
using TreasureHunt.Core.Events;
using TreasureHunt.Core.Features;
using TreasureHunt.Core.Parking;
using TreasureHunt.Core.Ports;
using TreasureHunt.Core.Rollups;
using TreasureHunt.Pipeline.Telemetry;

namespace TreasureHunt.Pipeline.Processing;

/// <summary>
/// The one code path every host runs for a partition batch: validate, write each touched user document once,
/// dead-letter bad messages, record and send the rollup delta; safe to run again on an overlapping batch. A permanent
/// refusal parks only its user or dead letter; anything else holds the partition: docs/internals.md#batch-failures.
/// </summary>
public sealed partial class PartitionBatchProcessor(
    IUserDocumentStore users,
    IDeadLetterStore deadLetters,
    IProgressStore progressStore,
    IParkedStore parked,
    IStoreRefusalClassifier refusals,
    PartitionHolds holds,
    RollupFlusher flusher,
    CompiledDefinitions definitions,
    DeliveryRules deliveryRules,
    IOptions<RollupOptions> rollupOptions,
    IOptions<PipelineOptions> pipelineOptions,
    IOptions<ContractOptions> contractOptions,
    IOptions<RetentionOptions> retentionOptions,
    Erasure.UserErasure erasure,
    TimeProvider time,
    PipelineMetrics metrics,
    ILogger<PartitionBatchProcessor> logger)
{
    public async Task<BatchSummary> ProcessAsync(PartitionBatch batch, string consumerGroup, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(batch);
        try
        {
            var summary = await ProcessOnceAsync(batch, consumerGroup, cancellationToken);
            holds.Released(batch.PartitionId);
            return summary;
        }
        catch (Exception e) when (!(e is OperationCanceledException && cancellationToken.IsCancellationRequested))
        {
            holds.Failed(batch.PartitionId, batch.FirstSequenceNumber, e); // the host retries this batch; it is never skipped
            throw;
        }
    }

    private async Task<BatchSummary> ProcessOnceAsync(PartitionBatch batch, string consumerGroup, CancellationToken cancellationToken)
    {
        using var activity = PipelineActivities.StartPartitionSpan("ProcessBatch", batch.PartitionId, batch.FirstSequenceNumber, batch.LastSequenceNumber);
        activity?.SetTag("th.messages", batch.Messages.Count);
        var stopwatch = Stopwatch.StartNew();
        InvocationUsage.Current?.AddEvents(batch.Messages.Count);
        var parser = new BatchParser(new EventParser(definitions) { MaxEventAge = contractOptions.Value.MaxEventAge });
        for (var attempt = 1; ; attempt++)
        {
            var progress = await progressStore.GetAsync(consumerGroup, batch.PartitionId, cancellationToken);
            var signals = 0;
            if (progress.Sealed is not null && !flusher.ClearIfSent(progress))
            {
                // Sealed but not sent by this process (an interrupted flush, or the partition moved here): finish it
                // before anything new is sealed. (What this process sent is cleared by this batch's own write.)
                (progress, signals) = await flusher.FlushSealedAsync(progress, cancellationToken);
            }
            var parsed = parser.Parse(batch, skipThrough: progress.AppliedThrough);
            if (parsed.MessageCount == 0)
            {
                return Log(Summarize(batch, parsed, [], 0, 0, signals, stopwatch.Elapsed), parsed, activity);
            }

            var parking = new BatchParking(batch, time.GetUtcNow());
            if (progress.GapBefore(parsed.FirstSequenceNumber) is { } gap)
            {
                logger.LogError("Partition {PartitionId}: sequence numbers {From}..{To} were never delivered; recording them as parked (sequence_gap)",
                    batch.PartitionId, gap.From, gap.To);
                parking.ParkGap(gap);
            }
            // Dead letters before the users: an erasure in this batch then finds (and deletes) its user's dead letters
            // of the messages before it, this batch's included.
            if (parsed.DeadLetters.Count > 0)
            {
                using var dead = PipelineActivities.StartPartitionSpan("WriteDeadLetters", batch.PartitionId, parsed.FirstSequenceNumber, parsed.LastSequenceNumber);
                dead?.SetTag("th.deadletters", parsed.DeadLetters.Count);
                await WriteDeadLettersAsync(parsed.DeadLetters, parking, cancellationToken);
            }
            Dictionary<string, EventOutcome[]> outcomes;
            int usersWritten;
            long capsReached;
            using (var write = PipelineActivities.StartPartitionSpan("WriteUserAggregates", batch.PartitionId, parsed.FirstSequenceNumber, parsed.LastSequenceNumber))
            {
                if (parsed.Erasures.Count == 0)
                {
                    (outcomes, usersWritten, capsReached) = await ApplyToUsersAsync(parsed, progress.ParkedUsers, parking, cancellationToken);
                }
                else
                {
                    (parsed, outcomes, usersWritten, capsReached) = await ApplyWithErasuresAsync(parsed, progress, parking, cancellationToken);
                }
                write?.SetTag("th.users", parsed.ByUser.Count);
                write?.SetTag("th.users.written", usersWritten);
            }
            var oldest = RecordFreshness(parsed, outcomes, time.GetUtcNow());
            // Application Insights keeps histograms as count/sum/min/max only: the batch's worst freshness on its span
            // lets the workbook chart freshness percentiles across batches (bicep/modules/workbook.bicep).
            activity?.SetTag("th.freshness.max_ms", Math.Round(oldest.TotalMilliseconds));
            if (parking.Messages.Count > 0)
            {
                await parked.WriteAsync(parking.Messages, cancellationToken); // durable before the progress moves past them
            }

            var delta = BuildDelta(parsed, outcomes, parking);
            PartitionProgress? stored;
            bool seal;
            using (PipelineActivities.StartPartitionSpan("RecordProgress", batch.PartitionId, parsed.FirstSequenceNumber, parsed.LastSequenceNumber))
            {
                (stored, seal) = await RecordProgressAsync(progress, delta, parking, parsed.Erasures, cancellationToken);
            }
            if (stored is null)
            {
                if (attempt >= pipelineOptions.Value.MaxProgressConflicts)
                {
                    throw new InvalidOperationException(
                        $"partition {batch.PartitionId}: progress moved under the batch {attempt} times; giving up so the batch is redelivered");
                }
                logger.LogWarning("Partition {PartitionId}: another writer advanced the progress during batch {First}-{Last}; recomputing (attempt {Attempt})",
                    batch.PartitionId, batch.FirstSequenceNumber, batch.LastSequenceNumber, attempt);
                continue; // user writes are idempotent, so recomputing against the new progress is safe
            }
            progress = stored;
            foreach (var group in parking.Messages.GroupBy(m => m.ReasonCode))
            {
                holds.Parked(group.Key, group.Count());
                metrics.RecordParked(batch.PartitionId, group.Key, group.Count());
            }
            if (seal)
            {
                // Cleared by the next batch's progress write (or the flush timer once the partition is idle).
                signals += await flusher.SendSealedAsync(progress, cancellationToken);
            }
            if (parsed.Erasures.Count > 0) await DeleteAgainAfterCommitAsync(parsed, cancellationToken);
            return Log(Summarize(batch, parsed, outcomes, usersWritten, capsReached, signals, stopwatch.Elapsed) with
            {
                Parked = parking.Messages.Count(m => m.Reason != ParkReason.SequenceGap),
            }, parsed, activity);
        }
    }

    /// <summary>Freshness (enqueue → aggregate written, hence readable) of every event this batch applied.</summary>
    /// <returns>The largest (oldest event's) freshness of the batch.</returns>
    private TimeSpan RecordFreshness(ParsedBatch parsed, Dictionary<string, EventOutcome[]> outcomes, DateTimeOffset writtenAt)
    {
        var oldest = TimeSpan.Zero;
        var record = metrics.Freshness.Enabled;
        foreach (var (userId, events) in parsed.ByUser)
        {
            if (!outcomes.TryGetValue(userId, out var slots)) continue; // a parked user: nothing of it was written
            for (var i = 0; i < events.Count; i++)
            {
                if (slots[i] is EventOutcome.Applied or EventOutcome.AppliedLate)
                {
                    var freshness = writtenAt - events[i].EnqueuedTime;
                    if (freshness > oldest) oldest = freshness;
                    if (record) metrics.RecordFreshness(parsed.PartitionId, freshness);
                }
            }
        }
        return oldest;
    }

    /// <summary>
    /// Merges the batch's delta into the progress and writes it (sealing when due). A conflict caused by the flush
    /// timer (which only seals and clears) is resolved by merging into the fresh copy; if the applied position moved,
    /// another processor handled these messages and null is returned so the caller recomputes.
    /// </summary>
    private async Task<(PartitionProgress? Progress, bool Sealed)> RecordProgressAsync(PartitionProgress progress, RollupDelta delta, BatchParking parking,
        IReadOnlyList<Core.Erasure.SequencedErasure> erasures, CancellationToken cancellationToken)
    {
        var appliedThrough = progress.AppliedThrough;
        while (true)
        {
            // Re-done on a fresh copy after a conflict: a replay that released a user meanwhile gets it held again.
            progress.RecordParked(parking.HeldUsers, parking.ParkedDeadLetters);
            RecordErasures(progress, erasures); // after the holds: an erasure releases a hold older than it
            flusher.ClearIfSent(progress); // a fresh copy may still hold the range this process sent last
            progress.Accumulate(delta, time.GetUtcNow(), parking.Gap);
            progress.BatchWrittenAt = time.GetUtcNow();
            var seal = progress.Sealed is null && progress.ShouldSeal(time.GetUtcNow(), rollupOptions.Value);
            if (seal)
            {
                progress.Seal();
            }
            if (await progressStore.TryReplaceAsync(progress, cancellationToken))
            {
                return (progress, seal);
            }
            progress = await progressStore.GetAsync(progress.ConsumerGroup, progress.PartitionId, cancellationToken);
            if (progress.AppliedThrough != appliedThrough)
            {
                return (null, false);
            }
        }
    }

    /// <summary>Writes the dead letters; if the table refuses the write, writes them one by one and parks those refused alone.</summary>
    private async Task WriteDeadLettersAsync(List<DeadLetter> letters, BatchParking parking, CancellationToken cancellationToken)
    {
        if (letters.Count == 0) return;
        try
        {
            await deadLetters.WriteAsync(letters, cancellationToken);
            return;
        }
        catch (Exception e) when (refusals.IsRefusal(e, out var detail))
        {
            logger.LogWarning("Partition {PartitionId}: {Count} dead letters refused together ({Detail}); writing them one by one",
                letters[0].PartitionId, letters.Count, detail);
        }
        foreach (var letter in letters)
        {
            try
            {
                await deadLetters.WriteAsync([letter], cancellationToken);
            }
            catch (Exception e) when (refusals.IsRefusal(e, out var detail))
            {
                logger.LogError("Partition {PartitionId}: dead letter {Sequence} refused ({Detail}); parked", letter.PartitionId, letter.SequenceNumber, detail);
                parking.ParkDeadLetter(letter, detail);
            }
        }
    }

    private async Task<(Dictionary<string, EventOutcome[]> Outcomes, int UsersWritten, long CapsReached)> ApplyToUsersAsync(
        ParsedBatch parsed, IReadOnlyDictionary<string, long> heldUsers, BatchParking parking, CancellationToken cancellationToken)
    {
        var outcomes = new Dictionary<string, EventOutcome[]>(parsed.ByUser.Count, StringComparer.Ordinal);
        foreach (var (userId, events) in parsed.ByUser)
        {
            outcomes[userId] = new EventOutcome[events.Count];
        }
        var written = 0;
        var caps = 0L;
        await Parallel.ForEachAsync(
            parsed.ByUser,
            // A store that groups concurrent updates into batch requests gets all of them at once (bounded by the batch's size).
            new ParallelOptions { MaxDegreeOfParallelism = users.GroupsConcurrentUpdates ? Math.Max(1, parsed.ByUser.Count) : pipelineOptions.Value.MaxParallelUserWrites, CancellationToken = cancellationToken },
            async (entry, ct) =>
            {
                if (heldUsers.TryGetValue(entry.Key, out var heldSince))
                {
                    parking.ParkUser(entry.Key, entry.Value, ParkReason.UserHeld, $"held behind its message {heldSince}, parked earlier");
                    return;
                }
                var slots = outcomes[entry.Key];
                var userCaps = 0L; // of the last (stored) application: a conflict re-applies to the fresh copy
                bool changed;
                try
                {
                    changed = await users.UpdateAsync(entry.Key,
                        document => UserDocumentApply.Apply(document, entry.Value, parsed.PartitionId, definitions, deliveryRules, slots, out userCaps), ct);
                }
                catch (Exception e) when (refusals.IsRefusal(e, out var detail))
                {
                    // The user id only at Debug: logs above it carry no personal data (the parked row names the user).
                    logger.LogError("Partition {PartitionId}: a user document was refused ({Detail}); its {Count} message(s) are parked and the user is held",
                        parsed.PartitionId, detail, entry.Value.Count);
                    logger.LogDebug("Partition {PartitionId}: the refused document is the one of user {UserId}", parsed.PartitionId, entry.Key);
                    parking.ParkUser(entry.Key, entry.Value, ParkReason.DocumentRefused, detail);
                    return;
                }
                if (changed)
                {
                    Interlocked.Increment(ref written);
                    Interlocked.Add(ref caps, userCaps);
                }
            });
        foreach (var userId in outcomes.Keys.Where(parking.IsUserParked).ToList())
        {
            outcomes.Remove(userId);
        }
        return (outcomes, written, caps);
    }

    private RollupDelta BuildDelta(ParsedBatch parsed, Dictionary<string, EventOutcome[]> outcomes, BatchParking parking)
    {
        var builder = new RollupDeltaBuilder(rollupOptions.Value.ShardCount, definitions);
        foreach (var (userId, events) in parsed.ByUser)
        {
            if (!outcomes.TryGetValue(userId, out var slots))
            {
                foreach (var _ in events) builder.AddParked(); // counted once replayed
                continue;
            }
            for (var i = 0; i < events.Count; i++)
            {
                builder.Add(events[i], slots[i]);
            }
        }
        foreach (var letter in parsed.DeadLetters)
        {
            if (parking.IsDeadLetterParked(letter.SequenceNumber)) builder.AddParked();
            else builder.AddDeadLetter();
        }
        foreach (var _ in parsed.Erasures) builder.AddControlMessage();
        for (var i = 0; i < parking.Unparked; i++) builder.AddUnparked(); // erased, never to be replayed
        return builder.Build(parsed.FirstSequenceNumber, parsed.LastSequenceNumber);
    }

    private static BatchSummary Summarize(PartitionBatch batch, ParsedBatch parsed, Dictionary<string, EventOutcome[]> outcomes, int usersWritten, long capsReached, int signals, TimeSpan duration)
    {
        int applied = 0, already = 0, duplicates = 0, late = 0;
        foreach (var slots in outcomes.Values)
        {
            foreach (var o in slots)
            {
                switch (o)
                {
                    case EventOutcome.Applied: applied++; break;
                    case EventOutcome.AppliedLate: applied++; late++; break;
                    case EventOutcome.AlreadyApplied: already++; break;
                    default: duplicates++; break;
                }
            }
        }
        return new BatchSummary(batch.PartitionId, batch.FirstSequenceNumber, batch.LastSequenceNumber, batch.Messages.Count,
            batch.Messages.Count - parsed.MessageCount, applied, already, duplicates, late, parsed.DeadLetters.Count, usersWritten, signals, duration)
        {
            CapsReached = capsReached,
        };
    }

    private BatchSummary Log(BatchSummary s, ParsedBatch parsed, Activity? activity)
    {
        var reasons = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var d in parsed.DeadLetters)
        {
            reasons[d.ReasonCode] = reasons.GetValueOrDefault(d.ReasonCode) + 1;
        }
        metrics.RecordBatch(s, reasons);
        if (activity is not null)
        {
            activity.SetTag("th.applied", s.Applied);
            activity.SetTag("th.duplicates", s.Duplicates);
            activity.SetTag("th.late", s.Late);
            activity.SetTag("th.deadlettered", s.DeadLettered);
            activity.SetTag("th.redelivered", s.SkippedAlreadyProcessed + s.AlreadyApplied);
            activity.SetTag("th.entity.signals", s.RollupSignals);
        }
        logger.LogInformation(
            "Batch partition={PartitionId} seq={First}-{Last} messages={Messages} skipped={Skipped} applied={Applied} alreadyApplied={AlreadyApplied} " +
            "duplicates={Duplicates} late={Late} deadLettered={DeadLettered} usersWritten={UsersWritten} capsReached={CapsReached} signals={Signals} ms={DurationMs:F1}",
            s.PartitionId, s.FirstSequenceNumber, s.LastSequenceNumber, s.Messages, s.SkippedAlreadyProcessed, s.Applied, s.AlreadyApplied,
            s.Duplicates, s.Late, s.DeadLettered, s.UsersWritten, s.CapsReached, s.RollupSignals, s.Duration.TotalMilliseconds);
        return s;
    }
}
