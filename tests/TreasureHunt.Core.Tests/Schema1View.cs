using TreasureHunt.Core.Aggregation;
using TreasureHunt.Core.Events;

namespace TreasureHunt.Core.Tests;

/// <summary>An event id the delivery state remembers: its hash, and where and when its first counted copy was enqueued.</summary>
internal readonly record struct RememberedId(ulong Hash, string PartitionId, long SequenceNumber, DateTimeOffset EnqueuedTime);

/// <summary>
/// A <see cref="UserDocument"/> of the default definitions read in the terms of the schema-1 document: counts and sums
/// per type, minute/hour/day windows, affinity, recent items, watermarks and remembered ids. The mapping is the one
/// the bridge test (<c>UserDocumentVersusReferenceTests.AssertSame</c>) checks against the reference.
/// </summary>
internal static class Schema1View
{
    extension(UserDocument document)
    {
        /// <summary>All-time count per type (the <c>events</c> feature).</summary>
        public long[] Counts => document.Feature("events")!.Counts!;

        /// <summary>All-time value sum per type (the <c>value</c> feature).</summary>
        public double[] Values => document.Feature("value")!.Sums!;

        public List<WindowCounts> Minute => document.Windows(WindowSize.Minute);
        public List<WindowCounts> Hour => document.Windows(WindowSize.Hour);
        public List<WindowCounts> Day => document.Windows(WindowSize.Day);

        /// <summary>The non-empty tiles of the <c>events</c> feature's <paramref name="size"/> window, oldest first (a copy).</summary>
        public List<WindowCounts> Windows(WindowSize size)
        {
            var ring = document.Feature("events")!.Tiles![size.Name()];
            return ring.NonEmptyTiles()
                .Select(tile => new WindowCounts
                {
                    Start = tile * size.Seconds(),
                    Counts = Enumerable.Range(0, ring.Buckets).Select(b => ring.CountAt(tile, b)).ToArray(),
                })
                .ToList();
        }

        /// <summary>Category affinity decayed to the last event time (the <c>affinity</c> feature).</summary>
        public Dictionary<string, double> Affinity => document.Feature("affinity")!.Scores ?? [];

        /// <summary>The most recent distinct items, newest first (the <c>recentItems</c> feature; a copy).</summary>
        public List<RecentItem> RecentItems
        {
            get
            {
                var recent = document.Feature("recentItems")!;
                return (recent.Ids ?? []).Zip(recent.IdTicks ?? [])
                    .Select(x => new RecentItem { ItemId = x.First, Time = new DateTimeOffset(x.Second, TimeSpan.Zero) })
                    .ToList();
            }
        }

        /// <summary>Per source partition, the highest sequence number applied (a copy).</summary>
        public Dictionary<string, long> Watermarks => new(document.Delivery.Watermarks, StringComparer.Ordinal);

        /// <summary>The remembered event ids in the delivery state's order (a copy).</summary>
        public List<RememberedId> Seen
        {
            get
            {
                var delivery = document.Delivery;
                var partitions = delivery.Partitions;
                var seen = new List<RememberedId>(delivery.RememberedIds);
                foreach (var e in delivery.Entries)
                {
                    seen.Add(new RememberedId(e.Hash, partitions[e.Partition], e.Sequence, new DateTimeOffset(e.Ticks, TimeSpan.Zero)));
                }
                return seen;
            }
        }
    }

    /// <summary>The hashes under which the delivery state remembers <paramref name="eventIds"/>.</summary>
    public static ulong[] Hashes(params string[] eventIds) => eventIds.Select(id => DeliveryState.HashOf(id)).ToArray();

    public static ulong Hash(string eventId) => DeliveryState.HashOf(eventId);
}
