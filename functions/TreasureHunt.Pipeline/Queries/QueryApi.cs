using System.Globalization;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;
using TreasureHunt.Core.Aggregation;
using TreasureHunt.Core.Costs;
using TreasureHunt.Core.Events;
using TreasureHunt.Core.Features;
using TreasureHunt.Core.Ports;
using TreasureHunt.Core.Rollups;

namespace TreasureHunt.Pipeline.Queries;

/// <summary>
/// The query API's handlers: parameter validation (400 with problem details), lookups, and the JSON shapes.
/// Host-neutral: the Functions app and the local host both call these and only translate the <see cref="ApiResponse"/>.
/// </summary>
internal sealed class QueryApi(
    IRollupClient rollups,
    IItemRollupStore items,
    IDeadLetterStore deadLetters,
    ICostLedger ledger,
    IOptions<RollupOptions> rollupOptions,
    CompiledDefinitions definitions,
    Versions.DefinitionsVersions versions,
    Erasure.PendingErasures erasures,
    TimeProvider time)
{
    public const int MaxLeaderboardTop = 100;
    public const int MaxDeadLetters = 1000;
    private static readonly TimeSpan MaxRange = TimeSpan.FromDays(31);

    public async Task<ApiResponse> GetProfileAsync(string? userId, CancellationToken cancellationToken)
    {
        if (!ContractLimits.IsValidId(userId))
        {
            return ApiResponse.BadRequest($"userId must be {ContractLimits.IdRule()}");
        }
        // One version per request: the store and the definitions are resolved together (promotion switches both at once).
        var served = (await versions.CurrentAsync(cancellationToken)).Active;
        var aggregate = await served.Users.GetAsync(userId!, cancellationToken);
        return aggregate is null
            ? ApiResponse.NotFound($"no events seen for user '{userId}'")
            : ApiResponse.Ok(UserProfileView.From(aggregate, served.Definitions));
    }

    public async Task<ApiResponse> GetItemStatsAsync(string? itemId, CancellationToken cancellationToken)
    {
        if (!ContractLimits.IsValidId(itemId))
        {
            return ApiResponse.BadRequest($"itemId must be {ContractLimits.IdRule()}");
        }
        var document = await items.GetItemAsync(itemId!, cancellationToken);
        return document is not null
            ? ApiResponse.Ok(ItemStatsView.From(itemId!, document, document.HoursAt(time.GetUtcNow(), rollupOptions.Value.ItemHourWindows), definitions.TypeNames))
            : ApiResponse.NotFound($"no events seen for item '{itemId}' ({RollupLag})");
    }

    public async Task<ApiResponse> GetLeaderboardAsync(IQueryCollection query, CancellationToken cancellationToken)
    {
        var typeName = query["type"].ToString();
        if (!definitions.TryGetType(typeName, out var type))
        {
            return ApiResponse.BadRequest($"type is required and must be one of {string.Join(", ", definitions.TypeNames)}");
        }
        var window = query["window"].ToString() is { Length: > 0 } w ? w : "hour";
        if (window is not ("hour" or "all"))
        {
            return ApiResponse.BadRequest("window must be 'hour' (the hour window containing 'at') or 'all' (all time)");
        }
        if (!TryParseTime(query, "at", time.GetUtcNow(), out var at, out var atError))
        {
            return ApiResponse.BadRequest(atError);
        }
        if (!TryParseInt(query, "top", 10, 1, Math.Min(MaxLeaderboardTop, rollupOptions.Value.LeaderboardSize), out var top, out var topError))
        {
            return ApiResponse.BadRequest(topError);
        }
        long? hourStart = window == "hour" ? WindowSize.Hour.StartOf(at) : null;
        // One point read: the leaderboard document holds every shard's exact top-K (LeaderboardDocument).
        var board = await items.GetLeaderboardAsync(LeaderboardDocument.IdOf(definitions.TypeName(type), hourStart), cancellationToken);
        var leaders = board?.Top(top) ?? [];
        return ApiResponse.Ok(new LeaderboardView(
            definitions.TypeName(type), window, hourStart is { } h ? DateTimeOffset.FromUnixTimeSeconds(h).UtcDateTime : null,
            leaders.Select(l => new LeaderboardItem(l.ItemId, l.Count)).ToList()));
    }

    private string RollupLag =>
        // The worst case, a partition's last events before its traffic stops (README: the flush timer's period aside).
        $"item rollups lag the stream by up to {rollupOptions.Value.FlushMaxAgeSeconds * 2 + rollupOptions.Value.ItemTailFlushSeconds * 2:0.#} s";

    public async Task<ApiResponse> GetTotalsAsync(CancellationToken cancellationToken)
    {
        var state = await rollups.GetGlobalAsync(cancellationToken);
        return ApiResponse.Ok(TotalsView.From(state?.Totals ?? new GlobalCounters(), definitions.TypeNames));
    }

    /// <summary><c>GET /api/users/{userId}/features?names=a,b&amp;window=last30m</c>: declared user features by name.</summary>
    public async Task<ApiResponse> GetUserFeaturesAsync(string? userId, IQueryCollection query, CancellationToken cancellationToken)
    {
        if (!ContractLimits.IsValidId(userId))
        {
            return ApiResponse.BadRequest($"userId must be {ContractLimits.IdRule()}");
        }
        // One version per request (the active one, or ?version=N while it is readable): store and definitions together.
        var snapshot = await versions.CurrentAsync(cancellationToken);
        var served = snapshot.Active;
        if (query["version"].ToString() is { Length: > 0 } requested)
        {
            if (!int.TryParse(requested, NumberStyles.None, CultureInfo.InvariantCulture, out var number) || snapshot.Find(number) is not { } readable)
            {
                return ApiResponse.BadRequest($"version '{requested}' is not readable; readable versions: {string.Join(", ", snapshot.Readable.Select(v => v.Version))}");
            }
            served = readable;
        }
        var definitions = served.Definitions;
        var now = time.GetUtcNow();
        if (!TryParseFeatureQuery(query, definitions.User, "user", now, out var features, out var window, out var error))
        {
            return ApiResponse.BadRequest(error);
        }
        var document = await served.Users.GetAsync(userId!, cancellationToken);
        if (document is null)
        {
            return ApiResponse.NotFound($"no events seen for user '{userId}'");
        }
        document.Bind(definitions);
        var values = new Dictionary<string, object?>(StringComparer.Ordinal);
        foreach (var feature in features)
        {
            values[feature.Name] = FeatureAnswers.UserValue(feature, document.Feature(feature.Name), definitions, window, now);
        }
        return ApiResponse.Ok(new UserFeaturesView(userId!, definitions.Version, window.ToString(), values));
    }

    /// <summary><c>GET /api/features/versions</c>: the registered definitions versions, which one is served, which are readable.</summary>
    public async Task<ApiResponse> GetDefinitionsVersionsAsync(CancellationToken cancellationToken)
    {
        var snapshot = await versions.CurrentAsync(cancellationToken);
        var readable = snapshot.Readable.Select(v => v.Version).ToHashSet();
        var listed = snapshot.Readable.Concat(snapshot.Shadows).DistinctBy(v => v.Version).OrderBy(v => v.Version)
            .Select(v => new DefinitionsVersionView(v.Version, v.Status, v.UsersContainer, readable.Contains(v.Version), v.Definitions.User.Select(f => f.Name).ToList()))
            .ToList();
        return ApiResponse.Ok(new DefinitionsVersionsView(snapshot.Active.Version, definitions.Version, snapshot.ReadAt, listed));
    }

    /// <summary><c>GET /api/items/{itemId}/features?names=events&amp;window=last3h</c>: declared item features by name.</summary>
    public async Task<ApiResponse> GetItemFeaturesAsync(string? itemId, IQueryCollection query, CancellationToken cancellationToken)
    {
        if (!ContractLimits.IsValidId(itemId))
        {
            return ApiResponse.BadRequest($"itemId must be {ContractLimits.IdRule()}");
        }
        var now = time.GetUtcNow();
        if (!TryParseFeatureQuery(query, definitions.Item, "item", now, out var features, out var window, out var error))
        {
            return ApiResponse.BadRequest(error);
        }
        var stats = await items.GetItemAsync(itemId!, cancellationToken);
        if (stats is null)
        {
            return ApiResponse.NotFound($"no events seen for item '{itemId}' ({RollupLag})");
        }
        var values = new Dictionary<string, object?>(StringComparer.Ordinal);
        foreach (var feature in features)
        {
            values[feature.Name] = ItemGroupValue(feature, stats, window, now);
        }
        return ApiResponse.Ok(new ItemFeaturesView(itemId!, definitions.Version, window.ToString(), values));
    }

    /// <summary><c>GET /api/groups/{group}/features?{keyField}={value}…&amp;names=a,b&amp;window=…&amp;at=…</c>: a keyed group's features for one key.</summary>
    public async Task<ApiResponse> GetGroupFeaturesAsync(string? groupName, IQueryCollection query, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        // One version per request, as the user features route: the active one or ?version=N. A back-filled version keeps
        // its keys in its own container; the configured version's keys are the rollup's.
        var snapshot = await versions.CurrentAsync(cancellationToken);
        var served = snapshot.Active;
        if (query["version"].ToString() is { Length: > 0 } requested)
        {
            if (!int.TryParse(requested, NumberStyles.None, CultureInfo.InvariantCulture, out var number) || snapshot.Find(number) is not { } readable)
            {
                return ApiResponse.BadRequest($"version '{requested}' is not readable; readable versions: {string.Join(", ", snapshot.Readable.Select(v => v.Version))}");
            }
            served = readable;
        }
        if (served.Keyed is { } keyed)
        {
            return await GetBackfilledGroupFeaturesAsync(served, keyed, groupName, query, cancellationToken);
        }
        var now = time.GetUtcNow();
        if (!TryParseGroupRequest(definitions, groupName, query, "", now, out var group, out var key, out var features, out var window, out var requestError))
        {
            return ApiResponse.BadRequest(requestError);
        }
        Core.Groups.KeyedState? state;
        ItemDocument? item = null;
        GlobalCounters? totals = null;
        if (group.IsItem)
        {
            item = await items.GetItemAsync(key[0], cancellationToken);
            state = item is null ? null : item.Keyed ?? new Core.Groups.KeyedState();
        }
        else if (group.Name == Core.Groups.CompiledGroup.GlobalGroup && features.TrueForAll(group.AnsweredByCounters))
        {
            totals = (await rollups.GetGlobalAsync(cancellationToken))?.Totals ?? new GlobalCounters();
            state = new Core.Groups.KeyedState();
        }
        else
        {
            var document = await items.GetGroupAsync(Core.Groups.GroupKeys.DocumentId(group.Name, key), cancellationToken);
            // A hashed id names its key only through the hash: the stored key must be the one asked for.
            state = document is not null && document.Key.AsSpan().SequenceEqual(key) ? document.State : null;
        }
        if (state is null)
        {
            return ApiResponse.NotFound($"no events seen for the {group.Name} key {string.Join(", ", group.KeyNames.Zip(key, (n, v) => $"{n}={v}"))} ({RollupLag})");
        }
        state.Bind(group);
        var values = new Dictionary<string, object?>(StringComparer.Ordinal);
        foreach (var feature in features)
        {
            values[feature.Name] = item is not null ? ItemGroupValue(feature, item, window, now)
                : totals is not null ? FeatureAnswers.GlobalValue(feature, totals, definitions)
                : FeatureAnswers.UserValue(feature, state.Feature(feature.Name), definitions, window, now);
        }
        return ApiResponse.Ok(new GroupFeaturesView(group.Name, GroupAnswers.KeyView(group, key), definitions.Version, window.ToString(), values));
    }

    /// <summary>A keyed group's features for one key of a back-filled version, from its own keyed container (every feature in the key's state).</summary>
    private async Task<ApiResponse> GetBackfilledGroupFeaturesAsync(Versions.DefinitionsVersion served, IGroupDocumentStore keyed, string? groupName, IQueryCollection query, CancellationToken cancellationToken)
    {
        var shadow = served.Definitions;
        var now = time.GetUtcNow();
        if (!TryParseGroupRequest(shadow, groupName, query, $" in version {shadow.Version}", now, out var group, out var key, out var features, out var window, out var error))
        {
            return ApiResponse.BadRequest(error);
        }
        var document = await keyed.GetGroupAsync(Core.Groups.GroupKeys.DocumentId(group, key), cancellationToken);
        if (document is null || !document.Key.AsSpan().SequenceEqual(key))
        {
            return ApiResponse.NotFound($"no events seen for the {group.Name} key {string.Join(", ", group.KeyNames.Zip(key, (n, v) => $"{n}={v}"))} in version {shadow.Version}");
        }
        var all = group.StoringAll;
        document.State.Bind(all);
        var values = new Dictionary<string, object?>(StringComparer.Ordinal);
        foreach (var feature in features)
        {
            values[feature.Name] = FeatureAnswers.UserValue(feature, document.State.Feature(feature.Name), shadow, window, now);
        }
        return ApiResponse.Ok(new GroupFeaturesView(group.Name, GroupAnswers.KeyView(group, key), shadow.Version, window.ToString(), values));
    }

    /// <summary><c>GET /api/leaderboards/{name}?window=hour|day|all&amp;at=…&amp;top=N</c>: one window of a declared leaderboard, one point read.</summary>
    public async Task<ApiResponse> GetDeclaredLeaderboardAsync(string? name, IQueryCollection query, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        // The served version's leaderboards: a back-filled version keeps them beside its keys, computed from the history.
        var served = (await versions.CurrentAsync(cancellationToken)).Active;
        var declared = served.Keyed is not null ? served.Definitions : definitions;
        if (declared.Leaderboard(name ?? "") is not { } board)
        {
            return ApiResponse.BadRequest($"unknown leaderboard '{name}'; declared: {string.Join(", ", declared.Leaderboards.Select(l => l.Name))}");
        }
        var declaredWindows = string.Join(", ", board.Windows.Select(Core.Groups.CompiledLeaderboard.NameOf));
        var windowText = query["window"].ToString();
        var window = board.Windows[0];
        if (windowText.Length > 0 && (!Core.Groups.CompiledLeaderboard.TryParseWindow(windowText, out window) || !board.Windows.Contains(window)))
        {
            return ApiResponse.BadRequest($"window '{windowText}' is not one of the leaderboard's windows: {declaredWindows}");
        }
        var now = time.GetUtcNow();
        if (!TryParseTime(query, "at", now, out var at, out var atError))
        {
            return ApiResponse.BadRequest(atError);
        }
        if (!TryParseInt(query, "top", Math.Min(10, board.K), 1, board.K, out var top, out var topError))
        {
            return ApiResponse.BadRequest(topError);
        }
        long? start = null;
        DateTime? from = null, to = null;
        if (Core.Groups.CompiledLeaderboard.UnitOf(window) is { } unit)
        {
            if (QueryWindow.TileAt(unit, at).TileOutsideRetention(now, board.Feature.WindowOf(unit)!.Value.Keep) is { } reason)
            {
                return ApiResponse.BadRequest($"leaderboard '{board.Name}' ranks '{board.Feature.Name}': {reason}");
            }
            start = unit.StartOf(at);
            from = DateTimeOffset.FromUnixTimeSeconds(start.Value).UtcDateTime;
            to = DateTimeOffset.FromUnixTimeSeconds(start.Value + unit.Seconds()).UtcDateTime;
        }
        // One point read: the document holds every shard's exact top-K (KeyedLeaderboardDocument).
        var document = served.Keyed is { } keyed
            ? await keyed.GetLeaderboardAsync(Core.Groups.KeyedLeaderboardDocument.IdBesideKeys(board.Name, window, start), cancellationToken)
            : await items.GetKeyedLeaderboardAsync(Core.Groups.KeyedLeaderboardDocument.IdOf(board.Name, window, start), cancellationToken);
        var entries = (document?.Top(top) ?? []).Select(e => new KeyedLeaderEntryView(GroupAnswers.KeyView(board.Group, e.Key), e.Value)).ToList();
        return ApiResponse.Ok(new KeyedLeaderboardView(board.Name, board.Group.Name, Core.Groups.CompiledLeaderboard.NameOf(window), from, to, entries));
    }

    /// <summary>The group, key and features (with their window) a group features request names in <paramref name="served"/>;
    /// false with the 400 message otherwise (<paramref name="inVersion"/> names a back-filled version in it).</summary>
    private bool TryParseGroupRequest(CompiledDefinitions served, string? groupName, IQueryCollection query, string inVersion, DateTimeOffset now,
        out Core.Groups.CompiledGroup group, out string[] key, out List<CompiledFeature> features, out QueryWindow window, out string error)
    {
        key = [];
        features = [];
        window = QueryWindow.Lifetime;
        if (served.Group(groupName ?? "") is not { } declared)
        {
            group = null!;
            error = $"unknown group '{groupName}'{inVersion}; declared: {string.Join(", ", served.Groups.Select(g => g.Name))}";
            return false;
        }
        group = declared;
        if (!GroupAnswers.TryReadKey(group, query, out key, out error)) return false;
        return TryParseFeatureQuery(query, group.Features, group.Name, now, out features, out window, out error);
    }

    /// <summary>An item group feature of an item document: from the per-type stats when they answer it
    /// (<see cref="Core.Groups.CompiledGroup.AnsweredByCounters"/>), else from the keyed state.</summary>
    private object? ItemGroupValue(CompiledFeature feature, ItemDocument item, QueryWindow window, DateTimeOffset now)
    {
        if (definitions.ItemGroup is not { } group || group.AnsweredByCounters(feature))
        {
            return FeatureAnswers.ItemValue(feature, item, definitions, window, now);
        }
        if (item.Keyed is not { } keyed) return null;
        keyed.Bind(group);
        return FeatureAnswers.UserValue(feature, keyed.Feature(feature.Name), definitions, window, now);
    }

    /// <summary><c>names</c>, and <c>window</c>: lifetime, sliding <c>lastN{m|h|d}</c>, or tumbling <c>minute|hour|day</c>
    /// with <c>at</c> (default now) naming the tile.</summary>
    private bool TryParseFeatureQuery(IQueryCollection query, CompiledFeature[] group, string groupName, DateTimeOffset now, out List<CompiledFeature> features, out QueryWindow window, out string error)
    {
        features = [];
        var windowText = query["window"].ToString();
        if (WindowSizes.TryParse(windowText, out var unit))
        {
            if (!TryParseTime(query, "at", now, out var at, out error))
            {
                window = default;
                return false;
            }
            window = QueryWindow.TileAt(unit, at);
        }
        else if (query["at"].Count > 0)
        {
            window = default;
            error = $"'at' names a tumbling tile: use it with window=minute, hour or day (got window '{windowText}')";
            return false;
        }
        else if (!QueryWindow.TryParse(windowText, out window))
        {
            error = $"window '{windowText}' must be 'lifetime', a sliding window lastN followed by m, h or d (for example last30m, last6h, last7d), or a tumbling minute, hour or day with 'at'";
            return false;
        }
        return FeatureAnswers.TryResolve(query["names"].ToString(), group, groupName, window, now, out features, out error);
    }

    public async Task<ApiResponse> GetDeadLettersAsync(IQueryCollection query, CancellationToken cancellationToken)
    {
        if (!TryParseRange(query, TimeSpan.FromDays(1), out var from, out var to, out var error))
        {
            return ApiResponse.BadRequest(error);
        }
        if (!TryParseInt(query, "top", 100, 1, MaxDeadLetters, out var top, out var topError))
        {
            return ApiResponse.BadRequest(topError);
        }
        // Dead letters of an erased user wait for the cleanup worker: never shown meanwhile, and read past so that top rows are shown.
        var pending = await erasures.ReadAsync(cancellationToken);
        var rows = await Erasure.PendingErasures.ShownAsync(top, n => deadLetters.QueryAsync(from, to, n, cancellationToken), pending.Hides);
        return ApiResponse.Ok(new DeadLettersView(from.UtcDateTime, to.UtcDateTime, rows.Select(DeadLetterView.From).ToList()));
    }

    public async Task<ApiResponse> GetCostAsync(IQueryCollection query, CancellationToken cancellationToken)
    {
        if (!TryParseRange(query, TimeSpan.FromHours(1), out var from, out var to, out var error))
        {
            return ApiResponse.BadRequest(error);
        }
        var grouping = query["groupBy"].ToString() switch
        {
            "" => CostGrouping.None,
            "function" => CostGrouping.Function,
            "hour" => CostGrouping.Hour,
            "feature" => CostGrouping.Feature,
            _ => (CostGrouping)(-1),
        };
        if (grouping < 0)
        {
            return ApiResponse.BadRequest("groupBy must be 'function', 'hour' or 'feature'");
        }
        if (grouping == CostGrouping.Feature)
        {
            // The pre-aggregated rows carry the features' sums: a 31-day range reads ≤ 744 hour rows per writer and
            // function, not every invocation (CostRangePlan).
            var byFeature = CostSummarizer.ByFeature(await ledger.QueryTotalsAsync(from, to, cancellationToken));
            return ApiResponse.Ok(new FeatureCostView(from.UtcDateTime, to.UtcDateTime, true,
                byFeature.Select(g => new FeatureCostItemView(g.Feature, g.Writes, g.Bytes, Math.Round(g.BytesPerWrite, 1), g.Ru, g.CosmosUsd)).ToList()));
        }
        var summary = CostSummarizer.Summarize(await ledger.QueryTotalsAsync(from, to, cancellationToken), from, to, grouping);
        return ApiResponse.Ok(new CostView(
            summary.From.UtcDateTime, summary.To.UtcDateTime, summary.Invocations, summary.Events, summary.Ru, summary.RuEstimated,
            Usd(summary.Usd), summary.UsdPerMillionEvents, summary.QueryUsdPerHour,
            summary.Groups.Select(g => new CostGroupView(g.Key, g.Invocations, g.Events, g.Ru, Usd(g.Usd))).ToList()));
    }

    private static UsdView Usd(CostBreakdown c) => new(c.Compute, c.Executions, c.Cosmos, c.EventHubs, c.Total);

    private bool TryParseRange(IQueryCollection query, TimeSpan defaultSpan, out DateTimeOffset from, out DateTimeOffset to, out string error)
    {
        from = default;
        if (!TryParseTime(query, "to", time.GetUtcNow(), out to, out error))
        {
            return false;
        }
        // 'to' is bounded (≥ 2000) by TryParseTime, so the default 'from' cannot leave DateTimeOffset's range.
        if (!TryParseTime(query, "from", to - defaultSpan, out from, out error))
        {
            return false;
        }
        if (from >= to)
        {
            error = "from must be before to";
            return false;
        }
        if (to - from > MaxRange)
        {
            error = $"the range may span at most {MaxRange.TotalDays} days";
            return false;
        }
        return true;
    }

    private bool TryParseTime(IQueryCollection query, string name, DateTimeOffset fallback, out DateTimeOffset value, out string error)
    {
        error = "";
        var text = query[name].ToString();
        if (text.Length == 0)
        {
            value = fallback;
            return true;
        }
        return QueryTime.TryParse(text, name, time.GetUtcNow(), out value, out error);
    }

    private static bool TryParseInt(IQueryCollection query, string name, int fallback, int min, int max, out int value, out string error)
    {
        error = "";
        var text = query[name].ToString();
        if (text.Length == 0)
        {
            value = fallback;
            return true;
        }
        if (int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out value) && value >= min && value <= max)
        {
            return true;
        }
        error = $"{name} must be an integer from {min} to {max}";
        return false;
    }
}
