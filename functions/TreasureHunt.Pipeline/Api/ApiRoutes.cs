using TreasureHunt.Pipeline.Erasure;
using TreasureHunt.Pipeline.Processing;
using TreasureHunt.Pipeline.Queries;

namespace TreasureHunt.Pipeline.Api;

/// <summary>
/// The route table of the HTTP API: every route once, with its role, its documentation and its handler. The local host
/// maps these (plus its own <see cref="ApiRoute.LocalOnly"/> routes), the Functions app has one <c>[Function]</c>
/// per entry named by its operationId (a test checks both ways), and <c>./th openapi</c> documents them.
/// Adding a route: one entry here, its handler (e.g. in <see cref="QueryApi"/>), and on the Functions app a function
/// calling <c>ApiRoutes.Get(name)</c>; then <c>./th openapi --out docs/openapi.json</c>.
/// </summary>
public static class ApiRoutes
{
    public static readonly IReadOnlyDictionary<string, string> Tags = new Dictionary<string, string>
    {
        ["aggregates"] = "Per-user aggregates, item stats, leaderboards and totals.",
        ["finops"] = "Modeled cost from the per-invocation cost ledger.",
        ["operations"] = "Health, dead letters and parked messages.",
        ["personal-data"] = "Erase a user's data (GDPR Art. 17) and follow the erasure.",
        ["ingest"] = "Send events to the local host (in Azure producers send to Event Hubs).",
    };

    private static readonly ApiQuery[] Range =
    [
        new("from", "Start of the range (ISO-8601, inclusive).", Format: "date-time"),
        new("to", "End of the range (ISO-8601, exclusive). Default: now.", Format: "date-time"),
    ];

