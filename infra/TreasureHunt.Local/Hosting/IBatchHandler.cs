using TreasureHunt.Core.Events;
using TreasureHunt.Pipeline.Processing;

namespace TreasureHunt.Local.Hosting;

/// <summary>What a partition pump runs per batch: the product's processor, or the benchmark's per-event baseline.</summary>
internal interface IBatchHandler
{
    Task<BatchSummary> HandleAsync(PartitionBatch batch, string consumerGroup, CancellationToken cancellationToken);
}

/// <summary>The product: exactly the code path of the Event Hubs function.</summary>
internal sealed class PreaggregatedBatchHandler(LiveBatchHandler handler) : IBatchHandler
{
    public Task<BatchSummary> HandleAsync(PartitionBatch batch, string consumerGroup, CancellationToken cancellationToken) =>
        handler.HandleAsync(batch, cancellationToken);
}
