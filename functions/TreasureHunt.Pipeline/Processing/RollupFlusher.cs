using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using TreasureHunt.Core.Costs;
using TreasureHunt.Core.Ports;
using TreasureHunt.Core.Rollups;
using TreasureHunt.Pipeline.Telemetry;

namespace TreasureHunt.Pipeline.Processing;

/// <summary>Sends a partition's sealed rollup to the entities and clears it (see <see cref="PartitionProgress"/> for why this is exactly-once).</summary>
public sealed class RollupFlusher(
    IProgressStore progressStore,
    IRollupClient rollups,
    IOptions<RollupOptions> options,
    TimeProvider time,
    ILogger<RollupFlusher> logger)
{
    /// <summary>Sends the sealed delta, if any, then clears it. Returns the current progress and the number of signals sent.</summary>
    public async Task<(PartitionProgress Progress, int Signals)> FlushSealedAsync(PartitionProgress progress, CancellationToken cancellationToken)
    {
        if (progress.Sealed is not { } sealedDelta)
        {
            return (progress, 0);
        }
        var signals = RollupSignals.From(progress.PartitionId, sealedDelta, options.Value.ShardCount, progress.SentThrough, time.GetUtcNow());
        using (var activity = PipelineActivities.StartPartitionSpan("SignalEntities", progress.PartitionId, sealedDelta.FromSequence, sealedDelta.ToSequence, System.Diagnostics.ActivityKind.Producer))
        {
            activity?.SetTag("th.entity.signals", signals.Count);
            activity?.SetTag("th.messages", sealedDelta.Messages);
            await rollups.SignalAsync(signals, cancellationToken);
        }
        InvocationUsage.Current?.AddEntitySignals(signals.Count);
        PipelineMetrics.RecordEntitySignals(progress.PartitionId, signals.Count);
        while (true)
        {
            progress.ClearSealed(sealedDelta.ToSequence, signals);
            if (await progressStore.TryReplaceAsync(progress, cancellationToken))
            {
                return (progress, signals.Count);
            }
            // Someone (the partition's processor or the flush timer) wrote in between: take their copy.
            progress = await progressStore.GetAsync(progress.ConsumerGroup, progress.PartitionId, cancellationToken);
            if (progress.Sealed?.ToSequence != sealedDelta.ToSequence)
            {
                return (progress, signals.Count);
            }
        }
    }

    /// <summary>Seals and sends every pending rollup of the consumer group that is due (the flush timer's job, so that an idle partition's last events still reach the leaderboards).</summary>
    public async Task<int> FlushDueAsync(string consumerGroup, CancellationToken cancellationToken)
    {
        var sent = 0;
        foreach (var candidate in await progressStore.ListWithPendingRollupsAsync(consumerGroup, cancellationToken))
        {
            var progress = candidate;
            if (progress.Sealed is null)
            {
                if (!progress.ShouldSeal(time.GetUtcNow(), options.Value))
                {
                    continue;
                }
                progress.Seal();
                if (!await progressStore.TryReplaceAsync(progress, cancellationToken))
                {
                    logger.LogDebug("Partition {PartitionId} changed while sealing; its processor will flush it", progress.PartitionId);
                    continue;
                }
            }
            sent += (await FlushSealedAsync(progress, cancellationToken)).Signals;
        }
        return sent;
    }
}
