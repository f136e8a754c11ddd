using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using TreasureHunt.Core.Erasure;
using TreasureHunt.Core.Events;
using TreasureHunt.Core.Ports;
using TreasureHunt.Local.EventLog;
using TreasureHunt.Pipeline.FinOps;
using TreasureHunt.Pipeline.Processing;
using TreasureHunt.Pipeline.Telemetry;

namespace TreasureHunt.Local.Hosting;

/// <summary>
/// One consumer per log partition, as the Functions host runs one per Event Hubs partition lease: read a batch
/// from the checkpoint on, run it through the batch handler, then checkpoint. A failed batch is retried with
/// backoff and never skipped. In worker mode (<see cref="LocalWorker"/>) the batch goes to the worker's function,
/// whose retry policy is the one retry loop; a batch the worker died with is read again from the checkpoint. Also runs the rollup flush timer for idle partitions, and asks for the log's compaction
/// once a batch with an erasure is checkpointed.
/// </summary>
internal sealed class PartitionPumps(
    LocalEventLog log,
    IBatchHandler handler,
    ICheckpointStore checkpoints,
    RollupFlusher flusher,
    InvocationRunner invocations,
    PipelineMetrics metrics,
    IOptions<LocalHostOptions> options,
    ConsumerGroupName consumerGroup,
    EventLogCompactionService compaction,
    TimeProvider time,
    ILogger<PartitionPumps> logger,
    LocalWorker? worker = null) : BackgroundService
{
    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Task.WhenAll(log.Partitions.Select(p => PumpAsync(p, stoppingToken)).Append(FlushTimerAsync(stoppingToken)));

    private async Task PumpAsync(LogPartition partition, CancellationToken cancellationToken)
    {
        await Task.Yield();
        var heldSince = time.GetTimestamp();
        try
        {
            await PumpFromCheckpointAsync(partition, cancellationToken);
        }
        finally
        {
            metrics.RecordPartitionHold(partition.PartitionId, time.GetElapsedTime(heldSince));
        }
    }

    private async Task PumpFromCheckpointAsync(LogPartition partition, CancellationToken cancellationToken)
    {
        var next = (await checkpoints.GetAsync(consumerGroup.Value, partition.PartitionId, cancellationToken) ?? -1) + 1;
        logger.LogInformation("Partition {PartitionId}: resuming at sequence number {Next}", partition.PartitionId, next);
        compaction.Request(partition.PartitionId, next - 1); // erasures applied before a crash that were not compacted yet
        var o = options.Value;
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                await partition.WaitForAsync(next, cancellationToken);
                var messages = partition.Read(next, o.MaxBatchSize, o.MaxBatchBytes);
                if (messages.Count < o.MinBatchSize && o.MaxWaitMs > 0)
                {
                    await WaitForMoreAsync(partition, next + o.MinBatchSize - 1, TimeSpan.FromMilliseconds(o.MaxWaitMs), cancellationToken);
                    messages = partition.Read(next, o.MaxBatchSize, o.MaxBatchBytes);
                }
                var batch = new PartitionBatch(partition.PartitionId, messages);
                await ProcessAsync(batch, cancellationToken);
                if (o.DeliverTwice)
                {
                    await ProcessAsync(batch, cancellationToken); // redelivery mode: the same batch again
                }
                if (worker is not null) RecordWorkerBatch(batch, time.GetUtcNow());
                await checkpoints.SetAsync(consumerGroup.Value, partition.PartitionId, batch.LastSequenceNumber, cancellationToken);
                next = batch.LastSequenceNumber + 1;
                if (messages.Exists(m => EraseControlMessage.IsControl(m.Body.Span)))
                {
                    compaction.Request(partition.PartitionId, batch.LastSequenceNumber);
                }
                metrics.RecordPartitionBacklog(partition.PartitionId, Math.Max(0, partition.NextSequenceNumber - next));
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception e)
            {
                // The checkpoint did not move: the batch is read and processed again (idempotent). In worker mode this is
                // also the redelivery of a batch whose worker died (WorkerUnavailableException) once it is restarted.
                logger.LogError(e, "Partition {PartitionId}: batch at {Next} not checkpointed; reading it again", partition.PartitionId, next);
                await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
        }
    }

    /// <summary>Worker mode: the batch ran in the worker, whose meter is its own, so the pump records what it delivered
    /// (batch, messages, and their freshness when the worker returned) on this host's pipeline meter.</summary>
    private void RecordWorkerBatch(PartitionBatch batch, DateTimeOffset doneAt)
    {
        var partition = new KeyValuePair<string, object?>("partition", batch.PartitionId);
        metrics.Batches.Add(1, partition);
        metrics.EventsIn.Add(batch.Messages.Count, partition);
        foreach (var m in batch.Messages) metrics.RecordFreshness(batch.PartitionId, doneAt - m.EnqueuedTime);
    }

    private Task ProcessAsync(PartitionBatch batch, CancellationToken cancellationToken) =>
        worker is null ? ProcessUntilDoneAsync(batch, cancellationToken) : worker.InvokeBatchAsync(batch, cancellationToken);

    private async Task ProcessUntilDoneAsync(PartitionBatch batch, CancellationToken cancellationToken)
    {
        var delay = TimeSpan.FromMilliseconds(100);
        while (true)
        {
            try
            {
                await invocations.RunAsync("Aggregate", CostTriggers.EventHub, () => handler.HandleAsync(batch, consumerGroup.Value, cancellationToken));
                return;
            }
            catch (Exception e) when (!cancellationToken.IsCancellationRequested)
            {
                logger.LogError(e, "Partition {PartitionId}: batch {First}-{Last} failed; retrying in {Delay} ms",
                    batch.PartitionId, batch.FirstSequenceNumber, batch.LastSequenceNumber, delay.TotalMilliseconds);
                await Task.Delay(delay, cancellationToken);
                delay = TimeSpan.FromMilliseconds(Math.Min(delay.TotalMilliseconds * 2, 5000));
            }
        }
    }

    private static async Task WaitForMoreAsync(LogPartition partition, long sequenceNumber, TimeSpan maxWait, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(maxWait);
        try
        {
            while (partition.NextSequenceNumber <= sequenceNumber)
            {
                await partition.WaitForAsync(sequenceNumber, timeout.Token);
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            // waited long enough: take what is there
        }
    }

    private async Task FlushTimerAsync(CancellationToken cancellationToken)
    {
        var interval = TimeSpan.FromMilliseconds(options.Value.RollupFlushIntervalMs);
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(interval, cancellationToken);
                if (worker is null)
                {
                    await invocations.RunAsync("FlushRollups", CostTriggers.Timer, () => flusher.FlushDueAsync(consumerGroup.Value, cancellationToken));
                }
                else
                {
                    await worker.InvokeTimerAsync(LocalWorker.FlushFunction, cancellationToken); // the worker's timer function (it records its own cost)
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception e)
            {
                logger.LogWarning(e, "Rollup flush failed; retrying at the next tick");
            }
        }
    }
}
