using System.Text.Json.Serialization;
using TreasureHunt.Core.Aggregation;
using TreasureHunt.Core.Events;

namespace TreasureHunt.Core.Rollups;

/// <summary>
/// State of one item shard entity: the items whose stable hash falls in this shard, with all-time and hourly
/// counts per type, and a top-K per (hour window, type) and per (all time, type) for leaderboards.
/// </summary>
public sealed class ItemShardState
{
    /// <summary>Per source partition, the sequence ranges already applied (see <see cref="AppliedRanges"/>).</summary>
    [JsonPropertyName("applied")] public Dictionary<string, List<SequenceRange>> Applied { get; set; } = new(StringComparer.Ordinal);
    [JsonPropertyName("items")] public Dictionary<string, ItemStats> Items { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Top-K per hour window (sorted by start), one list per type.</summary>
    [JsonPropertyName("hourLeaders")] public List<HourLeaders> HourLeaders { get; set; } = [];

    /// <summary>All-time top-K, one list per type.</summary>
    [JsonPropertyName("allTimeLeaders")] public List<LeaderEntry>[] AllTimeLeaders { get; set; } = NewLists();

    /// <summary>Start of the newest hour window any item of the shard has (Unix seconds).</summary>
    [JsonPropertyName("newestHour")] public long NewestHour { get; set; } = long.MinValue;

    /// <summary>Applies a signal once; returns false for a redelivered one.</summary>
    public bool Apply(ItemShardSignal signal, RollupOptions options)
    {
        ArgumentNullException.ThrowIfNull(signal);
        ArgumentNullException.ThrowIfNull(options);
        if (!AppliedRanges.TryAdd(Applied, signal.SourcePartition, signal.FirstSequenceNumber, signal.LastSequenceNumber))
        {
            return false;
        }
        foreach (var (itemId, delta) in signal.Items)
        {
            if (!Items.TryGetValue(itemId, out var item))
            {
                Items[itemId] = item = new ItemStats();
            }
            item.Add(delta, options.ItemHourWindows);
            NewestHour = Math.Max(NewestHour, item.NewestHour);
        }
        PruneLeaders(options.ItemHourWindows);
        foreach (var (itemId, delta) in signal.Items)
        {
            var item = Items[itemId];
            for (var t = 0; t < delta.Totals.Length; t++)
            {
                if (delta.Totals[t] != 0) TopK.Offer(ListOf(AllTimeLeaders = Grow(AllTimeLeaders, t), t), itemId, item.Totals[t], options.LeaderboardSize);
            }
            foreach (var hour in delta.Hours)
            {
                if (hour.Start <= NewestHour - options.ItemHourWindows * 3600L) continue;
                var index = WindowList.FindIndex(item.Hours, hour.Start);
                if (index < 0) continue; // past the item's own retention
                var leaders = LeadersOf(hour.Start);
                for (var t = 0; t < hour.Counts.Length; t++)
                {
                    if (hour.Counts[t] != 0) TopK.Offer(ListOf(leaders.ByType = Grow(leaders.ByType, t), t), itemId, item.Hours[index].Counts[t], options.LeaderboardSize);
                }
            }
        }
        return true;
    }

    /// <summary>This shard's leaders for a type in the hour window starting at <paramref name="hourStart"/>, or for all time when null.</summary>
    public IReadOnlyList<LeaderEntry> Leaders(EventType type, long? hourStart)
    {
        var t = (int)type;
        if (hourStart is null) return t < AllTimeLeaders.Length ? AllTimeLeaders[t] : [];
        var i = HourLeaders.FindIndex(h => h.Start == hourStart);
        return i < 0 || t >= HourLeaders[i].ByType.Length ? [] : HourLeaders[i].ByType[t];
    }

    private HourLeaders LeadersOf(long start)
    {
        var i = HourLeaders.FindIndex(h => h.Start == start);
        if (i >= 0) return HourLeaders[i];
        var created = new HourLeaders { Start = start };
        var at = HourLeaders.FindIndex(h => h.Start > start);
        HourLeaders.Insert(at < 0 ? HourLeaders.Count : at, created);
        return created;
    }

    private void PruneLeaders(int keepHours)
    {
        var oldestKept = NewestHour - (keepHours - 1) * 3600L;
        HourLeaders.RemoveAll(h => h.Start < oldestKept);
    }

    /// <summary>The per-type lists, grown to index <paramref name="type"/> (a type declared after the state was created).</summary>
    private static List<LeaderEntry>[] Grow(List<LeaderEntry>[] lists, int type)
    {
        if (type < lists.Length) return lists;
        var grown = new List<LeaderEntry>[type + 1];
        Array.Copy(lists, grown, lists.Length);
        for (var i = lists.Length; i < grown.Length; i++) grown[i] = [];
        return grown;
    }

    private static List<LeaderEntry> ListOf(List<LeaderEntry>[] lists, int type) => lists[type];

    internal static List<LeaderEntry>[] NewLists() => Enumerable.Range(0, EventTypes.Count).Select(_ => new List<LeaderEntry>()).ToArray();
}

/// <summary>One item's counts in a shard.</summary>
public sealed class ItemStats
{
    [JsonPropertyName("totals")] public long[] Totals { get; set; } = new long[EventTypes.Count];
    [JsonPropertyName("hours")] public List<WindowCounts> Hours { get; set; } = [];
    [JsonPropertyName("newestHour")] public long NewestHour { get; set; } = long.MinValue;

    public void Add(ItemDelta delta, int keepHours)
    {
        var totals = Totals;
        PerType.AddInto(ref totals, delta.Totals);
        Totals = totals;
        foreach (var w in delta.Hours) NewestHour = Math.Max(NewestHour, w.Start);
        foreach (var w in delta.Hours)
        {
            WindowList.AddAll(Hours, w.Start, NewestHour, 3600, keepHours, w.Counts);
        }
        WindowList.Prune(Hours, NewestHour, 3600, keepHours);
    }
}

/// <summary>Top-K per type for one hour window.</summary>
public sealed class HourLeaders
{
    [JsonPropertyName("start")] public long Start { get; set; }
    [JsonPropertyName("byType")] public List<LeaderEntry>[] ByType { get; set; } = ItemShardState.NewLists();
}
