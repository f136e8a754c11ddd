using Microsoft.Azure.Cosmos;
using TreasureHunt.Core.Ports;
using TreasureHunt.Core.Rollups;

namespace TreasureHunt.Storage.Cosmos;

/// <summary>Partition progress documents in the <c>progress</c> container (partition key = partitionId, id = consumerGroup:partitionId).</summary>
internal sealed class CosmosProgressStore(CosmosDocuments<PartitionProgress> documents) : IProgressStore
{
    public async Task<PartitionProgress> GetAsync(string consumerGroup, string partitionId, CancellationToken cancellationToken)
    {
        var (progress, etag) = await documents.ReadAsync(PartitionProgress.IdOf(consumerGroup, partitionId), partitionId, cancellationToken);
        if (progress is null)
        {
            return PartitionProgress.Create(consumerGroup, partitionId);
        }
        progress.ETag = etag;
        return progress;
    }

    public async Task<bool> TryReplaceAsync(PartitionProgress progress, CancellationToken cancellationToken)
    {
        var etag = await documents.TryCreateOrReplaceAsync(progress, progress.Id, progress.PartitionId, progress.ETag, cancellationToken);
        if (etag is null)
        {
            return false;
        }
        progress.ETag = etag;
        return true;
    }

    public Task<IReadOnlyList<PartitionProgress>> ListWithPendingRollupsAsync(string consumerGroup, CancellationToken cancellationToken) =>
        ListAsync("SELECT * FROM c WHERE c.consumerGroup = @cg AND c.rollupPending = true", consumerGroup, cancellationToken);

    public Task<IReadOnlyList<PartitionProgress>> ListWithPendingErasureCleanupsAsync(string consumerGroup, CancellationToken cancellationToken) =>
        ListAsync("SELECT * FROM c WHERE c.consumerGroup = @cg AND ARRAY_LENGTH(c.cleanup) > 0", consumerGroup, cancellationToken);

    private async Task<IReadOnlyList<PartitionProgress>> ListAsync(string sql, string consumerGroup, CancellationToken cancellationToken)
    {
        var query = new QueryDefinition(sql).WithParameter("@cg", consumerGroup);
        // Queried documents carry their ETag in _etag; read each one so that the conditional writes that follow use it.
        var listed = await documents.QueryAsync(query, partitionKey: null, cancellationToken);
        var results = new List<PartitionProgress>(listed.Count);
        foreach (var p in listed)
        {
            results.Add(await GetAsync(consumerGroup, p.PartitionId, cancellationToken));
        }
        return results;
    }
}
