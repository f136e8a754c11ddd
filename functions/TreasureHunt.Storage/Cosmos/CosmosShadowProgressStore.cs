using TreasureHunt.Core.History;
using TreasureHunt.Core.Ports;

namespace TreasureHunt.Storage.Cosmos;

/// <summary>Shadow progress documents in the <c>progress</c> container (partition key = partitionId, id = shadow-v{version}:{partitionId}).</summary>
internal sealed class CosmosShadowProgressStore(CosmosDocuments<ShadowProgress> documents) : IShadowProgressStore
{
    public async Task<ShadowProgress> GetAsync(int version, string partitionId, CancellationToken cancellationToken)
    {
        var (progress, etag) = await documents.ReadAsync(ShadowProgress.IdOf(version, partitionId), partitionId, cancellationToken);
        if (progress is null) return ShadowProgress.Create(version, partitionId);
        progress.ETag = etag;
        return progress;
    }

    public Task<bool> TryReplaceAsync(ShadowProgress progress, CancellationToken cancellationToken) =>
        documents.TryWriteTaggedAsync(progress, progress.Id, progress.PartitionId, progress.ETag, (p, etag) => p.ETag = etag, cancellationToken);
}
