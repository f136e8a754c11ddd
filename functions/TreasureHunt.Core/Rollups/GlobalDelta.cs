using System.Text.Json.Serialization;
using TreasureHunt.Core.Events;

namespace TreasureHunt.Core.Rollups;

/// <summary>Stream-wide counters; both a delta (in a signal) and the state of the global totals entity.</summary>
public sealed class GlobalCounters
{
    [JsonPropertyName("events")] public long Events { get; set; }
    [JsonPropertyName("byType")] public long[] ByType { get; set; } = new long[EventTypes.Count];
    [JsonPropertyName("duplicatesDropped")] public long DuplicatesDropped { get; set; }
    [JsonPropertyName("deadLettered")] public long DeadLettered { get; set; }
    [JsonPropertyName("late")] public long Late { get; set; }

    /// <summary>Messages parked and not replayed yet (a replay subtracts what it applies).</summary>
    [JsonPropertyName("parked")] public long Parked { get; set; }

    public void AddType(EventType type)
    {
        var byType = ByType;
        ByType = PerType.Ensure(ref byType, (int)type);
        ByType[(int)type]++;
    }

    [JsonIgnore] public bool IsEmpty => Events == 0 && DuplicatesDropped == 0 && DeadLettered == 0 && Late == 0 && Parked == 0;

    public void Add(GlobalCounters other)
    {
        Events += other.Events;
        var byType = ByType;
        PerType.AddInto(ref byType, other.ByType);
        ByType = byType;
        DuplicatesDropped += other.DuplicatesDropped;
        DeadLettered += other.DeadLettered;
        Late += other.Late;
        Parked += other.Parked;
    }
}
