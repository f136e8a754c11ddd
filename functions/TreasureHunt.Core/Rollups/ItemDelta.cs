using System.Text.Json.Serialization;
using TreasureHunt.Core.Aggregation;
using TreasureHunt.Core.Events;

namespace TreasureHunt.Core.Rollups;

/// <summary>What a batch adds to one item: all-time count per type and count per type per hour window.</summary>
public sealed class ItemDelta
{
    [JsonPropertyName("totals")] public long[] Totals { get; set; } = new long[EventTypes.Count];
    [JsonPropertyName("hours")] public List<WindowCounts> Hours { get; set; } = [];

    public void Add(EventType type, long hourStart)
    {
        var totals = Totals;
        Totals = PerType.Ensure(ref totals, (int)type);
        Totals[(int)type]++;
        WindowList.Add(Hours, hourStart, long.MinValue / 2, 3600, 1, type, 1);
    }

    public void Add(ItemDelta other)
    {
        var totals = Totals;
        PerType.AddInto(ref totals, other.Totals);
        Totals = totals;
        foreach (var w in other.Hours)
        {
            WindowList.AddAll(Hours, w.Start, long.MinValue / 2, 3600, 1, w.Counts);
        }
    }
}
