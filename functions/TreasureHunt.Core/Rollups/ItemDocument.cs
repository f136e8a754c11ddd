using System.Text.Json.Serialization;
using TreasureHunt.Core.Aggregation;
using TreasureHunt.Core.Events;
using TreasureHunt.Core.Features;
using TreasureHunt.Core.Groups;

namespace TreasureHunt.Core.Rollups;

/// <summary>One item's counts (all time and per hour window, per type).</summary>
public class ItemStats
{
    [JsonPropertyName("totals")] public long[] Totals { get; set; } = new long[EventTypes.Count];
    [JsonPropertyName("hours")] public List<WindowCounts> Hours { get; set; } = [];
    /// <summary>The newest hour window's start; null until one is kept (a sentinel such as long.MinValue would not survive
    /// Cosmos DB, whose JSON numbers are doubles).</summary>
    [JsonPropertyName("newestHour")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public long? NewestHour { get; set; }

    public void Add(ItemDelta delta, int keepHours)
    {
        ArgumentNullException.ThrowIfNull(delta);
        var totals = Totals;
        PerType.AddInto(ref totals, delta.Totals);
        Totals = totals;
        foreach (var w in delta.Hours) NewestHour = NewestHour is { } kept ? Math.Max(kept, w.Start) : w.Start;
        if (NewestHour is not { } newest) return;
        foreach (var w in delta.Hours)
        {
            WindowList.AddAll(Hours, w.Start, newest, 3600, keepHours, w.Counts);
        }
        WindowList.Prune(Hours, newest, 3600, keepHours);
    }

    /// <summary>The hour windows still within <paramref name="keepHours"/> of <paramref name="now"/>: an idle item's
    /// windows expire <paramref name="keepHours"/> hours after its newest event even before it is written again.</summary>
    public IEnumerable<WindowCounts> HoursAt(DateTimeOffset now, int keepHours)
    {
        var oldestKept = WindowSize.Hour.StartOf(now) - (keepHours - 1) * 3600L;
        return Hours.Where(h => h.Start >= oldestKept);
    }
}

/// <summary>
/// An item's Cosmos document (container <c>items</c>, partition key /id): its counts, and per item shard entity the
/// number of the last buffer that shard wrote here (<see cref="Flushes"/>), which makes a retried write a no-op.
/// Bounded: <c>ItemHourWindows</c> hour windows (48) of one count per declared type, one flush entry per shard layout
/// that ever wrote the item (one, plus one per reshard). ~1-3 KB with the default definitions; the start-up check
/// refuses definitions whose worst case passes <see cref="MaxBytes"/>.
/// </summary>
public sealed class ItemDocument : ItemStats
{
    /// <summary>Item stats are one point read of at most 8 KB (a design limit of the capacity model).</summary>
    public const int MaxBytes = 8 * 1024;

    [JsonPropertyName("id")] public string Id { get; set; } = "";

    [JsonPropertyName("flushes")] public Dictionary<string, long> Flushes { get; set; } = new(StringComparer.Ordinal);

    /// <summary>The item group's features (absent while no item group is declared); bounded by the group's worst case.</summary>
    [JsonPropertyName("keyed")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public KeyedState? Keyed { get; set; }

    [JsonIgnore] public string? ETag { get; set; }

    /// <summary>Adds the delta of buffer <paramref name="number"/> of shard <paramref name="shardKey"/>, unless that
    /// buffer (or a later one of that shard) was already written here; returns whether it added.</summary>
    public bool Apply(string shardKey, long number, ItemDelta delta, int keepHours, CompiledDefinitions? definitions = null)
    {
        ArgumentNullException.ThrowIfNull(delta);
        if (Flushes.TryGetValue(shardKey, out var written) && written >= number)
        {
            return false;
        }
        Add(delta, keepHours);
        if (delta.Keyed is { } keyed && definitions?.ItemGroup is { } group)
        {
            (Keyed ??= new KeyedState()).Merge(keyed, group, definitions);
        }
        Flushes[shardKey] = number;
        return true;
    }

    /// <summary>Worst-case serialized size for <paramref name="typeCount"/> types and <paramref name="keepHours"/> windows:
    /// a 128-character id, all-time counts at 19 digits, hour counts at 10 digits (an item cannot get 10^10 events in
    /// an hour: 150,000 events/s for an hour is 5.4 × 10^8), <paramref name="layouts"/> flush entries.</summary>
    public static int WorstCaseBytes(int typeCount, int keepHours, int layouts = 2)
    {
        var totals = 12 + typeCount * 20;   // "totals":[…] with 19 digits + comma per type
        var window = 33 + typeCount * 11;   // {"start":1733212800,"counts":[…]}, (33 bytes) with 10 digits + comma per type
        return 64 + 128 + totals + keepHours * window + 30 + layouts * 40;
    }
}
