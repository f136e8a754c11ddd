using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using TreasureHunt.Core.Costs;
using TreasureHunt.Core.Ports;
using TreasureHunt.Core.Rollups;
using TreasureHunt.Pipeline.Telemetry;

namespace TreasureHunt.Pipeline.Processing;

/// <summary>
/// Sends a partition's sealed rollup to the entities (see <see cref="PartitionProgress"/> for why this is exactly-once).
/// The partition's processor sends right after the batch write that sealed it and clears it in its next batch write
/// (<see cref="SentRollups"/>), so a batch writes its progress once; the flush timer seals, sends and clears the
/// rollups of idle partitions.
/// </summary>
public sealed class RollupFlusher(
    IProgressStore progressStore,
    IRollupClient rollups,
    SentRollups sent,
    IOptions<RollupOptions> options,
    TimeProvider time,
    PipelineMetrics metrics,
    ILogger<RollupFlusher> logger)
{
    /// <summary>Sends the progress' sealed delta (which must be stored) and remembers it was sent; does not write the
    /// progress. Returns the number of signals sent.</summary>
    public async Task<int> SendSealedAsync(PartitionProgress progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(progress);
        var sealedDelta = progress.Sealed ?? throw new InvalidOperationException($"partition {progress.PartitionId}: nothing is sealed");
        var signals = RollupSignals.From(progress.PartitionId, sealedDelta, options.Value.ShardCount, progress.SentThrough, time.GetUtcNow());
        using (var activity = PipelineActivities.StartPartitionSpan("SignalEntities", progress.PartitionId, sealedDelta.FromSequence, sealedDelta.ToSequence, System.Diagnostics.ActivityKind.Producer))
        {
            activity?.SetTag("th.entity.signals", signals.Count);
            activity?.SetTag("th.messages", sealedDelta.Messages);
            await rollups.SignalAsync(signals, cancellationToken);
        }
        sent.Record(progress.ConsumerGroup, progress.PartitionId, signals);
        InvocationUsage.Current?.AddEntitySignals(signals.Count);
        metrics.RecordEntitySignals(progress.PartitionId, signals.Count);
        return signals.Count;
    }

    /// <summary>If this process sent the progress' sealed delta, clears it in memory for the caller's next write.</summary>
    public bool ClearIfSent(PartitionProgress progress) => sent.ClearIfSent(progress);

    /// <summary>Sends the sealed delta, if any and unless this process already sent it, then writes the progress with
    /// it cleared. Returns the current progress and the number of signals sent.</summary>
    public async Task<(PartitionProgress Progress, int Signals)> FlushSealedAsync(PartitionProgress progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(progress);
        if (progress.Sealed is not { } sealedDelta)
        {
            return (progress, 0);
        }
        var signals = sent.ClearIfSent(progress) ? 0 : await SendSealedAsync(progress, cancellationToken);
        while (true)
        {
            sent.ClearIfSent(progress);
            if (await progressStore.TryReplaceAsync(progress, cancellationToken))
            {
                return (progress, signals);
            }
            // Someone (the partition's processor or the flush timer) wrote in between: take their copy.
            progress = await progressStore.GetAsync(progress.ConsumerGroup, progress.PartitionId, cancellationToken);
            if (progress.Sealed?.ToSequence != sealedDelta.ToSequence)
            {
                return (progress, signals);
            }
        }
    }

    /// <summary>
    /// Seals, sends and clears every pending rollup of the consumer group that is due, on partitions whose processor
    /// has not written them for <c>FlushMaxAgeSeconds</c> (the flush timer's job, so that an idle partition's last
    /// events still reach the leaderboards; an active partition's processor does it in its batches). The partitions
    /// are flushed concurrently: each is its own progress document, and one after another the last partition of the
    /// list waited for every other one's seal, send and clear.
    /// </summary>
    public async Task<int> FlushDueAsync(string consumerGroup, CancellationToken cancellationToken)
    {
        var candidates = await progressStore.ListWithPendingRollupsAsync(consumerGroup, cancellationToken);
        var signals = await Task.WhenAll(candidates.Select(candidate => FlushIfDueAsync(candidate, cancellationToken)));
        return signals.Sum();
    }

    private async Task<int> FlushIfDueAsync(PartitionProgress progress, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        if (progress.WrittenByBatchWithin(now, options.Value.FlushMaxAge))
        {
            return 0;
        }
        if (progress.Sealed is null)
        {
            if (!progress.ShouldSeal(now, options.Value))
            {
                return 0;
            }
            progress.Seal();
            if (!await progressStore.TryReplaceAsync(progress, cancellationToken))
            {
                logger.LogDebug("Partition {PartitionId} changed while sealing; its processor will flush it", progress.PartitionId);
                return 0;
            }
        }
        return (await FlushSealedAsync(progress, cancellationToken)).Signals;
    }
}
