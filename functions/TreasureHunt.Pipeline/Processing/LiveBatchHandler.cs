using TreasureHunt.Core.Events;
using TreasureHunt.Pipeline.Versions;

namespace TreasureHunt.Pipeline.Processing;

/// <summary>
/// The one entry point of a live batch on every host: the batch processor, then the back-filled definitions versions
/// kept current from the same batch, both before the host checkpoints it.
/// </summary>
public sealed class LiveBatchHandler(PartitionBatchProcessor processor, ShadowFollower shadows, ConsumerGroupName consumerGroup)
{
    public async Task<BatchSummary> HandleAsync(PartitionBatch batch, CancellationToken cancellationToken)
    {
        var summary = await processor.ProcessAsync(batch, consumerGroup.Value, cancellationToken);
        await shadows.FollowAsync(batch, cancellationToken);
        return summary;
    }
}
