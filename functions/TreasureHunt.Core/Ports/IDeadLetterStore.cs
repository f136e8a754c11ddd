using TreasureHunt.Core.Events;

namespace TreasureHunt.Core.Ports;

/// <summary>Rejected events (Azure Table <c>deadletters</c>). Writing the same dead letter twice keeps one row.</summary>
public interface IDeadLetterStore
{
    Task WriteAsync(IReadOnlyList<DeadLetter> deadLetters, CancellationToken cancellationToken);

    /// <summary>Dead letters enqueued in [from, to), newest first, at most <paramref name="top"/>.</summary>
    Task<IReadOnlyList<DeadLetter>> QueryAsync(DateTimeOffset from, DateTimeOffset to, int top, CancellationToken cancellationToken);

    /// <summary>Deletes dead letters of hours that ended before <paramref name="cutoff"/> (retention); returns how many.</summary>
    Task<long> DeleteOlderThanAsync(DateTimeOffset cutoff, CancellationToken cancellationToken);
}
