using TreasureHunt.Core.Events;

namespace TreasureHunt.Core.Ports;

/// <summary>Rejected events (Azure Table <c>deadletters</c>). Writing the same dead letter twice keeps one row.</summary>
public interface IDeadLetterStore
{
    Task WriteAsync(IReadOnlyList<DeadLetter> deadLetters, CancellationToken cancellationToken);

    /// <summary>Dead letters enqueued in [from, to), newest first, at most <paramref name="top"/>.</summary>
    Task<IReadOnlyList<DeadLetter>> QueryAsync(DateTimeOffset from, DateTimeOffset to, int top, CancellationToken cancellationToken);

    /// <summary>
    /// Deletes the dead letters whose payload names the user with this <see cref="Erasure.UserIdHash"/>, of messages
    /// before an erasure: in <paramref name="partitionId"/> below <paramref name="beforeSequence"/>, in other partitions
    /// enqueued at or before <paramref name="through"/>. Returns how many were deleted (none found again: 0).
    /// </summary>
    Task<int> DeleteForUserAsync(string userIdHash, string partitionId, long beforeSequence, DateTimeOffset through, CancellationToken cancellationToken);

    /// <summary>Deletes dead letters of hours that ended before <paramref name="cutoff"/> (retention); returns how many.</summary>
    Task<long> DeleteOlderThanAsync(DateTimeOffset cutoff, CancellationToken cancellationToken);
}
