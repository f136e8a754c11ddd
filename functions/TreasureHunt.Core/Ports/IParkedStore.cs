using TreasureHunt.Core.Erasure;
using TreasureHunt.Core.Parking;

namespace TreasureHunt.Core.Ports;

/// <summary>Parked messages (Azure Table <c>parked</c>): keyed by source partition and sequence number.</summary>
public interface IParkedStore
{
    /// <summary>Writes (upserts) the rows; durable when the task completes.</summary>
    Task WriteAsync(IReadOnlyList<ParkedMessage> messages, CancellationToken cancellationToken);

    /// <summary>Rows of one source partition, in sequence order, optionally only those still parked, at most <paramref name="top"/>.</summary>
    Task<IReadOnlyList<ParkedMessage>> ListAsync(string? partitionId, bool onlyParked, int top, CancellationToken cancellationToken);

    /// <summary>How many rows are still parked, counted up to <paramref name="upTo"/> (then <paramref name="upTo"/>),
    /// without reading their bodies: only the key columns of each row are read.</summary>
    Task<int> CountParkedAsync(int upTo, CancellationToken cancellationToken);

    /// <summary>The parked rows of one user in one source partition, in sequence order.</summary>
    Task<IReadOnlyList<ParkedMessage>> ListForUserAsync(string partitionId, string userId, CancellationToken cancellationToken);

    /// <summary>Deletes every row of one user in one source partition, whatever its status (an erasure); returns how many.</summary>
    Task<int> DeleteForUserAsync(string partitionId, string userId, CancellationToken cancellationToken);

    /// <summary>
    /// Deletes, in one source partition, every row (whatever its status) of an erased user from before its erasure
    /// (<see cref="PendingErasureCleanup.Covers"/>, matched by the hash of the row's user id). Returns how many rows each
    /// erasure id deleted (none found again: 0).
    /// </summary>
    Task<IReadOnlyDictionary<string, int>> DeleteErasedAsync(string partitionId, IReadOnlyCollection<PendingErasureCleanup> erasures, CancellationToken cancellationToken);

    /// <summary>Sets the status of rows (replayed, superseded).</summary>
    Task ResolveAsync(IReadOnlyList<ParkedMessage> messages, ParkedStatus status, DateTimeOffset at, CancellationToken cancellationToken);
}
