namespace TreasureHunt.Tools.Nexmark;

/// <summary>
/// When the events behind one answer were accepted, for measuring how stale a served answer was: each answer key (an
/// auction's hour, a day, …) keeps the ingest requests ("chunks") its events went in, with a count (counts) or the
/// highest price (maxima) per chunk. With the chunks' acknowledgement times, the staleness of a value read at time t is
/// t minus the acknowledgement of the oldest accepted event the value does not reflect yet (0 when it reflects all):
/// for a count V, the (V+1)-th event in acknowledgement order; for a maximum M, the first acknowledged chunk holding a
/// higher price. Bounded by the run: one entry per chunk and key.
/// </summary>
public sealed class NexmarkTimeline<TKey> where TKey : notnull
{
    private readonly Dictionary<TKey, List<(int Chunk, long Figure)>> _entries = [];

    /// <summary>Adds one event to <paramref name="key"/>: counts add 1 per chunk, maxima keep the chunk's highest <paramref name="price"/>.</summary>
    public void Add(TKey key, int chunk, long price = 1, bool maximum = false)
    {
        if (!_entries.TryGetValue(key, out var list)) _entries[key] = list = [];
        if (list.Count > 0 && list[^1].Chunk == chunk)
        {
            list[^1] = (chunk, maximum ? Math.Max(list[^1].Figure, price) : list[^1].Figure + 1);
            return;
        }
        list.Add((chunk, maximum ? price : 1));
    }

    /// <summary>How stale a count of <paramref name="served"/> events read at <paramref name="readAt"/> was; acknowledgement times by chunk (long.MaxValue: not acknowledged).</summary>
    public TimeSpan CountStaleness(TKey key, long served, long readAt, IReadOnlyList<long> acknowledged)
    {
        if (!_entries.TryGetValue(key, out var list)) return TimeSpan.Zero;
        long seen = 0;
        foreach (var (chunk, count) in list.Where(e => acknowledged[e.Chunk] <= readAt).OrderBy(e => acknowledged[e.Chunk]))
        {
            seen += count;
            if (seen > served) return TimeSpan.FromTicks(Math.Max(0, readAt - acknowledged[chunk]) * TimeSpan.TicksPerSecond / System.Diagnostics.Stopwatch.Frequency);
        }
        return TimeSpan.Zero;
    }

    /// <summary>How stale a maximum of <paramref name="served"/> read at <paramref name="readAt"/> was.</summary>
    public TimeSpan MaximumStaleness(TKey key, long served, long readAt, IReadOnlyList<long> acknowledged)
    {
        if (!_entries.TryGetValue(key, out var list)) return TimeSpan.Zero;
        var oldest = list.Where(e => acknowledged[e.Chunk] <= readAt && e.Figure > served).Select(e => acknowledged[e.Chunk]).DefaultIfEmpty(long.MaxValue).Min();
        return oldest == long.MaxValue ? TimeSpan.Zero
            : TimeSpan.FromTicks(Math.Max(0, readAt - oldest) * TimeSpan.TicksPerSecond / System.Diagnostics.Stopwatch.Frequency);
    }
}
