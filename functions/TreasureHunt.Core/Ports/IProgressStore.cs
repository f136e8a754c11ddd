using TreasureHunt.Core.Rollups;

namespace TreasureHunt.Core.Ports;

/// <summary>Per-partition progress and rollup outbox (Cosmos <c>progress</c> container in the product).</summary>
public interface IProgressStore
{
    /// <summary>The stored progress, or a new one (ETag null) when the partition was never processed.</summary>
    Task<PartitionProgress> GetAsync(string consumerGroup, string partitionId, CancellationToken cancellationToken);

    /// <summary>Writes the progress if nobody changed it since it was read (ETag); false on a conflict. Updates the ETag.</summary>
    Task<bool> TryReplaceAsync(PartitionProgress progress, CancellationToken cancellationToken);

    /// <summary>Progress documents of a consumer group that hold an unsent rollup.</summary>
    Task<IReadOnlyList<PartitionProgress>> ListWithPendingRollupsAsync(string consumerGroup, CancellationToken cancellationToken);

    /// <summary>Progress documents of a consumer group with erasures whose physical cleanup is pending (<see cref="PartitionProgress.PendingCleanups"/>).</summary>
    Task<IReadOnlyList<PartitionProgress>> ListWithPendingErasureCleanupsAsync(string consumerGroup, CancellationToken cancellationToken);
}
