using System.Text.Json.Serialization;
using TreasureHunt.Core.Events;

namespace TreasureHunt.Core.Aggregation;

/// <summary>
/// Everything known about one user, kept incrementally: the Cosmos document of the <c>users</c> container
/// (id and partition key = userId; shape in docs/data-model.md). Partition-local: all of a user's events come
/// from one Event Hubs partition because userId is the partition key.
/// </summary>
public sealed class UserAggregate
{
    public const int SchemaVersion = 1;

    [JsonPropertyName("id")] public string Id { get; set; } = "";
    [JsonPropertyName("userId")] public string UserId { get; set; } = "";
    [JsonPropertyName("schema")] public int Schema { get; set; } = SchemaVersion;

    /// <summary>All-time count per type, indexed by <see cref="EventType"/>.</summary>
    [JsonPropertyName("counts")] public long[] Counts { get; set; } = new long[EventTypes.Count];

    /// <summary>All-time value sum per type, indexed by <see cref="EventType"/>.</summary>
    [JsonPropertyName("values")] public double[] Values { get; set; } = new double[EventTypes.Count];

    [JsonPropertyName("minute")] public List<WindowCounts> Minute { get; set; } = [];
    [JsonPropertyName("hour")] public List<WindowCounts> Hour { get; set; } = [];
    [JsonPropertyName("day")] public List<WindowCounts> Day { get; set; } = [];

    /// <summary>Category affinity decayed to <see cref="LastEventTime"/>.</summary>
    [JsonPropertyName("affinity")] public Dictionary<string, double> Affinity { get; set; } = new(StringComparer.Ordinal);

    /// <summary>The most recent distinct items, newest first.</summary>
    [JsonPropertyName("recentItems")] public List<RecentItem> RecentItems { get; set; } = [];

    [JsonPropertyName("firstEventTime")] public DateTimeOffset? FirstEventTime { get; set; }
    [JsonPropertyName("lastEventTime")] public DateTimeOffset? LastEventTime { get; set; }

