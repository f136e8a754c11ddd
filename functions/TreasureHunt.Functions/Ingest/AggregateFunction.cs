using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask.Client;
using TreasureHunt.Functions.Bindings;
using TreasureHunt.Functions.Rollups;
using TreasureHunt.Pipeline.Processing;

namespace TreasureHunt.Functions.Ingest;

/// <summary>The Event Hubs-triggered aggregation: maps the batch and hands it to the pipeline's batch processor.</summary>
public sealed class AggregateFunction(LiveBatchHandler handler)
{
    // An exception is allowed to escape, and the retry policy never gives up: maxRetryCount -1 "means to retry
    // indefinitely", and the Event Hubs trigger writes no checkpoint "until the retry policy for the execution has
    // completed, meaning progressing on that partition is paused until the current batch has completed"
    // (https://learn.microsoft.com/azure/azure-functions/functions-bindings-error-pages#retries). A finite count would
    // let the host checkpoint past a batch that failed under sustained throttling: silent loss. So a transient failure
    // (429, 503, 408, timeouts — what outlives the processor's own Polly retries) holds the partition with exponential
    // backoff up to 1 minute, and PartitionHolds reports how long; a permanent refusal of one user or one dead letter
    // never throws — the processor parks it and the rest of the batch proceeds. Re-runs (and redeliveries after a
    // crash: the in-memory retry state dies with the instance) are idempotent thanks to the per-partition progress and
    // the aggregates' watermarks.
    [Function("Aggregate")]
    [ExponentialBackoffRetry(-1, "00:00:01", "00:01:00")]
    public async Task RunAsync(
        [EventHubTrigger("%EventHubName%", Connection = "EventHubConnection", ConsumerGroup = "%EventHubConsumerGroup%")] string[] events,
        long[] sequenceNumberArray,
        DateTime[] enqueuedTimeUtcArray,
        Dictionary<string, object> partitionContext,
        [DurableClient] DurableTaskClient durableClient,
        CancellationToken cancellationToken)
    {
        if (events.Length == 0)
        {
            return;
        }
        var batch = EventHubBatchMapper.ToPartitionBatch(events, sequenceNumberArray, enqueuedTimeUtcArray, partitionContext);
        using var rollups = DurableRollupClient.Use(durableClient);
        await handler.HandleAsync(batch, cancellationToken);
    }
}
