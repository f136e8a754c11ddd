using TreasureHunt.Core.Aggregation;
using TreasureHunt.Core.Events;
using TreasureHunt.Core.Rollups;

namespace TreasureHunt.Pipeline.Queries;

// The JSON shapes of the query API (camelCase). Times are UTC ISO-8601 with Z.

public sealed record TypeTotal(long Count, double Value);

public sealed record WindowView(DateTime Start, IReadOnlyDictionary<string, long> Counts);

public sealed record AffinityView(string Category, double Score);

public sealed record RecentItemView(string ItemId, DateTime Time);

public sealed record UserProfileView(
    string UserId,
    IReadOnlyDictionary<string, TypeTotal> Totals,
    IReadOnlyDictionary<string, IReadOnlyList<WindowView>> Windows,
    IReadOnlyList<AffinityView> Affinity,
    IReadOnlyList<RecentItemView> RecentItems,
    DateTime? FirstEventTime,
    DateTime? LastEventTime)
{
    public static UserProfileView From(UserAggregate a) => new(
        a.UserId,
        EventTypes.Names.Select((name, i) => (name, i)).ToDictionary(x => x.name, x => new TypeTotal(a.Counts[x.i], a.Values[x.i])),
        new Dictionary<string, IReadOnlyList<WindowView>>
        {
            ["minute"] = WindowViews(a.Minute),
            ["hour"] = WindowViews(a.Hour),
            ["day"] = WindowViews(a.Day),
        },
        a.Affinity.Select(kv => new AffinityView(kv.Key, kv.Value))
            .OrderByDescending(x => x.Score).ThenBy(x => x.Category, StringComparer.Ordinal).ToList(),
        a.RecentItems.Select(r => new RecentItemView(r.ItemId, r.Time.UtcDateTime)).ToList(),
        a.FirstEventTime?.UtcDateTime,
        a.LastEventTime?.UtcDateTime);

    internal static IReadOnlyList<WindowView> WindowViews(IEnumerable<WindowCounts> windows) =>
        windows.OrderBy(w => w.Start).Select(w => new WindowView(DateTimeOffset.FromUnixTimeSeconds(w.Start).UtcDateTime, Counts(w.Counts))).ToList();

    internal static IReadOnlyDictionary<string, long> Counts(long[] counts) =>
        EventTypes.Names.Select((name, i) => (name, i)).ToDictionary(x => x.name, x => counts[x.i]);
}

public sealed record ItemStatsView(string ItemId, IReadOnlyDictionary<string, long> Totals, IReadOnlyList<WindowView> Hours)
{
    public static ItemStatsView From(string itemId, ItemStats stats) =>
        new(itemId, UserProfileView.Counts(stats.Totals), UserProfileView.WindowViews(stats.Hours));
}

public sealed record LeaderboardItem(string ItemId, long Count);

public sealed record LeaderboardView(string Type, string Window, DateTime? Start, IReadOnlyList<LeaderboardItem> Items);

public sealed record TotalsView(long Events, IReadOnlyDictionary<string, long> ByType, long DuplicatesDropped, long DeadLettered, long Late, long Parked)
{
    public static TotalsView From(GlobalCounters c) =>
        new(c.Events, UserProfileView.Counts(c.ByType), c.DuplicatesDropped, c.DeadLettered, c.Late, c.Parked);
}

public sealed record DeadLetterView(string Reason, string Detail, string PartitionId, long SequenceNumber, DateTime EnqueuedTime, string Payload, bool PayloadTruncated)
{
    public static DeadLetterView From(DeadLetter d) =>
        new(d.ReasonCode, d.Detail, d.PartitionId, d.SequenceNumber, d.EnqueuedTime.UtcDateTime, d.Payload, d.PayloadTruncated);
}

public sealed record DeadLettersView(DateTime From, DateTime To, IReadOnlyList<DeadLetterView> Items);

public sealed record UsdView(decimal Compute, decimal Executions, decimal Cosmos, decimal EventHubs, decimal Total);

public sealed record CostGroupView(string Key, long Invocations, long Events, double Ru, UsdView Usd);

public sealed record CostView(
    DateTime From, DateTime To, long Invocations, long Events, double Ru, bool RuEstimated, UsdView Usd,
    decimal? UsdPerMillionEvents, decimal QueryUsdPerHour, IReadOnlyList<CostGroupView> Groups);

public sealed record HealthView(string Status, IReadOnlyDictionary<string, bool> Checks, IReadOnlyDictionary<string, object?> Details);

public sealed record LivenessView(string Status);
