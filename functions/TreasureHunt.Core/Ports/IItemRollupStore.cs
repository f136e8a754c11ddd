using TreasureHunt.Core.Rollups;

namespace TreasureHunt.Core.Ports;

/// <summary>The item documents and leaderboard documents the item shards write and the query API reads (Cosmos
/// containers <c>items</c> and <c>leaderboards</c>). Writes are conditional: false means someone wrote in between
/// (or, with no ETag, that the document exists already) — read again and retry.</summary>
public interface IItemRollupStore
{
    Task<ItemDocument?> GetItemAsync(string itemId, CancellationToken cancellationToken);

    /// <summary>Creates the document (no <see cref="ItemDocument.ETag"/>) or replaces it if unchanged; sets the new ETag.</summary>
    Task<bool> TryWriteItemAsync(ItemDocument document, CancellationToken cancellationToken);

    Task<LeaderboardDocument?> GetLeaderboardAsync(string id, CancellationToken cancellationToken);

    /// <summary>Creates or conditionally replaces, like <see cref="TryWriteItemAsync"/>.</summary>
    Task<bool> TryWriteLeaderboardAsync(LeaderboardDocument document, CancellationToken cancellationToken);
}
