using System.Diagnostics;

namespace TreasureHunt.Local.Load;

/// <summary>Query latency of a running host, measured through the HTTP API with the load's own key: leaderboard
/// (hour and all-time, each type) and item stats (Zipf-picked items), p50 and p99 over <paramref name="Queries"/>
/// requests each, with the number of distinct items the pipeline had been sent at that moment.</summary>
internal sealed record QueryLatency(string Moment, int DistinctItems, int Queries, double LeaderboardP50Ms, double LeaderboardP99Ms, double ItemStatsP50Ms, double ItemStatsP99Ms);

internal static class QueryProbe
{
    public const int DefaultQueries = 100;

    public static async Task<QueryLatency> MeasureAsync(HostClient client, string moment, int distinctItems, LoadProfile profile, int queries, CancellationToken cancellationToken)
    {
        var random = new Random(profile.Seed ^ moment.Length);
        var items = new ZipfSampler(profile.Items, profile.ZipfExponent);
        var leaderboard = new List<double>(queries);
        var itemStats = new List<double>(queries);
        for (var i = 0; i < queries; i++)
        {
            var type = LoadProfile.TypeMix[i % LoadProfile.TypeMix.Length].Type;
            var window = i % 2 == 0 ? "hour" : "all";
            leaderboard.Add(await TimeAsync(client, $"/api/leaderboard?type={type}&window={window}&top=100", cancellationToken));
            itemStats.Add(await TimeAsync(client, $"/api/items/t-{items.Next(random)}/stats", cancellationToken));
        }
        return new QueryLatency(moment, distinctItems, queries,
            Percentile(leaderboard, 0.50), Percentile(leaderboard, 0.99), Percentile(itemStats, 0.50), Percentile(itemStats, 0.99));
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
