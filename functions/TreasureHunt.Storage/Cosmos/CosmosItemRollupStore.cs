using TreasureHunt.Core.Ports;
using TreasureHunt.Core.Groups;
using TreasureHunt.Core.Rollups;

namespace TreasureHunt.Storage.Cosmos;

/// <summary>Item documents (container <c>items</c>) and leaderboard documents (container <c>leaderboards</c>), both
/// partitioned by /id: every access is a point operation on one logical partition.
/// <para>An item's shard is its only writer (while an old layout drains after a reshard, two shards may write it), so
/// the writer keeps the item documents it wrote in a bounded cache (<c>Cosmos:ItemWriterCacheSize</c> documents, each
/// ≤ 8 KB, checked at start-up by the pipeline's ItemDocumentBoundValidator) and skips the read before its next write of a Zipf-head item:
/// one call per item per buffer instead of two (issue 15's profile: reads were ~13 % of the host's allocations). The
/// ETag keeps it exact, as for user documents: a stale copy gets 412, is dropped, and the writer reads again.</para></summary>
/// <para>Keyed groups' documents share the <c>items</c> container (their ids hold <c>~</c> or <c>!</c>, which item ids
/// never do) and declared leaderboards the <c>leaderboards</c> container (their ids hold <c>~</c>, per-type ones <c>@</c>).</para>
public sealed class CosmosItemRollupStore(
    CosmosDocuments<ItemDocument> items,
    CosmosDocuments<LeaderboardDocument> leaderboards,
    CosmosDocuments<GroupDocument> groups,
    CosmosDocuments<KeyedLeaderboardDocument> keyedLeaderboards,
    WriterCache<ItemDocument>? writerCache = null) : IItemRollupStore
{
    public async Task<ItemDocument?> GetItemForWriteAsync(string itemId, CancellationToken cancellationToken) =>
        writerCache?.TakeOut(itemId) ?? await GetItemAsync(itemId, cancellationToken);

    public async Task<ItemDocument?> GetItemAsync(string itemId, CancellationToken cancellationToken)
    {
        var (document, etag) = await items.ReadAsync(itemId, itemId, cancellationToken);
        if (document is not null) document.ETag = etag;
        return document;
    }

    public async Task<bool> TryWriteItemAsync(ItemDocument document, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(document);
        string? etag;
        try
        {
            etag = await items.TryCreateOrReplaceAsync(document, document.Id, document.Id, document.ETag, cancellationToken);
        }
        catch
        {
            writerCache?.Forget(document.Id); // the caller's copy holds changes that were not stored
            throw;
        }
        if (etag is null)
        {
            writerCache?.Forget(document.Id);
            return false;
        }
        document.ETag = etag;
        writerCache?.Keep(document.Id, document);
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

    public async Task<GroupDocument?> GetGroupAsync(string id, CancellationToken cancellationToken)
    {
        var (document, etag) = await groups.ReadAsync(id, id, cancellationToken);
        if (document is not null) document.ETag = etag;
        return document;
    }

    public async Task<bool> TryWriteGroupAsync(GroupDocument document, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(document);
        var etag = await groups.TryCreateOrReplaceAsync(document, document.Id, document.Id, document.ETag, cancellationToken);
        if (etag is null) return false;
        document.ETag = etag;
        return true;
    }

    public async Task<KeyedLeaderboardDocument?> GetKeyedLeaderboardAsync(string id, CancellationToken cancellationToken)
    {
        var (document, etag) = await keyedLeaderboards.ReadAsync(id, id, cancellationToken);
        if (document is not null) document.ETag = etag;
        return document;
    }

    public async Task<bool> TryWriteKeyedLeaderboardAsync(KeyedLeaderboardDocument document, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(document);
        var etag = await keyedLeaderboards.TryCreateOrReplaceAsync(document, document.Id, document.Id, document.ETag, cancellationToken);
        if (etag is null) return false;
        document.ETag = etag;
        return true;
    }
}