    public static readonly IReadOnlyList<ApiRoute> All =
    [
        new("GET", "users/{userId}/profile", ApiRole.Reader, "UserProfile", "Get a user's profile",
            "A user's aggregate: totals per type, minute/hour/day windows, category affinity, recent items.",
            "aggregates", typeof(UserProfileView), [400, 404], [],
            c => c.Get<QueryApi>().GetProfileAsync(c.Route("userId"), c.CancellationToken)),
        new("GET", "users/{userId}/features", ApiRole.Reader, "UserFeatures", "Get a user's features",
            "Declared user features by name (feature definitions), for the lifetime, a sliding window merged from the feature's tiles, or the tumbling tile containing a time.",
            "aggregates", typeof(UserFeaturesView), [400, 404],
            [
                new("names", "Comma-separated feature names of the 'user' group (default: all of them)."),
                new("window", "'lifetime', a sliding window lastN followed by m, h or d (for example last30m), or a tumbling 'minute', 'hour' or 'day' with 'at' (the answer's window names the tile: hour@2026-11-27T13:00:00Z).", Default: "lifetime"),
                new("at", "With window=minute|hour|day: a time in the tile (ISO-8601 with an offset or Z). Default: now. A tile outside the feature's retention, or after the current one, is a 400.", Format: "date-time"),
                new("version", "A readable definitions version to answer from (default: the active one; GET /api/features/versions lists them)."),
            ],
            c => c.Get<QueryApi>().GetUserFeaturesAsync(c.Route("userId"), c.Query, c.CancellationToken)),
        new("GET", "features/versions", ApiRole.Reader, "DefinitionsVersions", "List the feature-definitions versions",
            "The registered feature-definitions versions: the active (served) one, the shadows being back-filled or kept current, which are readable.",
            "aggregates", typeof(DefinitionsVersionsView), [], [],
            c => c.Get<QueryApi>().GetDefinitionsVersionsAsync(c.CancellationToken)),
        new("GET", "items/{itemId}/features", ApiRole.Reader, "ItemFeatures", "Get an item's features",
            "Declared item features by name, for the lifetime or a sliding window of hour tiles (rollups lag the stream).",
            "aggregates", typeof(ItemFeaturesView), [400, 404],
            [
                new("names", "Comma-separated feature names of the 'item' group (default: all of them)."),
                new("window", "'lifetime', a sliding window lastNh (for example last6h), or 'hour' with 'at'.", Default: "lifetime"),
                new("at", "With window=hour: a time in the hour tile (ISO-8601). Default: now.", Format: "date-time"),
            ],
            c => c.Get<QueryApi>().GetItemFeaturesAsync(c.Route("itemId"), c.Query, c.CancellationToken)),
        new("GET", "items/{itemId}/stats", ApiRole.Reader, "ItemStats", "Get an item's stats",
            "An item's counts per type, all time and per hour window (rollups lag the stream by up to Rollups:FlushMaxAgeSeconds).",
            "aggregates", typeof(ItemStatsView), [400, 404], [],
            c => c.Get<QueryApi>().GetItemStatsAsync(c.Route("itemId"), c.CancellationToken)),
        new("GET", "leaderboard", ApiRole.Reader, "Leaderboard", "Get the top items of an event type",
            "The top items for an event type, in an hour window or all time.",
            "aggregates", typeof(LeaderboardView), [400],
            [
                new("type", "Event type: one declared in the feature definitions (the default ones are listed).", Enum: [.. TreasureHunt.Core.Features.CompiledDefinitions.Default.TypeNames], Required: true),
                new("window", "'hour' (the hour window containing 'at') or 'all' (all time).", Enum: ["hour", "all"], Default: "hour"),
                new("at", "A time in the hour window (ISO-8601). Default: now.", Format: "date-time"),
                new("top", $"How many items (1..{QueryApi.MaxLeaderboardTop}).", Type: "integer", Default: "10"),
            ],
            c => c.Get<QueryApi>().GetLeaderboardAsync(c.Query, c.CancellationToken)),
        new("GET", "groups/{group}/features", ApiRole.Reader, "GroupFeatures", "Get a keyed group's features for one key",
            "A keyed group's features for one key: each key field of the group is a query parameter (for example ?itemId=a-1&country=DE); lifetime, a sliding window or a tumbling tile, as the user features route (rollups lag the stream).",
            "aggregates", typeof(GroupFeaturesView), [400, 404],
            [
                new("names", "Comma-separated feature names of the group (default: all of them)."),
                new("window", "'lifetime', a sliding window lastN followed by m, h or d, or a tumbling 'minute', 'hour' or 'day' with 'at'.", Default: "lifetime"),
                new("at", "With window=minute|hour|day: a time in the tile (ISO-8601). Default: now.", Format: "date-time"),
                new("version", "A readable definitions version to answer from (default: the active one); a back-filled version answers from its own keyed documents."),
            ],
            c => c.Get<QueryApi>().GetGroupFeaturesAsync(c.Route("group"), c.Query, c.CancellationToken)),
        new("GET", "leaderboards/{name}", ApiRole.Reader, "NamedLeaderboard", "Get one window of a declared leaderboard",
            "One window of a declared leaderboard: the group's keys ranked by the feature's value, value descending, ties by key ascending (one point read).",
            "aggregates", typeof(KeyedLeaderboardView), [400],
            [
                new("window", "'hour', 'day' or 'all': one the leaderboard declares (default: its first).", Enum: ["hour", "day", "all"]),
                new("at", "A time in the hour or day window (ISO-8601). Default: now.", Format: "date-time"),
                new("top", "How many keys (1..the leaderboard's k).", Type: "integer", Default: "10"),
            ],
            c => c.Get<QueryApi>().GetDeclaredLeaderboardAsync(c.Route("name"), c.Query, c.CancellationToken)),
        new("GET", "totals", ApiRole.Reader, "Totals", "Get the stream-wide totals",
            "Stream-wide totals: events, by type, duplicates dropped, dead-lettered, late.",
            "aggregates", typeof(TotalsView), [], [],
            c => c.Get<QueryApi>().GetTotalsAsync(c.CancellationToken)),
        new("GET", "deadletters", ApiRole.Operator, "DeadLetters", "List dead letters",
            "Rejected messages with their reason code and payload, newest first (default: the last 24 h).",
            "operations", typeof(DeadLettersView), [400],
            [.. Range, new("top", $"How many rows (1..{QueryApi.MaxDeadLetters}).", Type: "integer", Default: "100")],
            c => c.Get<QueryApi>().GetDeadLettersAsync(c.Query, c.CancellationToken)),
        new("GET", "finops/cost", ApiRole.Reader, "FinOpsCost", "Get the modeled cost",
            "Modeled cost from the cost ledger: invocations, events, RU, $ by meter, $ per million events, query $ per hour (default: the last hour).",
            "finops", typeof(CostView), [400],
            [.. Range, new("groupBy", "Group the rows by function or by hour; 'feature' answers instead the user document writes attributed to each feature (FeatureCostView).", Enum: ["function", "hour", "feature"])],
            c => c.Get<QueryApi>().GetCostAsync(c.Query, c.CancellationToken)),
        new("GET", "health", ApiRole.Anonymous, "Health", "Liveness probe",
            "Liveness: 200 while the host runs; answers from memory and touches no store.",
            "operations", typeof(LivenessView), [], [],
            _ => Task.FromResult(HealthAnswers.Liveness())),
        new("GET", "health/ready", ApiRole.Reader, "Ready", "Readiness probe",
            "Readiness: 200 when every store answers and no readiness detail fails, else 503 (same body); cached for 5 s.",
            "operations", typeof(HealthView), [], [],
            c => c.Get<HealthAnswers>().ReadinessAsync(c.CancellationToken)),
        new("GET", "parked", ApiRole.Operator, "Parked", "List parked messages",
            "Messages parked because a store refused them for good (or a sequence gap), in partition and sequence order.",
            "operations", typeof(ParkedListView), [400],
            [
                new("partition", "Only this source partition."),
                new("status", "'parked' (waiting for replay) or 'all' (replayed and superseded rows too).", Enum: ["parked", "all"], Default: "parked"),
                new("top", "How many rows (1..1000).", Type: "integer", Default: "100"),
            ],
            c => c.Get<ParkedApi>().GetParkedAsync(c.Query, c.CancellationToken)),
        new("POST", "parked/replay", ApiRole.Operator, "ReplayParked", "Replay parked messages",
            "Re-applies parked messages exactly once (what ./th replay-parked calls); one replay at a time per host process.",
            "operations", typeof(ReplayView), [409], [],
            c => c.Get<ParkedApi>().ReplayAsync(c.Get<ConsumerGroupName>().Value, c.CancellationToken)),
        new("DELETE", "users/{userId}", ApiRole.Operator, "EraseUser", "Erase a user's data",
            "Requests the erasure of a user's data: an erase control message in the user's partition, applied in order with its events (202; follow it with GET /api/erasures/{erasureId}).",
            "personal-data", typeof(ErasureAccepted), [400], [],
            c => c.Get<ErasureApi>().RequestAsync(c.Route("userId"), c.CancellationToken), SuccessStatus: 202),
        new("GET", "erasures/{erasureId}", ApiRole.Operator, "Erasure", "Get an erasure's state",
            "Where an erasure stands: requested, or applied (partition, sequence number, what each store did). Shows the user id's hash, never the id.",
            "personal-data", typeof(ErasureView), [400, 404], [],
            c => c.Get<ErasureApi>().GetAsync(c.Route("erasureId"), c.CancellationToken)),
    ];

    private static readonly Dictionary<string, ApiRoute> ByOperationId = All.ToDictionary(r => r.OperationId, StringComparer.Ordinal);

    /// <summary>The entry of a function name (operationId), or null.</summary>
    public static ApiRoute? Find(string operationId) => ByOperationId.GetValueOrDefault(operationId);

    /// <summary>The entry of a function name; throws when the table has none (a function without an entry is a programming error).</summary>
    public static ApiRoute Get(string operationId) => Find(operationId)
        ?? throw new InvalidOperationException($"no route named {operationId} in TreasureHunt.Pipeline.Api.ApiRoutes");
}
