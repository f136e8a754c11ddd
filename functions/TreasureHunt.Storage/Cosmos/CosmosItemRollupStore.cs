using TreasureHunt.Core.Ports;
using TreasureHunt.Core.Groups;
using TreasureHunt.Core.Rollups;

namespace TreasureHunt.Storage.Cosmos;

/// <summary>Item documents (container <c>items</c>) and leaderboard documents (container <c>leaderboards</c>), both
/// partitioned by /id: every access is a point operation on one logical partition.
/// <para>An item's shard is its only writer (while an old layout drains after a reshard, two shards may write it), so
/// the writer keeps the item documents it wrote in a bounded cache (<c>Cosmos:ItemWriterCacheSize</c> documents, each
/// ≤ 8 KB, checked at start-up by the pipeline's ItemDocumentBoundValidator) and skips the read before its next write of a Zipf-head item:
/// one call per item per buffer instead of two (reads were ~13 % of the host's allocations when profiled). The
/// ETag keeps it exact, as for user documents: a stale copy gets 412, is dropped, and the writer reads again.</para></summary>
/// <para>Keyed groups' documents share the <c>items</c> container (their ids hold <c>~</c> or <c>!</c>, which item ids
/// never do) and declared leaderboards the <c>leaderboards</c> container (their ids hold <c>~</c>, per-type ones <c>@</c>).</para>
/// <para>With <paramref name="batched"/> (bulk execution) every read and write of the write path goes through the bulk-enabled
/// client: docs/internals.md#item-shard-writes.</para>
internal sealed class CosmosItemRollupStore(
    CosmosDocuments<ItemDocument> items,
    CosmosDocuments<LeaderboardDocument> leaderboards,
    CosmosDocuments<GroupDocument> groups,
    CosmosDocuments<KeyedLeaderboardDocument> keyedLeaderboards,
    WriterCache<ItemDocument>? writerCache = null,
    CosmosItemRollupStore.Batched? batched = null) : IItemRollupStore
{
    /// <summary>The same four containers through the bulk-enabled client (<c>Cosmos:BulkExecution</c>): the item shard
    /// writer's reads and conditional writes go through them, grouped into batch requests; queries stay single requests.</summary>
    internal sealed record Batched(
        CosmosDocuments<ItemDocument> Items,
        CosmosDocuments<LeaderboardDocument> Leaderboards,
        CosmosDocuments<GroupDocument> Groups,
        CosmosDocuments<KeyedLeaderboardDocument> KeyedLeaderboards);

    private readonly CosmosDocuments<ItemDocument> _itemWrites = batched?.Items ?? items;
    private readonly CosmosDocuments<LeaderboardDocument> _leaderboardWrites = batched?.Leaderboards ?? leaderboards;
    private readonly CosmosDocuments<GroupDocument> _groupWrites = batched?.Groups ?? groups;
    private readonly CosmosDocuments<KeyedLeaderboardDocument> _keyedLeaderboardWrites = batched?.KeyedLeaderboards ?? keyedLeaderboards;

    public bool GroupsConcurrentWrites => batched is not null;

    public async Task<ItemDocument?> GetItemForWriteAsync(string itemId, CancellationToken cancellationToken) =>
        writerCache?.TakeOut(itemId) ?? await _itemWrites.ReadTaggedAsync(itemId, itemId, (d, etag) => d.ETag = etag, cancellationToken);

    public Task<ItemDocument?> GetItemAsync(string itemId, CancellationToken cancellationToken) =>
        items.ReadTaggedAsync(itemId, itemId, (d, etag) => d.ETag = etag, cancellationToken);

    public async Task<bool> TryWriteItemAsync(ItemDocument document, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(document);
        string? etag;
        try
        {
            etag = await _itemWrites.TryCreateOrReplaceAsync(document, document.Id, document.Id, document.ETag, cancellationToken);
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

    public Task<LeaderboardDocument?> GetLeaderboardAsync(string id, CancellationToken cancellationToken) =>
        leaderboards.ReadTaggedAsync(id, id, (d, etag) => d.ETag = etag, cancellationToken);

    public Task<LeaderboardDocument?> GetLeaderboardForWriteAsync(string id, CancellationToken cancellationToken) =>
        _leaderboardWrites.ReadTaggedAsync(id, id, (d, etag) => d.ETag = etag, cancellationToken);

    public Task<bool> TryWriteLeaderboardAsync(LeaderboardDocument document, CancellationToken cancellationToken) =>
        _leaderboardWrites.TryWriteTaggedAsync(document, document.Id, document.Id, document.ETag, (d, etag) => d.ETag = etag, cancellationToken);

    public Task<GroupDocument?> GetGroupAsync(string id, CancellationToken cancellationToken) =>
        groups.ReadTaggedAsync(id, id, (d, etag) => d.ETag = etag, cancellationToken);

    public Task<GroupDocument?> GetGroupForWriteAsync(string id, CancellationToken cancellationToken) =>
        _groupWrites.ReadTaggedAsync(id, id, (d, etag) => d.ETag = etag, cancellationToken);

    public Task<bool> TryWriteGroupAsync(GroupDocument document, CancellationToken cancellationToken) =>
        _groupWrites.TryWriteTaggedAsync(document, document.Id, document.Id, document.ETag, (d, etag) => d.ETag = etag, cancellationToken);

    public Task<KeyedLeaderboardDocument?> GetKeyedLeaderboardAsync(string id, CancellationToken cancellationToken) =>
        keyedLeaderboards.ReadTaggedAsync(id, id, (d, etag) => d.ETag = etag, cancellationToken);

    public Task<KeyedLeaderboardDocument?> GetKeyedLeaderboardForWriteAsync(string id, CancellationToken cancellationToken) =>
        _keyedLeaderboardWrites.ReadTaggedAsync(id, id, (d, etag) => d.ETag = etag, cancellationToken);

    public Task<bool> TryWriteKeyedLeaderboardAsync(KeyedLeaderboardDocument document, CancellationToken cancellationToken) =>
        _keyedLeaderboardWrites.TryWriteTaggedAsync(document, document.Id, document.Id, document.ETag, (d, etag) => d.ETag = etag, cancellationToken);
}
