namespace TreasureHunt.Pipeline.Rollups;

/// <summary>
/// The optimistic-concurrency loop of every rollup document write: read, change, conditional write (ETag, or create
/// when absent), and on a conflict — someone wrote in between — read again, up to <see cref="MaxAttempts"/> times.
/// Documents several shards write (leaderboards) pause a short random time between attempts.
/// </summary>
internal static class ConditionalWrite
{
    /// <summary>Conditional-write attempts on one document before the write gives up (its buffer is retried later, whole).</summary>
    public const int MaxAttempts = 50;

    /// <summary>
    /// Runs the loop: <paramref name="change"/> returns whether the document must be written, and the caller's result
    /// (returned as is when nothing is written). Throws <see cref="InvalidOperationException"/> naming
    /// <paramref name="what"/> after <see cref="MaxAttempts"/> conflicts in a row.
    /// </summary>
    public static async Task<TResult> RunAsync<TDocument, TResult>(
        string what,
        Func<CancellationToken, Task<TDocument>> read,
        Func<TDocument, (bool Write, TResult Result)> change,
        Func<TDocument, CancellationToken, Task<bool>> write,
        bool pauseOnConflict,
        TimeProvider time,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(read);
        ArgumentNullException.ThrowIfNull(change);
        ArgumentNullException.ThrowIfNull(write);
        for (var attempt = 1; ; attempt++)
        {
            var document = await read(cancellationToken);
            var (mustWrite, result) = change(document);
            if (!mustWrite || await write(document, cancellationToken)) return result;
            if (attempt >= MaxAttempts) throw new InvalidOperationException($"{what}: {attempt} conflicting writes in a row");
            if (pauseOnConflict)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(Random.Shared.Next(5, 20 * Math.Min(attempt, 10))), time, cancellationToken);
            }
        }
    }
}
