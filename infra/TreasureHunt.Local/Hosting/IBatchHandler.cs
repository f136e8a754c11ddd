using TreasureHunt.Core.Events;
using TreasureHunt.Pipeline.Processing;
using TreasureHunt.Pipeline.Versions;

namespace TreasureHunt.Local.Hosting;

/// <summary>What a partition pump runs per batch: the product's processor, or the benchmark's per-event baseline.</summary>
internal interface IBatchHandler
{
    Task<BatchSummary> HandleAsync(PartitionBatch batch, string consumerGroup, CancellationToken cancellationToken);
}

/// <summary>The product: exactly the code path of the Event Hubs function.</summary>
internal sealed class PreaggregatedBatchHandler(PartitionBatchProcessor processor, ShadowFollower shadows) : IBatchHandler
{
    public async Task<BatchSummary> HandleAsync(PartitionBatch batch, string consumerGroup, CancellationToken cancellationToken)
    {
        var summary = await processor.ProcessAsync(batch, consumerGroup, cancellationToken);
        // Back-filled definitions versions are kept current from the same batch, before the pump checkpoints it.
        await shadows.FollowAsync(batch, cancellationToken);
        return summary;
    }
}
