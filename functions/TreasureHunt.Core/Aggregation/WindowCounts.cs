using System.Text.Json.Serialization;
using TreasureHunt.Core.Events;

namespace TreasureHunt.Core.Aggregation;

/// <summary>Counts per event type in one tumbling window that starts at <see cref="Start"/> (Unix seconds, UTC).</summary>
public sealed class WindowCounts
{
    [JsonPropertyName("start")]
    public long Start { get; set; }

    /// <summary>Counts indexed by <see cref="EventType"/> (view, click, share, claim, purchase).</summary>
    [JsonPropertyName("counts")]
    public long[] Counts { get; set; } = new long[EventTypes.Count];
}

/// <summary>
/// Keeps a list of windows sorted by start and bounded to the <c>keep</c> windows counted back from the newest.
/// Shared by user windows (minute/hour/day) and item hour windows.
/// </summary>
public static class WindowList
{
    /// <summary>Adds <paramref name="count"/> to the window at <paramref name="start"/>; returns false (and adds nothing)
    /// when that window is already older than the retention counted back from <paramref name="newestStart"/>.</summary>
    public static bool Add(List<WindowCounts> windows, long start, long newestStart, long windowSeconds, int keep, EventType type, long count)
    {
        if (start <= newestStart - keep * windowSeconds)
        {
            return false;
        }
        var index = FindIndex(windows, start);
        if (index < 0)
        {
            index = ~index;
            windows.Insert(index, new WindowCounts { Start = start });
        }
        windows[index].Counts[(int)type] += count;
        return true;
    }

    /// <summary>Adds all counts of a window (used when merging deltas).</summary>
    public static bool AddAll(List<WindowCounts> windows, long start, long newestStart, long windowSeconds, int keep, ReadOnlySpan<long> counts)
    {
        if (start <= newestStart - keep * windowSeconds)
        {
            return false;
        }
        var index = FindIndex(windows, start);
        if (index < 0)
        {
            index = ~index;
            windows.Insert(index, new WindowCounts { Start = start });
        }
        var target = windows[index].Counts;
        for (var i = 0; i < target.Length; i++)
        {
            target[i] += counts[i];
        }
        return true;
    }

    /// <summary>Drops windows older than the retention counted back from <paramref name="newestStart"/>.</summary>
    public static void Prune(List<WindowCounts> windows, long newestStart, long windowSeconds, int keep)
    {
        var oldestKept = newestStart - (keep - 1) * windowSeconds;
        var drop = 0;
        while (drop < windows.Count && windows[drop].Start < oldestKept)
        {
            drop++;
        }
        if (drop > 0)
        {
            windows.RemoveRange(0, drop);
        }
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
