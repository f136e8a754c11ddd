using TreasureHunt.Core.Events;
using TreasureHunt.Pipeline.Queries;

namespace TreasureHunt.Local.OpenApi;

/// <summary>
/// What the route handlers cannot tell the OpenAPI generator by themselves (they read the query string and return
/// host-neutral <see cref="ApiResponse"/>s): per route, the Functions app's function name (operationId), the body
/// type of a 200, the problem statuses, the query parameters, and whether it needs the function key.
/// A route the hosts serve but this table lacks makes <c>./th openapi</c> fail with its name — add its entry here
/// when you add a route (then run <c>./th openapi --out docs/openapi.json</c>).
/// </summary>
internal static class ApiContract
{
    public sealed record Query(string Name, string Description, string Type = "string", string? Format = null, string[]? Enum = null, string? Default = null, bool Required = false);

    public sealed record Operation(string Method, string Path, string OperationId, string Summary, Type Response, int[] Problems, Query[] Parameters, bool Keyed = true,
        int SuccessStatus = 200)
    {
        /// <summary>The operation's group in the document (tag).</summary>
        public string Tag => OperationId switch
        {
            "Health" or "Ready" or "DeadLetters" or "Parked" or "ReplayParked" => "operations",
            "EraseUser" or "Erasure" => "personal-data",
            "FinOpsCost" => "finops",
            _ => "aggregates",
        };
    }

    public static readonly IReadOnlyDictionary<string, string> Tags = new Dictionary<string, string>
    {
        ["aggregates"] = "Per-user aggregates, item stats, leaderboards and totals.",
        ["finops"] = "Modeled cost from the per-invocation cost ledger.",
        ["operations"] = "Health and dead letters.",
        ["personal-data"] = "Erase a user's data (GDPR Art. 17) and follow the erasure.",
    };

    private static readonly Query[] Range =
    [
        new("from", "Start of the range (ISO-8601, inclusive).", Format: "date-time"),
        new("to", "End of the range (ISO-8601, exclusive). Default: now.", Format: "date-time"),
    ];

