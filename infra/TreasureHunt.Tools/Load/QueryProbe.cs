using System.Diagnostics;

namespace TreasureHunt.Tools.Load;

/// <summary>Query latency of a running host, measured through the HTTP API with the load's own key: leaderboard
/// (hour and all-time, each type), item stats and a profile (Zipf-picked items and users), and, with keyed groups
/// declared, a keyed read and a declared leaderboard; p50 and p99 over <paramref name="Queries"/> requests each, with
/// the number of distinct items the pipeline had been sent at that moment.</summary>
internal sealed record QueryLatency(string Moment, int DistinctItems, int Queries, double LeaderboardP50Ms, double LeaderboardP99Ms, double ItemStatsP50Ms, double ItemStatsP99Ms,
    double ProfileP50Ms = 0, double ProfileP99Ms = 0, double? KeyedReadP50Ms = null, double? KeyedReadP99Ms = null, double? NamedLeaderboardP50Ms = null, double? NamedLeaderboardP99Ms = null);

/// <summary>The keyed queries a load probes: a read of the item group (<c>{0}</c> is the item id) and a declared leaderboard.</summary>
internal sealed record KeyedQueries(string ItemGroupRead, string Leaderboard)
{
    /// <summary>From definitions that declare an item group feature kept per key and a leaderboard; null otherwise.</summary>
    public static KeyedQueries? From(TreasureHunt.Core.Features.CompiledDefinitions definitions)
    {
        var feature = definitions.ItemGroup?.Stored.FirstOrDefault(f => f.Lifetime);
        var board = definitions.Leaderboards.FirstOrDefault();
        return feature is null || board is null ? null
            : new KeyedQueries($"/api/groups/item/features?itemId={{0}}&names={feature.Name}",
                $"/api/leaderboards/{board.Name}?window={TreasureHunt.Core.Groups.CompiledLeaderboard.NameOf(board.Windows[0])}&top=10");
    }
}

internal static class QueryProbe
{
    public const int DefaultQueries = 100;

    public static async Task<QueryLatency> MeasureAsync(HostClient client, string moment, int distinctItems, LoadProfile profile, int queries, CancellationToken cancellationToken)
    {
        var random = new Random(profile.Seed ^ moment.Length);
        var items = new ZipfSampler(profile.Items, profile.ZipfExponent);
        var users = new ZipfSampler(profile.Users, profile.ZipfExponent);
        var leaderboard = new List<double>(queries);
        var itemStats = new List<double>(queries);
        var profiles = new List<double>(queries);
        var keyedReads = new List<double>(queries);
        var namedLeaderboards = new List<double>(queries);
        for (var i = 0; i < queries; i++)
        {
            var type = LoadProfile.TypeMix[i % LoadProfile.TypeMix.Length].Type;
            var window = i % 2 == 0 ? "hour" : "all";
            leaderboard.Add(await TimeAsync(client, $"/api/leaderboard?type={type}&window={window}&top=100", cancellationToken));
            itemStats.Add(await TimeAsync(client, $"/api/items/t-{items.Next(random)}/stats", cancellationToken));
            profiles.Add(await TimeAsync(client, $"/api/users/u-{users.Next(random)}/profile", cancellationToken));
            if (profile.Keyed is { } keyed)
            {
                keyedReads.Add(await TimeAsync(client, string.Format(System.Globalization.CultureInfo.InvariantCulture, keyed.ItemGroupRead, $"t-{items.Next(random)}"), cancellationToken));
                namedLeaderboards.Add(await TimeAsync(client, keyed.Leaderboard, cancellationToken));
            }
        }
        return new QueryLatency(moment, distinctItems, queries,
            Percentile(leaderboard, 0.50), Percentile(leaderboard, 0.99), Percentile(itemStats, 0.50), Percentile(itemStats, 0.99),
            Percentile(profiles, 0.50), Percentile(profiles, 0.99),
            keyedReads.Count > 0 ? Percentile(keyedReads, 0.50) : null, keyedReads.Count > 0 ? Percentile(keyedReads, 0.99) : null,
            namedLeaderboards.Count > 0 ? Percentile(namedLeaderboards, 0.50) : null, namedLeaderboards.Count > 0 ? Percentile(namedLeaderboards, 0.99) : null);
    }

    private static async Task<double> TimeAsync(HostClient client, string route, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        var (status, _) = await client.GetAsync(route, cancellationToken);
        var ms = clock.Elapsed.TotalMilliseconds;
        if (status is not (200 or 404)) throw new InvalidOperationException($"{route} answered {status}");
        return ms;
    }

    private static double Percentile(List<double> values, double p)
    {
        values.Sort();
        return values[Math.Clamp((int)Math.Ceiling(values.Count * p) - 1, 0, values.Count - 1)];
    }
}
