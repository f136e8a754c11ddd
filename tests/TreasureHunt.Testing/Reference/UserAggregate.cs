using System.Runtime.InteropServices;
using System.Text.Json.Serialization;
using TreasureHunt.Core.Aggregation;
using TreasureHunt.Core.Events;

namespace TreasureHunt.Testing.Reference;

/// <summary>
/// REFERENCE IMPLEMENTATION (tests only): the schema-1 user aggregate exactly as the product ran it before feature
/// definitions — a fixed object graph with the five types, hard-coded windows and affinity. The bridge test
/// (<c>UserDocumentVersusReferenceTests</c>) compares the product's <see cref="UserDocument"/> (compiled from the
/// default definitions) with it on random streams, and the schema-1 fixtures were written by it.
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

    /// <summary>
    /// The deliveries (partition, sequence number) of the latest batch found to be producer duplicates. Only the
    /// latest batch can be redelivered without being skipped (earlier ones are behind the partition's progress), and a
    /// redelivered message is re-decided from this list before <see cref="Seen"/>, so the decision stays the same
    /// even when <see cref="Seen"/> has meanwhile forgotten the original (the horizon counted from a newer event, or
    /// the per-user cap). Entries older than the oldest event of the latest batch are dropped: the list stays short.
    /// </summary>
    [JsonPropertyName("duplicates")] public List<DuplicateDelivery> Duplicates { get; set; } = [];

    /// <summary>The store's concurrency token; not part of the document body.</summary>
    [JsonIgnore] public string? ETag { get; set; }

    /// <summary>The duplicate index over <see cref="Seen"/>, kept between batches while this instance lives (not serialized).</summary>
    private DuplicateMemory? _duplicates;

    /// <summary>The ids and times of <see cref="RecentItems"/> in arrays, kept while this instance lives (not serialized).</summary>
    private RecentIndex? _recent;

    /// <summary>A few pruned windows, reused for new ones while this instance lives (not serialized).</summary>
    private Stack<WindowCounts>? _spareWindows;

    public static UserAggregate Create(string userId) => new() { Id = userId, UserId = userId };

    public List<WindowCounts> Windows(WindowSize size) => size switch
    {
        WindowSize.Minute => Minute,
        WindowSize.Hour => Hour,
        _ => Day,
    };

    [JsonIgnore] public long TotalEvents => Counts.Sum();

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
        var hasWatermark = Watermarks.TryGetValue(partitionId, out var watermark);
        var dedupe = _duplicates = DuplicateMemory.For(Seen, _duplicates);
        var highest = hasWatermark ? watermark : long.MinValue;
        var anyNew = false;
        for (var i = 0; i < events.Count; i++)
        {
            var e = events[i];
            var redelivered = hasWatermark && e.SequenceNumber <= watermark;
            anyNew |= !redelivered;
            // A redelivered message only looks the memory up (never changes it); its recorded decision comes first.
            if ((redelivered && WasDuplicate(partitionId, e.SequenceNumber))
                || !dedupe.IsFirstDelivery(e.Event.EventId, partitionId, e.SequenceNumber, e.EnqueuedTime, rules.DuplicateHorizon, remember: !redelivered))
            {
                outcomes[i] = EventOutcome.Duplicate;
                if (!redelivered)
                {
                    Duplicates.Add(new DuplicateDelivery { PartitionId = partitionId, SequenceNumber = e.SequenceNumber, EnqueuedTime = e.EnqueuedTime });
                }
            }
            else if (redelivered)
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
        dedupe.Prune(rules.DuplicateHorizon, rules.MaxRememberedEventIds);
        if (Duplicates.Count > 0 && anyNew)
        {
            // Only this batch (with any redelivered part) can be redelivered without being skipped: forget duplicates
            // older than its oldest event. A pure redelivery changes nothing, so it prunes nothing either.
            var oldest = events[0].EnqueuedTime;
            for (var i = 1; i < events.Count; i++) if (events[i].EnqueuedTime < oldest) oldest = events[i].EnqueuedTime;
            Duplicates.RemoveAll(d => d.EnqueuedTime < oldest);
        }
    }

    private bool WasDuplicate(string partitionId, long sequenceNumber)
    {
        foreach (var d in Duplicates)
        {
            if (d.SequenceNumber == sequenceNumber && d.PartitionId == partitionId) return true;
        }
        return false;
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
        var advanced = previousLast is null || t > previousLast.Value;
        if (advanced) LastEventTime = t;
        var last = LastEventTime!.Value;

        AddAffinity(e, previousLast, last, rules);
        AddRecentItem(e.ItemId, t, rules.RecentItems);

        var eventSeconds = t.ToUnixTimeSeconds();
        var lastSeconds = last.ToUnixTimeSeconds();
        var inAll = true;
        var spare = _spareWindows ??= new Stack<WindowCounts>(WindowList.MaxSpare);
        foreach (var size in (ReadOnlySpan<WindowSize>)[WindowSize.Minute, WindowSize.Hour, WindowSize.Day])
        {
            var windows = Windows(size);
            var length = size.Seconds();
            var newest = WindowSizes.StartOf(lastSeconds, length);
            // Pruning before adding leaves the same windows as adding first (a window past retention is not added),
            // and lets the event's new window reuse a pruned one.
            if (advanced)
            {
                WindowList.Prune(windows, newest, length, rules.KeepOf(size), spare);
            }
            inAll &= WindowList.Add(windows, WindowSizes.StartOf(eventSeconds, length), newest, length, rules.KeepOf(size), e.Type, 1, spare);
        }
        return inAll;
    }

    private void AddAffinity(TreasureEvent e, DateTimeOffset? previousReference, DateTimeOffset reference, AggregationRules rules)
    {
        // Scores are kept decayed to the reference time tRef = LastEventTime. A newer event moves tRef forward and
        // decays every score by 0.5^(Δ/halfLife); an older one is added already decayed. Σ w·v·0.5^((tRef−t)/h) is
        // therefore the same whatever the arrival order (up to floating-point rounding).
        if (previousReference is { } oldRef && reference > oldRef)
        {
            var factor = rules.Decay((reference - oldRef).TotalSeconds);
            foreach (var key in Affinity.Keys)
            {
                CollectionsMarshal.GetValueRefOrNullRef(Affinity, key) *= factor;
            }
        }
        var contribution = rules.Weights[(int)e.Type] * e.Value * rules.Decay((reference - e.Timestamp).TotalSeconds);
        CollectionsMarshal.GetValueRefOrAddDefault(Affinity, e.Category, out _) += contribution;
    }

    private void AddRecentItem(string itemId, DateTimeOffset time, int keep)
    {
        // The list is short (20) and ordered by RecentItem.NewestFirst. Ids and times are looked at in the index's
        // arrays rather than in the RecentItem objects, and an entry is moved rather than re-created.
        var items = RecentItems;
        var index = _recent = RecentIndex.For(items, _recent, keep);
        var ids = index.Ids;
        var ticks = index.Ticks;
        var count = items.Count;
        var newTicks = time.UtcTicks;
        var existing = -1;
        for (var i = 0; i < count; i++)
        {
            if (string.Equals(ids[i], itemId, StringComparison.Ordinal))
            {
                existing = i;
                break;
            }
        }
        RecentItem? entry = null;
        if (existing >= 0)
        {
            if (ticks[existing] >= newTicks)
            {
                return;
            }
            entry = items[existing];
            items.RemoveAt(existing);
            index.RemoveAt(existing, --count);
        }
        var at = 0;
        while (at < count && (ticks[at] != newTicks ? ticks[at] > newTicks : string.CompareOrdinal(ids[at], itemId) < 0))
        {
            at++;
        }
        if (at < keep)
        {
            if (entry is null && count == keep)
            {
                // The list is full: its last entry is about to drop out, so it becomes the new one.
                entry = items[count - 1];
                items.RemoveAt(count - 1);
                index.RemoveAt(count - 1, --count);
                entry.ItemId = itemId;
                entry.Time = time;
            }
            else if (entry is null)
            {
                entry = new RecentItem { ItemId = itemId, Time = time };
            }
            else
            {
                entry.Time = time;
            }
            items.Insert(at, entry);
            index.Insert(at, count++, itemId, newTicks);
            if (count > keep)
            {
                items.RemoveRange(keep, count - keep);
            }
        }
        index.Snapshot(items);
    }

    /// <summary>The recent items' ids and times in two arrays, kept in step with <see cref="RecentItems"/> (not serialized).</summary>
    private sealed class RecentIndex
    {
        private List<RecentItem>? _list;
        private int _count;
        private RecentItem? _first, _last;
        public string[] Ids = [];
        public long[] Ticks = [];

        public static RecentIndex For(List<RecentItem> items, RecentIndex? cached, int keep)
        {
            var index = cached ?? new RecentIndex();
            var capacity = Math.Max(keep, items.Count) + 1;
            if (!index.Describes(items) || index.Ids.Length < capacity)
            {
                index.Ids = new string[capacity];
                index.Ticks = new long[capacity];
                for (var i = 0; i < items.Count; i++)
                {
                    index.Ids[i] = items[i].ItemId;
                    index.Ticks[i] = items[i].Time.UtcTicks;
                }
                index.Snapshot(items);
            }
            return index;
        }

        private bool Describes(List<RecentItem> items) =>
            ReferenceEquals(_list, items) && items.Count == _count &&
            (_count == 0 || (ReferenceEquals(items[0], _first) && ReferenceEquals(items[^1], _last)));

        public void Snapshot(List<RecentItem> items)
        {
            _list = items;
            _count = items.Count;
            _first = _count > 0 ? items[0] : null;
            _last = _count > 0 ? items[^1] : null;
        }

        /// <summary>Removes position <paramref name="at"/>; <paramref name="newCount"/> is the count after removal.</summary>
        public void RemoveAt(int at, int newCount)
        {
            Array.Copy(Ids, at + 1, Ids, at, newCount - at);
            Array.Copy(Ticks, at + 1, Ticks, at, newCount - at);
            Ids[newCount] = null!;
        }

        /// <summary>Inserts at <paramref name="at"/> into <paramref name="count"/> entries (the arrays have room for one more).</summary>
        public void Insert(int at, int count, string id, long ticks)
        {
            Array.Copy(Ids, at, Ids, at + 1, count - at);
            Array.Copy(Ticks, at, Ticks, at + 1, count - at);
            Ids[at] = id;
            Ticks[at] = ticks;
        }
    }
}

