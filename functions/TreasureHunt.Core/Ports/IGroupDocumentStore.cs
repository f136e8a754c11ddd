using TreasureHunt.Core.Groups;

namespace TreasureHunt.Core.Ports;

/// <summary>The keyed group documents of one container, and the declared leaderboards kept beside them (point operations, partition key /id).</summary>
public interface IGroupDocumentStore
{
    Task<GroupDocument?> GetGroupAsync(string id, CancellationToken cancellationToken);

    /// <summary>Creates (no ETag) or conditionally replaces; false when someone wrote in between.</summary>
    Task<bool> TryWriteGroupAsync(GroupDocument document, CancellationToken cancellationToken);

    /// <summary>A declared leaderboard's window kept beside the keys (a back-filled version's: id
    /// <see cref="KeyedLeaderboardDocument.IdBesideKeys"/>); null when none was written.</summary>
    Task<KeyedLeaderboardDocument?> GetLeaderboardAsync(string id, CancellationToken cancellationToken);

    /// <summary>Creates (no ETag) or conditionally replaces a leaderboard window; false when someone wrote in between.</summary>
    Task<bool> TryWriteLeaderboardAsync(KeyedLeaderboardDocument document, CancellationToken cancellationToken);
}