    /// <summary>Per source partition, the highest sequence number already applied (exactly-once effect).</summary>
    [JsonPropertyName("watermarks")] public Dictionary<string, long> Watermarks { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Event ids seen within the duplicate horizon, oldest first.</summary>
    [JsonPropertyName("seen")] public List<SeenEvent> Seen { get; set; } = [];

    /// <summary>The store's concurrency token; not part of the document body.</summary>
    [JsonIgnore] public string? ETag { get; set; }

    public static UserAggregate Create(string userId) => new() { Id = userId, UserId = userId };

    public List<WindowCounts> Windows(WindowSize size) => size switch
    {
        WindowSize.Minute => Minute,
        WindowSize.Hour => Hour,
        _ => Day,
    };

    public long TotalEvents => Counts.Sum();

    /// <summary>
    /// Applies one partition's events for this user (in sequence order). Idempotent: events at or below the
    /// partition's watermark were applied by an earlier delivery and are skipped; producer duplicates are dropped.
    /// Writes one outcome per event into <paramref name="outcomes"/>.
    /// </summary>
    public void Apply(IReadOnlyList<SequencedEvent> events, string partitionId, AggregationRules rules, Span<EventOutcome> outcomes)
    {
        ArgumentNullException.ThrowIfNull(events);
        ArgumentNullException.ThrowIfNull(rules);
        if (outcomes.Length < events.Count)
        {
            throw new ArgumentException("one outcome slot per event is required", nameof(outcomes));
        }
        Watermarks.TryGetValue(partitionId, out var watermark);
        var hasWatermark = Watermarks.ContainsKey(partitionId);
        var dedupe = new DuplicateMemory(Seen, rules);
        var highest = hasWatermark ? watermark : long.MinValue;
        for (var i = 0; i < events.Count; i++)
        {
            var e = events[i];
            if (!dedupe.IsFirstDelivery(e.Event.EventId, partitionId, e.SequenceNumber, e.EnqueuedTime))
            {
                outcomes[i] = EventOutcome.Duplicate;
            }
            else if (hasWatermark && e.SequenceNumber <= watermark)
            {
                outcomes[i] = EventOutcome.AlreadyApplied;
            }
            else
            {
                outcomes[i] = Add(e.Event, rules) ? EventOutcome.Applied : EventOutcome.AppliedLate;
            }
            highest = Math.Max(highest, e.SequenceNumber);
        }
        if (events.Count > 0)
        {
            Watermarks[partitionId] = highest;
        }
        dedupe.Prune();
    }

    /// <summary>Adds one event; false when it missed at least one window because that window is past retention.</summary>
    internal bool Add(TreasureEvent e, AggregationRules rules)
    {
        var type = (int)e.Type;
        Counts[type]++;
        Values[type] += e.Value;

        var t = e.Timestamp;
        var previousLast = LastEventTime;
        if (FirstEventTime is null || t < FirstEventTime) FirstEventTime = t;
        if (LastEventTime is null || t > LastEventTime) LastEventTime = t;

        AddAffinity(e, previousLast, rules);
        AddRecentItem(e.ItemId, t, rules.RecentItems);

        var inAll = true;
        foreach (var size in (ReadOnlySpan<WindowSize>)[WindowSize.Minute, WindowSize.Hour, WindowSize.Day])
        {
            var windows = Windows(size);
            var newest = size.StartOf(LastEventTime!.Value);
            inAll &= WindowList.Add(windows, size.StartOf(t), newest, size.Seconds(), rules.KeepOf(size), e.Type, 1);
            if (LastEventTime != previousLast)
            {
                WindowList.Prune(windows, newest, size.Seconds(), rules.KeepOf(size));
            }
        }
        return inAll;
    }

    private void AddAffinity(TreasureEvent e, DateTimeOffset? previousReference, AggregationRules rules)
    {
        // Scores are kept decayed to the reference time tRef = LastEventTime. A newer event moves tRef forward and
        // decays every score by 0.5^(Δ/halfLife); an older one is added already decayed. Σ w·v·0.5^((tRef−t)/h) is
        // therefore the same whatever the arrival order (up to floating-point rounding).
        if (previousReference is { } oldRef && LastEventTime > oldRef)
        {
            var factor = rules.Decay((LastEventTime.Value - oldRef).TotalSeconds);
            foreach (var key in Affinity.Keys)
            {
                Affinity[key] *= factor;
            }
        }
        var contribution = rules.Weights[(int)e.Type] * e.Value * rules.Decay((LastEventTime!.Value - e.Timestamp).TotalSeconds);
        Affinity[e.Category] = Affinity.GetValueOrDefault(e.Category) + contribution;
    }

    private void AddRecentItem(string itemId, DateTimeOffset time, int keep)
    {
        var existing = RecentItems.FindIndex(r => r.ItemId == itemId);
        if (existing >= 0)
        {
            if (RecentItems[existing].Time >= time)
            {
                return;
            }
            RecentItems.RemoveAt(existing);
        }
        var candidate = new RecentItem { ItemId = itemId, Time = time };
        var index = 0;
        while (index < RecentItems.Count && RecentItem.NewestFirst.Compare(RecentItems[index], candidate) < 0)
        {
            index++;
        }
        if (index >= keep)
        {
            return;
        }
        RecentItems.Insert(index, candidate);
        if (RecentItems.Count > keep)
        {
            RecentItems.RemoveRange(keep, RecentItems.Count - keep);
        }
    }
}

/// <summary>One of a user's most recent distinct items.</summary>
public sealed class RecentItem
{
    [JsonPropertyName("itemId")] public string ItemId { get; set; } = "";
    [JsonPropertyName("time")] public DateTimeOffset Time { get; set; }

    /// <summary>Newest first; ties by itemId ascending, so the kept set never depends on arrival order.</summary>
    public static readonly IComparer<RecentItem> NewestFirst = Comparer<RecentItem>.Create((a, b) =>
    {
        var byTime = b.Time.CompareTo(a.Time);
        return byTime != 0 ? byTime : string.CompareOrdinal(a.ItemId, b.ItemId);
    });
}

/// <summary>An event id remembered for duplicate detection: where its first delivery came from and when it was enqueued.</summary>
public sealed class SeenEvent
{
    [JsonPropertyName("e")] public string EventId { get; set; } = "";
    [JsonPropertyName("p")] public string PartitionId { get; set; } = "";
    [JsonPropertyName("q")] public long SequenceNumber { get; set; }
    [JsonPropertyName("t")] public DateTimeOffset EnqueuedTime { get; set; }
}
