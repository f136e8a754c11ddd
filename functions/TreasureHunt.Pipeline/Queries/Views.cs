using TreasureHunt.Core.Aggregation;
using TreasureHunt.Core.Events;
using TreasureHunt.Core.Features;
using TreasureHunt.Core.Rollups;

namespace TreasureHunt.Pipeline.Queries;

// The JSON shapes of the query API (camelCase). Times are UTC ISO-8601 with Z.

internal sealed record TypeTotal(long Count, double Value);

internal sealed record WindowView(DateTime Start, IReadOnlyDictionary<string, long> Counts);

internal sealed record AffinityView(string Category, double Score);

internal sealed record RecentItemView(string ItemId, DateTime Time);

internal sealed record UserProfileView(
    string UserId,
    IReadOnlyDictionary<string, TypeTotal> Totals,
    IReadOnlyDictionary<string, IReadOnlyList<WindowView>> Windows,
    IReadOnlyList<AffinityView> Affinity,
    IReadOnlyList<RecentItemView> RecentItems,
    DateTime? FirstEventTime,
    DateTime? LastEventTime)
{
    /// <summary>
    /// The profile from the user's features: totals from <c>events</c> (count by type) and <c>value</c> (sum by type),
    /// windows from the minute/hour/day tiles of <c>events</c>, <c>affinity</c> (decayed sum) and <c>recentItems</c>
    /// (last-k distinct). With the default definitions this is exactly the schema-1 profile; a part whose feature is not
    /// declared is empty. Every declared event type is listed.
    /// </summary>
    public static UserProfileView From(UserDocument a, CompiledDefinitions definitions)
    {
        a.Bind(definitions);
        var names = definitions.TypeNames;
        var events = a.Feature("events");
        var values = a.Feature("value");
        var affinity = a.Feature("affinity");
        var recent = a.Feature("recentItems");
        return new UserProfileView(
            a.UserId,
            names.Select((name, i) => (name, i)).ToDictionary(x => x.name, x => new TypeTotal(At(events?.Counts, x.i), At(values?.Sums, x.i))),
            new Dictionary<string, IReadOnlyList<WindowView>>
            {
                ["minute"] = TileViews(events, WindowSize.Minute, names),
                ["hour"] = TileViews(events, WindowSize.Hour, names),
                ["day"] = TileViews(events, WindowSize.Day, names),
            },
            (affinity?.Scores ?? []).Select(kv => new AffinityView(kv.Key, kv.Value))
                .OrderByDescending(x => x.Score).ThenBy(x => x.Category, StringComparer.Ordinal).ToList(),
            recent?.Ids is { } ids ? ids.Select((id, i) => new RecentItemView(id, new DateTime(recent.IdTicks![i], DateTimeKind.Utc))).ToList() : [],
            a.FirstEventTime?.UtcDateTime,
            a.LastEventTime?.UtcDateTime);
    }

    private static long At(long[]? counts, int i) => counts is not null && i < counts.Length ? counts[i] : 0;

    private static double At(double[]? sums, int i) => sums is not null && i < sums.Length ? sums[i] : 0;

    /// <summary>The non-empty tiles of a count-by-type feature's ring, oldest first (the schema-1 window list).</summary>
    internal static IReadOnlyList<WindowView> TileViews(FeatureState? feature, WindowSize unit, string[] names)
    {
        if (feature?.Tiles is null || !feature.Tiles.TryGetValue(unit.Name(), out var ring) || ring.Counts is null)
        {
            return [];
        }
        var length = unit.Seconds();
        return ring.NonEmptyTiles()
            .Select(tile => new WindowView(
                DateTimeOffset.FromUnixTimeSeconds(tile * length).UtcDateTime,
                names.Select((name, i) => (name, i)).ToDictionary(x => x.name, x => x.i < ring.Buckets ? ring.CountAt(tile, x.i) : 0)))
            .ToList();
    }

    internal static IReadOnlyList<WindowView> WindowViews(IEnumerable<WindowCounts> windows, string[] names) =>
        windows.OrderBy(w => w.Start).Select(w => new WindowView(DateTimeOffset.FromUnixTimeSeconds(w.Start).UtcDateTime, Counts(w.Counts, names))).ToList();

    /// <summary>Counts by declared type name (0 for a type the array does not reach yet).</summary>
    internal static IReadOnlyDictionary<string, long> Counts(long[] counts, string[] names) =>
        names.Select((name, i) => (name, i)).ToDictionary(x => x.name, x => PerType.At(counts, x.i));
}

