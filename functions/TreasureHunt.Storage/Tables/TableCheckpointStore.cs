using Azure;
using Azure.Data.Tables;
using TreasureHunt.Core.Costs;
using TreasureHunt.Core.Ports;

namespace TreasureHunt.Storage.Tables;

/// <summary>The <c>checkpoints</c> table: PartitionKey = consumer group, RowKey = partition id, SequenceNumber = last processed.</summary>
internal sealed class TableCheckpointStore(TableClient table) : ICheckpointStore
{
    public async Task<long?> GetAsync(string consumerGroup, string partitionId, CancellationToken cancellationToken)
    {
        var response = await table.GetEntityIfExistsAsync<CheckpointEntity>(consumerGroup, partitionId, cancellationToken: cancellationToken);
        InvocationUsage.Current?.AddTableOperations(1);
        return response.HasValue ? response.Value!.SequenceNumber : null;
    }

    public async Task SetAsync(string consumerGroup, string partitionId, long sequenceNumber, CancellationToken cancellationToken)
    {
        await table.UpsertEntityAsync(new CheckpointEntity { PartitionKey = consumerGroup, RowKey = partitionId, SequenceNumber = sequenceNumber },
            TableUpdateMode.Replace, cancellationToken);
        InvocationUsage.Current?.AddTableOperations(1);
    }

    private sealed class CheckpointEntity : ITableEntity
    {
        public string PartitionKey { get; set; } = "";
        public string RowKey { get; set; } = "";
        public DateTimeOffset? Timestamp { get; set; }
        public ETag ETag { get; set; }
        public long SequenceNumber { get; set; }
    }
}
