using TreasureHunt.Core.Groups;

namespace TreasureHunt.Core.Ports;

/// <summary>The keyed group documents of one container (point operations, partition key /id).</summary>
public interface IGroupDocumentStore
{
    Task<GroupDocument?> GetGroupAsync(string id, CancellationToken cancellationToken);

    /// <summary>Creates (no ETag) or conditionally replaces; false when someone wrote in between.</summary>
    Task<bool> TryWriteGroupAsync(GroupDocument document, CancellationToken cancellationToken);
}
