using System.Text.Json.Serialization;
using TreasureHunt.Core.Events;

namespace TreasureHunt.Core.Aggregation;

/// <summary>Counts per event type in one tumbling window that starts at <see cref="Start"/> (Unix seconds, UTC).</summary>
public sealed class WindowCounts
{
    [JsonPropertyName("start")]
    public long Start { get; set; }

    /// <summary>Counts indexed by <see cref="EventType"/> (the declared types, in order; grows when a later type occurs).</summary>
    [JsonPropertyName("counts")]
    public long[] Counts { get; set; } = new long[EventTypes.Count];
}

/// <summary>
/// Keeps a list of windows sorted by start and bounded to the <c>keep</c> windows counted back from the newest.
/// Shared by user windows (minute/hour/day) and item hour windows.
/// </summary>
internal static class WindowList
{
    /// <summary>Adds <paramref name="count"/> to the window at <paramref name="start"/>; returns false (and adds nothing)
    /// when that window is already older than the retention counted back from <paramref name="newestStart"/>.</summary>
    public static bool Add(List<WindowCounts> windows, long start, long newestStart, long windowSeconds, int keep, EventType type, long count) =>
        Add(windows, start, newestStart, windowSeconds, keep, type, count, spare: null);

    /// <summary><see cref="Add(List{WindowCounts}, long, long, long, int, EventType, long)"/>, taking a new window from
    /// <paramref name="spare"/> (windows pruned earlier) when there is one.</summary>
    internal static bool Add(List<WindowCounts> windows, long start, long newestStart, long windowSeconds, int keep, EventType type, long count, Stack<WindowCounts>? spare)
    {
        if (start <= newestStart - keep * windowSeconds)
        {
            return false;
        }
        var window = windows[IndexForAdd(windows, start, spare)];
        var counts = window.Counts;
        if ((int)type >= counts.Length) window.Counts = counts = PerType.Ensure(ref counts, (int)type);
        counts[(int)type] += count;
        return true;
    }

    /// <summary>Adds all counts of a window (used when merging deltas).</summary>
    public static bool AddAll(List<WindowCounts> windows, long start, long newestStart, long windowSeconds, int keep, ReadOnlySpan<long> counts)
    {
        if (start <= newestStart - keep * windowSeconds)
        {
            return false;
        }
        var window = windows[IndexForAdd(windows, start, spare: null)];
        var target = window.Counts;
        PerType.AddInto(ref target, counts);
        window.Counts = target;
        return true;
    }

    /// <summary>Drops windows older than the retention counted back from <paramref name="newestStart"/>.</summary>
    public static void Prune(List<WindowCounts> windows, long newestStart, long windowSeconds, int keep) =>
        Prune(windows, newestStart, windowSeconds, keep, spare: null);

    /// <summary>Keeps at most this many pruned windows per aggregate for reuse.</summary>
    internal const int MaxSpare = 4;

    /// <summary><see cref="Prune(List{WindowCounts}, long, long, int)"/>, keeping (some of) the pruned windows in <paramref name="spare"/>.</summary>
    internal static void Prune(List<WindowCounts> windows, long newestStart, long windowSeconds, int keep, Stack<WindowCounts>? spare)
    {
        var oldestKept = newestStart - (keep - 1) * windowSeconds;
        var drop = 0;
        while (drop < windows.Count && windows[drop].Start < oldestKept)
        {
            if (spare is not null && spare.Count < MaxSpare) spare.Push(windows[drop]);
            drop++;
        }
        if (drop > 0)
        {
            windows.RemoveRange(0, drop);
        }
    }

    private static WindowCounts NewWindow(long start, Stack<WindowCounts>? spare)
    {
        if (spare is not null && spare.TryPop(out var reused) && reused.Counts.Length == EventTypes.Count)
        {
            // A pruned window is an old object already: reusing it spares the garbage collector a mid-life allocation.
            reused.Start = start;
            Array.Clear(reused.Counts);
            return reused;
        }
        return new WindowCounts { Start = start };
    }

    /// <summary>The index of the window at <paramref name="start"/>, inserted (empty) if missing. Events mostly land in
    /// the newest window or open a newer one, so the last window is looked at before searching.</summary>
    private static int IndexForAdd(List<WindowCounts> windows, long start, Stack<WindowCounts>? spare)
    {
        var count = windows.Count;
        var lastStart = count > 0 ? windows[count - 1].Start : long.MinValue;
        if (lastStart == start)
        {
            return count - 1;
        }
        if (lastStart < start)
        {
            windows.Add(NewWindow(start, spare));
            return count;
        }
        var index = FindIndex(windows, start);
        if (index < 0)
        {
            index = ~index;
            windows.Insert(index, NewWindow(start, spare));
        }
        return index;
    }

    public static int FindIndex(List<WindowCounts> windows, long start)
    {
        int lo = 0, hi = windows.Count - 1;
        while (lo <= hi)
        {
            var mid = (lo + hi) >>> 1;
            var s = windows[mid].Start;
            if (s == start) return mid;
            if (s < start) lo = mid + 1; else hi = mid - 1;
        }
        return ~lo;
    }
}
