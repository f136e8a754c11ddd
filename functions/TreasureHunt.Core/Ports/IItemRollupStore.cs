using TreasureHunt.Core.Rollups;

namespace TreasureHunt.Core.Ports;

/// <summary>The item documents and leaderboard documents the item shards write and the query API reads (Cosmos
/// containers <c>items</c> and <c>leaderboards</c>). Writes are conditional: false means someone wrote in between
/// (or, with no ETag, that the document exists already) — read again and retry.</summary>
public interface IItemRollupStore
{
    /// <summary>True when the writes (and the reads before them) are grouped into batch requests (bulk execution): the
    /// writer should submit all of a flush's documents at once rather than a few at a time.</summary>
    bool GroupsConcurrentWrites => false;

    /// <summary>A point read of the stored document (queries).</summary>
    Task<ItemDocument?> GetItemAsync(string itemId, CancellationToken cancellationToken);

    /// <summary>The document to apply a delta to and write back with <see cref="TryWriteItemAsync"/>: the version this
    /// process wrote last when it still keeps it (its ETag makes the write fail if anyone wrote since), else a point read.
    /// The caller owns the instance until it writes it.</summary>
    Task<ItemDocument?> GetItemForWriteAsync(string itemId, CancellationToken cancellationToken);

    /// <summary>Creates the document (no <see cref="ItemDocument.ETag"/>) or replaces it if unchanged; sets the new ETag
    /// (and keeps the written version for the next <see cref="GetItemForWriteAsync"/>).</summary>
    Task<bool> TryWriteItemAsync(ItemDocument document, CancellationToken cancellationToken);

    /// <summary>A point read (queries and the writer's read before its conditional write).</summary>
    Task<LeaderboardDocument?> GetLeaderboardAsync(string id, CancellationToken cancellationToken);

    /// <summary>The leaderboard to change and write back with <see cref="TryWriteLeaderboardAsync"/> (the write path's read).</summary>
    Task<LeaderboardDocument?> GetLeaderboardForWriteAsync(string id, CancellationToken cancellationToken) => GetLeaderboardAsync(id, cancellationToken);

    /// <summary>Creates or conditionally replaces, like <see cref="TryWriteItemAsync"/>.</summary>
    Task<bool> TryWriteLeaderboardAsync(LeaderboardDocument document, CancellationToken cancellationToken);

    /// <summary>A point read of a keyed group's document (<see cref="Groups.GroupKeys"/>), for queries.</summary>
    Task<Groups.GroupDocument?> GetGroupAsync(string id, CancellationToken cancellationToken);

    /// <summary>The group document to apply a delta to and write back with <see cref="TryWriteGroupAsync"/> (a point read
    /// on the write path: grouped with the flush's other operations when <see cref="GroupsConcurrentWrites"/>).</summary>
    Task<Groups.GroupDocument?> GetGroupForWriteAsync(string id, CancellationToken cancellationToken) => GetGroupAsync(id, cancellationToken);

    /// <summary>Creates or conditionally replaces, like <see cref="TryWriteItemAsync"/>.</summary>
    Task<bool> TryWriteGroupAsync(Groups.GroupDocument document, CancellationToken cancellationToken);

    /// <summary>A point read of one window of a declared leaderboard.</summary>
    Task<Groups.KeyedLeaderboardDocument?> GetKeyedLeaderboardAsync(string id, CancellationToken cancellationToken);

    /// <summary>The window to change and write back with <see cref="TryWriteKeyedLeaderboardAsync"/> (the write path's read).</summary>
    Task<Groups.KeyedLeaderboardDocument?> GetKeyedLeaderboardForWriteAsync(string id, CancellationToken cancellationToken) => GetKeyedLeaderboardAsync(id, cancellationToken);

    /// <summary>Creates or conditionally replaces, like <see cref="TryWriteItemAsync"/>.</summary>
    Task<bool> TryWriteKeyedLeaderboardAsync(Groups.KeyedLeaderboardDocument document, CancellationToken cancellationToken);
}
