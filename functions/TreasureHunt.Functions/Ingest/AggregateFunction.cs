using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Configuration;
using TreasureHunt.Functions.Bindings;
using TreasureHunt.Functions.Rollups;
using TreasureHunt.Pipeline.Processing;

namespace TreasureHunt.Functions.Ingest;

/// <summary>The Event Hubs-triggered aggregation: maps the batch and hands it to the pipeline's batch processor.</summary>
public sealed class AggregateFunction(PartitionBatchProcessor processor, IConfiguration configuration)
{
    // An exception is allowed to escape: the Event Hubs host checkpoints a batch whether or not the function throws,
    // so catching would not protect it. Transient store failures are already retried inside the processor; what still
    // fails re-runs the whole batch under this retry policy, and the processor's per-partition progress and the
    // aggregates' watermarks make a re-run (or a redelivery after a crash) idempotent.
    [Function("Aggregate")]
    [ExponentialBackoffRetry(5, "00:00:02", "00:01:00")]
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
        await processor.ProcessAsync(batch, AppSettings.ConsumerGroup(configuration), cancellationToken);
    }
}