internal sealed record ItemStatsView(string ItemId, IReadOnlyDictionary<string, long> Totals, IReadOnlyList<WindowView> Hours)
{
    public static ItemStatsView From(string itemId, ItemStats stats, IEnumerable<Core.Aggregation.WindowCounts> hours, string[] names) =>
        new(itemId, UserProfileView.Counts(stats.Totals, names), UserProfileView.WindowViews(hours.ToList(), names));
}

internal sealed record LeaderboardItem(string ItemId, long Count);

internal sealed record LeaderboardView(string Type, string Window, DateTime? Start, IReadOnlyList<LeaderboardItem> Items);

internal sealed record TotalsView(long Events, IReadOnlyDictionary<string, long> ByType, long DuplicatesDropped, long DeadLettered, long Late, long Parked)
{
    public static TotalsView From(GlobalCounters c, string[] names) =>
        new(c.Events, UserProfileView.Counts(c.ByType, names), c.DuplicatesDropped, c.DeadLettered, c.Late, c.Parked);
}

public sealed record DeadLetterView(string Reason, string Detail, string PartitionId, long SequenceNumber, DateTime EnqueuedTime, string Payload, bool PayloadTruncated)
{
    public static DeadLetterView From(DeadLetter d) =>
        new(d.ReasonCode, d.Detail, d.PartitionId, d.SequenceNumber, d.EnqueuedTime.UtcDateTime, d.Payload, d.PayloadTruncated);
}

internal sealed record DeadLettersView(DateTime From, DateTime To, IReadOnlyList<DeadLetterView> Items);

internal sealed record UsdView(decimal Compute, decimal Executions, decimal Cosmos, decimal EventHubs, decimal Total);

internal sealed record CostGroupView(string Key, long Invocations, long Events, double Ru, UsdView Usd);

internal sealed record CostView(
    DateTime From, DateTime To, long Invocations, long Events, double Ru, bool RuEstimated, UsdView Usd,
    decimal? UsdPerMillionEvents, decimal QueryUsdPerHour, IReadOnlyList<CostGroupView> Groups);

/// <summary>The definitions versions this host knows (<c>GET /api/features/versions</c>): <c>active</c> is served, <c>configured</c> is what this host's batch processor runs.</summary>
internal sealed record DefinitionsVersionsView(int Active, int Configured, DateTimeOffset RegistryReadAt, IReadOnlyList<DefinitionsVersionView> Versions);

/// <summary>One definitions version: its status (backfilling, live), its users container, whether reads may ask for it, its user features.</summary>
internal sealed record DefinitionsVersionView(int Version, string Status, string UsersContainer, bool Readable, IReadOnlyList<string> UserFeatures);

internal sealed record UserFeaturesView(string UserId, int Version, string Window, IReadOnlyDictionary<string, object?> Features);

internal sealed record ItemFeaturesView(string ItemId, int Version, string Window, IReadOnlyDictionary<string, object?> Features);

/// <summary>User document writes attributed to features: bytes and the RU (estimated from sizes, split by bytes) and Cosmos $ they cost.</summary>
internal sealed record FeatureCostItemView(string Feature, long Writes, long Bytes, double BytesPerWrite, double Ru, decimal CosmosUsd);

internal sealed record FeatureCostView(DateTime From, DateTime To, bool RuEstimated, IReadOnlyList<FeatureCostItemView> Features);

internal sealed record HealthView(string Status, IReadOnlyDictionary<string, bool> Checks, IReadOnlyDictionary<string, object?> Details);

internal sealed record LivenessView(string Status);

/// <summary>A keyed group's features for one key: the key as its fields' typed values (number, boolean or text).</summary>
internal sealed record GroupFeaturesView(string Group, IReadOnlyDictionary<string, object> Key, int Version, string Window, IReadOnlyDictionary<string, object?> Features);

internal sealed record KeyedLeaderEntryView(IReadOnlyDictionary<string, object> Key, double Value);

/// <summary>One window of a declared leaderboard: value descending, ties by key ascending; From/To are null for all time.</summary>
internal sealed record KeyedLeaderboardView(string Name, string Group, string Window, DateTime? From, DateTime? To, IReadOnlyList<KeyedLeaderEntryView> Entries);
