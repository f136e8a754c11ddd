namespace TreasureHunt.Core.Ports;

/// <summary>Per consumer group and partition, the last sequence number processed (Azure Table <c>checkpoints</c>; the local host's stand-in for Event Hubs checkpoints).</summary>
public interface ICheckpointStore
{
    Task<long?> GetAsync(string consumerGroup, string partitionId, CancellationToken cancellationToken);

    Task SetAsync(string consumerGroup, string partitionId, long sequenceNumber, CancellationToken cancellationToken);
}