    public static readonly IReadOnlyList<Operation> Operations =
    [
        new("GET", "/api/users/{userId}/profile", "UserProfile", "A user's aggregate: totals per type, minute/hour/day windows, category affinity, recent items.",
            typeof(UserProfileView), [400, 404], []),
        new("GET", "/api/users/{userId}/features", "UserFeatures", "Declared user features by name (feature definitions), for the lifetime, a sliding window merged from the feature's tiles, or the tumbling tile containing a time.",
            typeof(UserFeaturesView), [400, 404],
            [
                new("names", "Comma-separated feature names of the 'user' group (default: all of them)."),
                new("window", "'lifetime', a sliding window lastN followed by m, h or d (for example last30m), or a tumbling 'minute', 'hour' or 'day' with 'at' (the answer's window names the tile: hour@2026-11-27T13:00:00Z).", Default: "lifetime"),
                new("at", "With window=minute|hour|day: a time in the tile (ISO-8601 with an offset or Z). Default: now. A tile outside the feature's retention, or after the current one, is a 400.", Format: "date-time"),
                new("version", "A readable definitions version to answer from (default: the active one; GET /api/features/versions lists them)."),
            ]),
        new("GET", "/api/features/versions", "DefinitionsVersions", "The registered feature-definitions versions: the active (served) one, the shadows being back-filled or kept current, which are readable.",
            typeof(DefinitionsVersionsView), [], []),
        new("GET", "/api/items/{itemId}/features", "ItemFeatures", "Declared item features by name, for the lifetime or a sliding window of hour tiles (rollups lag the stream).",
            typeof(ItemFeaturesView), [400, 404],
            [
                new("names", "Comma-separated feature names of the 'item' group (default: all of them)."),
                new("window", "'lifetime', a sliding window lastNh (for example last6h), or 'hour' with 'at'.", Default: "lifetime"),
                new("at", "With window=hour: a time in the hour tile (ISO-8601). Default: now.", Format: "date-time"),
            ]),
        new("GET", "/api/items/{itemId}/stats", "ItemStats", "An item's counts per type, all time and per hour window (rollups lag the stream by up to Rollups:FlushMaxAgeSeconds).",
            typeof(ItemStatsView), [400, 404], []),
        new("GET", "/api/leaderboard", "Leaderboard", "The top items for an event type, in an hour window or all time.",
            typeof(LeaderboardView), [400],
            [
                new("type", "Event type: one declared in the feature definitions (the default ones are listed).", Enum: [.. TreasureHunt.Core.Features.CompiledDefinitions.Default.TypeNames], Required: true),
                new("window", "'hour' (the hour window containing 'at') or 'all' (all time).", Enum: ["hour", "all"], Default: "hour"),
                new("at", "A time in the hour window (ISO-8601). Default: now.", Format: "date-time"),
                new("top", $"How many items (1..{QueryApi.MaxLeaderboardTop}).", Type: "integer", Default: "10"),
            ]),
        new("GET", "/api/groups/{group}/features", "GroupFeatures", "A keyed group's features for one key: each key field of the group is a query parameter (for example ?itemId=a-1&country=DE); lifetime, a sliding window or a tumbling tile, as the user features route (rollups lag the stream).",
            typeof(GroupFeaturesView), [400, 404],
            [
                new("names", "Comma-separated feature names of the group (default: all of them)."),
                new("window", "'lifetime', a sliding window lastN followed by m, h or d, or a tumbling 'minute', 'hour' or 'day' with 'at'.", Default: "lifetime"),
                new("at", "With window=minute|hour|day: a time in the tile (ISO-8601). Default: now.", Format: "date-time"),
            ]),
        new("GET", "/api/leaderboards/{name}", "NamedLeaderboard", "One window of a declared leaderboard: the group's keys ranked by the feature's value, value descending, ties by key ascending (one point read).",
            typeof(KeyedLeaderboardView), [400],
            [
                new("window", "'hour', 'day' or 'all' — one the leaderboard declares (default: its first).", Enum: ["hour", "day", "all"]),
                new("at", "A time in the hour or day window (ISO-8601). Default: now.", Format: "date-time"),
                new("top", "How many keys (1..the leaderboard's k).", Type: "integer", Default: "10"),
            ]),
        new("GET", "/api/totals", "Totals", "Stream-wide totals: events, by type, duplicates dropped, dead-lettered, late.",
            typeof(TotalsView), [], []),
        new("GET", "/api/deadletters", "DeadLetters", "Rejected messages with their reason code, newest first (default: the last 24 h).",
            typeof(DeadLettersView), [400],
            [.. Range, new("top", $"How many rows (1..{QueryApi.MaxDeadLetters}).", Type: "integer", Default: "100")]),
        new("GET", "/api/finops/cost", "FinOpsCost", "Modeled cost from the cost ledger: invocations, events, RU, $ by meter, $ per million events, query $ per hour (default: the last hour).",
            typeof(CostView), [400],
            [.. Range, new("groupBy", "Group the rows by function or by hour; 'feature' answers instead the user document writes attributed to each feature (FeatureCostView).", Enum: ["function", "hour", "feature"])]),
        new("GET", "/api/health", "Health", "Liveness: 200 while the host runs; touches no store (anonymous).",
            typeof(LivenessView), [], [], Keyed: false),
        new("GET", "/api/health/ready", "Ready", "Readiness: 200 when every store answers and no readiness detail fails, else 503 (same body); cached for 5 s.",
            typeof(HealthView), [], []),
        new("GET", "/api/parked", "Parked", "Messages parked because a store refused them for good (or a sequence gap), in partition and sequence order.",
            typeof(ParkedListView), [400],
            [
                new("partition", "Only this source partition."),
                new("status", "'parked' (waiting for replay) or 'all' (replayed and superseded rows too).", Enum: ["parked", "all"], Default: "parked"),
                new("top", "How many rows (1..1000).", Type: "integer", Default: "100"),
            ]),
        new("POST", "/api/parked/replay", "ReplayParked", "Re-applies parked messages exactly once (what ./th replay-parked calls); one replay at a time per host process.",
            typeof(ReplayView), [409], []),
        new("DELETE", "/api/users/{userId}", "EraseUser", "Requests the erasure of a user's data: an erase control message in the user's partition, applied in order with its events (202; follow it with GET /api/erasures/{erasureId}).",
            typeof(TreasureHunt.Pipeline.Erasure.ErasureAccepted), [400], [], SuccessStatus: 202),
        new("GET", "/api/erasures/{erasureId}", "Erasure", "Where an erasure stands: requested, or applied (partition, sequence number, what each store did). Shows the user id's hash, never the id.",
            typeof(TreasureHunt.Pipeline.Erasure.ErasureView), [400, 404], []),
    ];

    public static Operation? Find(string method, string path) =>
        Operations.FirstOrDefault(o => string.Equals(o.Method, method, StringComparison.OrdinalIgnoreCase) && string.Equals(o.Path, path, StringComparison.Ordinal));
}
