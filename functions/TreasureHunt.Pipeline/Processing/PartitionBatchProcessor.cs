using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using TreasureHunt.Core.Aggregation;
using TreasureHunt.Core.Costs;
using TreasureHunt.Core.Events;
using TreasureHunt.Core.Features;
using TreasureHunt.Core.Ports;
using TreasureHunt.Core.Rollups;
using TreasureHunt.Pipeline.Telemetry;

namespace TreasureHunt.Pipeline.Processing;

/// <summary>
/// The one code path every host runs for a partition batch (the Event Hubs function, the local host's partition
/// processors, the benchmark): validate, write each touched user aggregate once, dead-letter bad messages, then
/// record the batch's rollup delta in the partition's progress and send it to the entities when it is due.
/// Safe to run again on the same (or an overlapping) batch: see <see cref="PartitionProgress"/>.
/// Failures of the stores are not caught here: they propagate so that the host redelivers the batch.
/// </summary>
public sealed class PartitionBatchProcessor(
    IUserAggregateStore users,
    IDeadLetterStore deadLetters,
    IProgressStore progressStore,
    RollupFlusher flusher,
    CompiledDefinitions definitions,
    DeliveryRules deliveryRules,
    IOptions<RollupOptions> rollupOptions,
    IOptions<PipelineOptions> pipelineOptions,
    TimeProvider time,
    ILogger<PartitionBatchProcessor> logger)
{
    public async Task<BatchSummary> ProcessAsync(PartitionBatch batch, string consumerGroup, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(batch);
        using var activity = PipelineActivities.StartPartitionSpan("ProcessBatch", batch.PartitionId, batch.FirstSequenceNumber, batch.LastSequenceNumber);
        activity?.SetTag("th.messages", batch.Messages.Count);
        var stopwatch = Stopwatch.StartNew();
        InvocationUsage.Current?.AddEvents(batch.Messages.Count);
        var parser = new BatchParser(new EventParser(definitions));
        for (var attempt = 1; ; attempt++)
        {
            var progress = await progressStore.GetAsync(consumerGroup, batch.PartitionId, cancellationToken);
            var signals = 0;
            if (progress.Sealed is not null)
            {
                // A previous flush was interrupted: finish it before anything new is sealed.
                (progress, signals) = await flusher.FlushSealedAsync(progress, cancellationToken);
            }
            var parsed = parser.Parse(batch, skipThrough: progress.AppliedThrough);
            if (parsed.MessageCount == 0)
            {
                return Log(Summarize(batch, parsed, [], 0, 0, signals, stopwatch.Elapsed), parsed, activity);
            }

            Dictionary<string, EventOutcome[]> outcomes;
            int usersWritten;
            long capsReached;
            using (var write = PipelineActivities.StartPartitionSpan("WriteUserAggregates", batch.PartitionId, parsed.FirstSequenceNumber, parsed.LastSequenceNumber))
            {
                (outcomes, usersWritten, capsReached) = await ApplyToUsersAsync(parsed, cancellationToken);
                write?.SetTag("th.users", parsed.ByUser.Count);
                write?.SetTag("th.users.written", usersWritten);
            }
            var oldest = RecordFreshness(parsed, outcomes, time.GetUtcNow());
            // Application Insights keeps histograms as count/sum/min/max only: the batch's worst freshness on its span
            // lets the workbook chart freshness percentiles across batches (bicep/modules/workbook.bicep).
            activity?.SetTag("th.freshness.max_ms", Math.Round(oldest.TotalMilliseconds));
            if (parsed.DeadLetters.Count > 0)
            {
                using var dead = PipelineActivities.StartPartitionSpan("WriteDeadLetters", batch.PartitionId, parsed.FirstSequenceNumber, parsed.LastSequenceNumber);
                dead?.SetTag("th.deadletters", parsed.DeadLetters.Count);
                await deadLetters.WriteAsync(parsed.DeadLetters, cancellationToken);
            }

            var delta = BuildDelta(parsed, outcomes);
            PartitionProgress? stored;
            bool seal;
            using (PipelineActivities.StartPartitionSpan("RecordProgress", batch.PartitionId, parsed.FirstSequenceNumber, parsed.LastSequenceNumber))
            {
                (stored, seal) = await RecordProgressAsync(progress, delta, cancellationToken);
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
            if (seal)
            {
                signals += (await flusher.FlushSealedAsync(progress, cancellationToken)).Signals;
            }
            return Log(Summarize(batch, parsed, outcomes, usersWritten, capsReached, signals, stopwatch.Elapsed), parsed, activity);
        }
    }

    /// <summary>Freshness (enqueue → aggregate written, hence readable) of every event this batch applied.</summary>
    /// <returns>The largest (oldest event's) freshness of the batch.</returns>
    private static TimeSpan RecordFreshness(ParsedBatch parsed, Dictionary<string, EventOutcome[]> outcomes, DateTimeOffset writtenAt)
    {
        var oldest = TimeSpan.Zero;
        var record = PipelineMetrics.Freshness.Enabled;
        foreach (var (userId, events) in parsed.ByUser)
        {
            var slots = outcomes[userId];
            for (var i = 0; i < events.Count; i++)
            {
                if (slots[i] is EventOutcome.Applied or EventOutcome.AppliedLate)
                {
                    var freshness = writtenAt - events[i].EnqueuedTime;
                    if (freshness > oldest) oldest = freshness;
                    if (record) PipelineMetrics.RecordFreshness(parsed.PartitionId, freshness);
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
    private async Task<(PartitionProgress? Progress, bool Sealed)> RecordProgressAsync(PartitionProgress progress, RollupDelta delta, CancellationToken cancellationToken)
    {
        var appliedThrough = progress.AppliedThrough;
        while (true)
        {
            progress.Accumulate(delta, time.GetUtcNow());
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

    private async Task<(Dictionary<string, EventOutcome[]> Outcomes, int UsersWritten, long CapsReached)> ApplyToUsersAsync(ParsedBatch parsed, CancellationToken cancellationToken)
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
            new ParallelOptions { MaxDegreeOfParallelism = pipelineOptions.Value.MaxParallelUserWrites, CancellationToken = cancellationToken },
            async (entry, ct) =>
            {
                var slots = outcomes[entry.Key];
                var userCaps = 0L; // of the last (stored) application: a conflict re-applies to the fresh copy
                var changed = await users.UpdateAsync(entry.Key, document =>
                {
                    userCaps = document.Apply(entry.Value, parsed.PartitionId, definitions, deliveryRules, slots);
                    return slots.Any(o => o is EventOutcome.Applied or EventOutcome.AppliedLate);
                }, ct);
                if (changed)
                {
                    Interlocked.Increment(ref written);
                    Interlocked.Add(ref caps, userCaps);
                }
            });
        return (outcomes, written, caps);
    }

    private RollupDelta BuildDelta(ParsedBatch parsed, Dictionary<string, EventOutcome[]> outcomes)
    {
        var builder = new RollupDeltaBuilder(rollupOptions.Value.ShardCount);
        foreach (var (userId, events) in parsed.ByUser)
        {
            var slots = outcomes[userId];
            for (var i = 0; i < events.Count; i++)
            {
                builder.Add(events[i], slots[i]);
            }
        }
        foreach (var _ in parsed.DeadLetters)
        {
            builder.AddDeadLetter();
        }
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
        PipelineMetrics.RecordBatch(s, reasons);
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
