using System.Text.Json.Serialization;
using TreasureHunt.Core.Aggregation;
using TreasureHunt.Core.Events;
using TreasureHunt.Core.Features;
using TreasureHunt.Core.Groups;

namespace TreasureHunt.Core.Rollups;

/// <summary>What a batch adds to one item: all-time count per type and count per type per hour window (the item
/// stats), and the partial state of the item group's features (<see cref="Keyed"/>, when the group is declared).</summary>
public sealed class ItemDelta
{
    [JsonPropertyName("totals")] public long[] Totals { get; set; } = new long[EventTypes.Count];
    [JsonPropertyName("hours")] public List<WindowCounts> Hours { get; set; } = [];

    /// <summary>The item group's features over the same events; null when no item group is declared.</summary>
    [JsonPropertyName("keyed")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public KeyedState? Keyed { get; set; }

    public void Add(EventType type, long hourStart)
    {
        var totals = Totals;
        Totals = PerType.Ensure(ref totals, (int)type);
        Totals[(int)type]++;
        WindowList.Add(Hours, hourStart, long.MinValue / 2, 3600, 1, type, 1);
    }

    /// <summary>Adds <paramref name="other"/>; its item-group state is merged with <paramref name="definitions"/>' item
    /// group (required when it carries one; dropped when the group is no longer declared).</summary>
    public void Add(ItemDelta other, CompiledDefinitions? definitions = null)
    {
        if (other.Keyed is { } keyed)
        {
            if (definitions is null) throw new InvalidOperationException("merging an item group's state needs the definitions");
            if (definitions.ItemGroup is { } group)
            {
                Keyed ??= new KeyedState { Partial = true };
                Keyed.Merge(keyed, group, definitions);
            }
        }
        var totals = Totals;
        PerType.AddInto(ref totals, other.Totals);
        Totals = totals;
        foreach (var w in other.Hours)
        {
            WindowList.AddAll(Hours, w.Start, long.MinValue / 2, 3600, 1, w.Counts);
        }
    }
}
