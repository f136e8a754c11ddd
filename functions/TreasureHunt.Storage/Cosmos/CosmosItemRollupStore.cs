using TreasureHunt.Core.Ports;
using TreasureHunt.Core.Rollups;

namespace TreasureHunt.Storage.Cosmos;

/// <summary>Item documents (container <c>items</c>) and leaderboard documents (container <c>leaderboards</c>), both
/// partitioned by /id: every access is a point operation on one logical partition.</summary>
public sealed class CosmosItemRollupStore(CosmosDocuments<ItemDocument> items, CosmosDocuments<LeaderboardDocument> leaderboards) : IItemRollupStore
{
    public async Task<ItemDocument?> GetItemAsync(string itemId, CancellationToken cancellationToken)
    {
        var (document, etag) = await items.ReadAsync(itemId, itemId, cancellationToken);
        if (document is not null) document.ETag = etag;
        return document;
    }

    public async Task<bool> TryWriteItemAsync(ItemDocument document, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(document);
        var etag = await items.TryCreateOrReplaceAsync(document, document.Id, document.Id, document.ETag, cancellationToken);
        if (etag is null) return false;
        document.ETag = etag;
        return true;
    }

    public async Task<LeaderboardDocument?> GetLeaderboardAsync(string id, CancellationToken cancellationToken)
    {
        var (document, etag) = await leaderboards.ReadAsync(id, id, cancellationToken);
        if (document is not null) document.ETag = etag;
        return document;
    }

    public async Task<bool> TryWriteLeaderboardAsync(LeaderboardDocument document, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(document);
        var etag = await leaderboards.TryCreateOrReplaceAsync(document, document.Id, document.Id, document.ETag, cancellationToken);
        if (etag is null) return false;
        document.ETag = etag;
        return true;
    }
}
