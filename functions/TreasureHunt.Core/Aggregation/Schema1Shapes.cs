using System.Text.Json.Serialization;

namespace TreasureHunt.Core.Aggregation;

// The parts of a schema-1 user document (the earlier fixed-shape document) that UserDocument reads to upgrade
// it, and DeliveryState.FromSchema1 takes over. Never written by the product any more.

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

    /// <summary>Whether <paramref name="a"/> comes strictly before <paramref name="b"/> under <see cref="NewestFirst"/>.</summary>
    internal static bool Before(RecentItem a, RecentItem b) =>
        a.Time != b.Time ? a.Time > b.Time : string.CompareOrdinal(a.ItemId, b.ItemId) < 0;
}

/// <summary>A delivery that was dropped as a producer duplicate.</summary>
public sealed class DuplicateDelivery
{
    [JsonPropertyName("p")] public string PartitionId { get; set; } = "";
    [JsonPropertyName("q")] public long SequenceNumber { get; set; }
    [JsonPropertyName("t")] public DateTimeOffset EnqueuedTime { get; set; }
}

/// <summary>An event id remembered for duplicate detection: where its first delivery came from and when it was enqueued.</summary>
public sealed class SeenEvent
{
    [JsonPropertyName("e")] public string EventId { get; set; } = "";
    [JsonPropertyName("p")] public string PartitionId { get; set; } = "";
    [JsonPropertyName("q")] public long SequenceNumber { get; set; }
    [JsonPropertyName("t")] public DateTimeOffset EnqueuedTime { get; set; }
}
