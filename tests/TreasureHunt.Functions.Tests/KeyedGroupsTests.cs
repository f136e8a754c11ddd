using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Primitives;
using TreasureHunt.Core.Aggregation;
using TreasureHunt.Core.Events;
using TreasureHunt.Core.Features;
using TreasureHunt.Core.Groups;
using TreasureHunt.Functions.Tests.Fakes;
using TreasureHunt.Pipeline.Queries;

namespace TreasureHunt.Functions.Tests;

/// <summary>
/// The keyed groups example (features/examples/keyed-groups.json) through the real batch processor, rollup flusher,
/// item shard entities, shard writer and query API (stores in memory): every key's features and every declared
/// leaderboard window answer what the brute force over the distinct events gives, after a redelivered batch; and the
/// routes' errors.
/// </summary>
public sealed class KeyedGroupsTests : IDisposable
{
    private static readonly string ExamplePath = RepositoryFile("features", "examples", "keyed-groups.json");
    private readonly TestApp _app = new(new Dictionary<string, string?>
    {
        ["Features:DefinitionsPath"] = ExamplePath,
        ["Rollups:FlushMinEvents"] = "1",
        ["Rollups:ShardCount"] = "4",
    });

    public void Dispose() => _app.Dispose();

    private CompiledDefinitions Definitions => _app.Services.GetRequiredService<CompiledDefinitions>();
    private QueryApi Api => _app.Services.GetRequiredService<QueryApi>();

    [Fact]
    public async Task Every_key_and_every_leaderboard_window_equals_the_brute_force_after_a_redelivery()
    {
        var d = Definitions;
        var rng = new Random(7);
        var now = TestApp.Now;
        var bodies = Enumerable.Range(0, 600).Select(i => Body(rng, i, now)).ToList();
        var batches = new List<Core.Events.PartitionBatch>();
        for (var p = 0; p < 2; p++)
        {
            var mine = bodies.Where((_, i) => i % 2 == p).ToList();
            for (var start = 0; start < mine.Count; start += 40)
            {
                batches.Add(TestApp.Batch(p.ToString(CultureInfo.InvariantCulture),
                    mine.Skip(start).Take(40).Select((b, j) => ((long)(start + j + 1), b)).ToArray()));
            }
        }
        foreach (var batch in batches) await _app.ProcessAsync(batch);
        await _app.ProcessAsync(batches[3]); // a redelivery: applied through, changes nothing
        _app.Entities.Settle();
        using var rollups = Rollups.DurableRollupClient.Use(_app.Entities.AsClient());
        var at = _app.Clock.GetUtcNow();

        var parser = new EventParser(d);
        var events = bodies.Select((b, i) =>
        {
            Assert.True(parser.TryParse(new RawMessage(Encoding.UTF8.GetBytes(b), i + 1, now), "0", out var e, out var bad), bad?.Detail);
            return e!;
        }).ToList();

        foreach (var group in d.Groups)
        {
            var expected = Testing.Reference.KeyedGroupBruteForce.Of(group, events, d);
            foreach (var (_, (key, reference, raw)) in expected)
            {
                var query = group.Key.Select((k, i) => (k.Name, key[i])).ToList();
                foreach (var window in new[] { "lifetime", "last6h", "hour", "day", "last7d" })
                {
                    var features = group.Features.Where(f => Answerable(f, window)).ToList();
                    if (features.Count == 0) continue;
                    var response = await Api.GetGroupFeaturesAsync(group.Name, Query([.. query, ("window", window), ("names", string.Join(',', features.Select(f => f.Name)))]), default);
                    Assert.True(response.StatusCode == 200, $"{group.Name} {string.Join(",", key)} {window}: {response.Body}");
                    var body = JsonDocument.Parse(response.Body).RootElement;
                    Assert.Equal(group.Name, body.GetProperty("group").GetString());
                    var queryWindow = window switch
                    {
                        "hour" => QueryWindow.TileAt(Core.Aggregation.WindowSize.Hour, at),
                        "day" => QueryWindow.TileAt(Core.Aggregation.WindowSize.Day, at),
                        _ => QueryWindow.TryParse(window, out var w) ? w : throw new InvalidOperationException(window),
                    };
                    foreach (var feature in features)
                    {
                        object? answer = group.AnsweredByCounters(feature)
                            ? CountsByType(d, raw, queryWindow, at)
                            : FeatureAnswers.UserValue(feature, reference.Feature(feature.Name), d, queryWindow, at);
                        AssertJsonEqual(JsonSerializer.SerializeToElement(answer, ApiResponse.Json), body.GetProperty("features").GetProperty(feature.Name),
                            $"{group.Name} {string.Join(",", key)} {feature.Name} {window}");
                    }
                }
            }

            foreach (var board in d.Leaderboards.Where(l => l.Group == group))
            {
                foreach (var window in board.Windows)
                {
                    long? start = CompiledLeaderboard.UnitOf(window) is { } unit ? unit.StartOf(at) : null;
                    var top = Math.Min(board.K, 20);
                    var ranked = expected.Values
                        .Select(x => new KeyedLeaderEntry { Key = x.Key, Id = GroupKeys.DocumentId(group, x.Key), Value = board.ValueOf(x.State.Feature(board.Feature.Name)!, window, start, d.TypeNames) ?? 0 })
                        .Where(e => e.Value != 0).Order(KeyedLeaderEntry.Ranking).Take(top).ToList();
                    Assert.NotEmpty(ranked);
                    var response = await Api.GetDeclaredLeaderboardAsync(board.Name, Query(("window", CompiledLeaderboard.NameOf(window)), ("top", top.ToString(CultureInfo.InvariantCulture))), default);
                    Assert.Equal(200, response.StatusCode);
                    var entries = JsonDocument.Parse(response.Body).RootElement.GetProperty("entries").EnumerateArray().ToList();
                    Assert.Equal(ranked.Count, entries.Count);
                    for (var i = 0; i < ranked.Count; i++)
                    {
                        var entry = entries[i];
                        Assert.Equal(ranked[i].Key[0], entry.GetProperty("key").GetProperty(group.Key[0].Name).ToString());
                        Assert.Equal(ranked[i].Value, entry.GetProperty("value").GetDouble(), 6);
                    }
                }
            }
        }
    }

    [Fact]
    public async Task The_routes_answer_400_for_what_is_not_declared_and_404_for_a_key_never_seen()
    {
        await _app.ProcessAsync(TestApp.Batch("0", (1, Body(new Random(1), 1, TestApp.Now))));
        _app.Entities.Settle();
        using var rollups = Rollups.DurableRollupClient.Use(_app.Entities.AsClient());
        async Task<string> Group(string group, params (string, string)[] query) => Detail(await Api.GetGroupFeaturesAsync(group, Query(query), default));
        Assert.Contains("400 unknown group 'nope'", await Group("nope", ("itemId", "a")), StringComparison.Ordinal);
        Assert.Contains("400 the group 'itemCountry' is keyed by itemId, country: the query parameter 'country' is required", await Group("itemCountry", ("itemId", "i-1")), StringComparison.Ordinal);
        Assert.Contains("400 unknown itemCountry feature 'views'", await Group("itemCountry", ("itemId", "i-1"), ("country", "DE"), ("names", "views")), StringComparison.Ordinal);
        Assert.Contains("has no minute tiles", await Group("channel", ("channel", "search"), ("window", "minute")), StringComparison.Ordinal);
        Assert.StartsWith("404 no events seen for the channel key channel=never-seen", await Group("channel", ("channel", "never-seen")), StringComparison.Ordinal);
        Assert.StartsWith("404", await Group("item", ("itemId", "never-seen"), ("names", "revenue")), StringComparison.Ordinal);
        Assert.Contains("feature 'views' is not kept for the lifetime", await Group("item", ("itemId", "i-1")), StringComparison.Ordinal);
        Assert.StartsWith("400 itemId must be", await Group("item", ("itemId", "..")), StringComparison.Ordinal);
        Assert.StartsWith("200", await Group("global"), StringComparison.Ordinal);

        async Task<string> Board(string name, params (string, string)[] query) => Detail(await Api.GetDeclaredLeaderboardAsync(name, Query(query), default));
        Assert.StartsWith("400 unknown leaderboard 'nope'", await Board("nope"), StringComparison.Ordinal);
        Assert.Contains("not one of the leaderboard's windows: hour", await Board("trendingCategories", ("window", "day")), StringComparison.Ordinal);
        Assert.Contains("top must be an integer from 1 to 50", await Board("trendingCategories", ("top", "51")), StringComparison.Ordinal);
        Assert.Contains("outside the retention", await Board("trendingCategories", ("at", "2026-11-01T00:00:00Z")), StringComparison.Ordinal);
        var empty = JsonDocument.Parse((await Api.GetDeclaredLeaderboardAsync("topRevenue", Query(("window", "all")), default)).Body).RootElement;
        Assert.Equal("item", empty.GetProperty("group").GetString());
        Assert.Equal(JsonValueKind.Null, empty.GetProperty("from").ValueKind);
    }

    /// <summary>The status and, for a problem, its detail ("400 unknown group 'x'…").</summary>
    private static string Detail(ApiResponse response) =>
        response.StatusCode == 200 ? "200" : $"{response.StatusCode} {JsonDocument.Parse(response.Body).RootElement.GetProperty("detail").GetString()}";

    private static bool Answerable(CompiledFeature feature, string window) => window switch
    {
        "lifetime" => feature.Lifetime,
        "last6h" or "hour" => feature.WindowOf(Core.Aggregation.WindowSize.Hour) is { Keep: >= 6 },
        _ => feature.WindowOf(Core.Aggregation.WindowSize.Day) is { Keep: >= 7 },
    };

    /// <summary>Brute force of a count by type: the raw events in the window, per type.</summary>
    private static Dictionary<string, object> CountsByType(CompiledDefinitions d, List<TreasureEvent> raw, QueryWindow window, DateTimeOffset now)
    {
        var tiles = window.IsLifetime ? null : window.TileIndexes(now).ToHashSet();
        var length = window.Unit?.Seconds() ?? 1;
        return d.TypeNames.Select((name, t) => (name, (object)(long)raw.Count(e => (int)e.Type == t &&
            (tiles is null || tiles.Contains(Core.Features.TileRing.IndexOf(e.Timestamp.ToUnixTimeSeconds(), length)))))).ToDictionary(x => x.name, x => x.Item2);
    }

    private static string Body(Random rng, int i, DateTimeOffset now)
    {
        string[] types = ["view", "view", "view", "click", "purchase", "purchase"];
        string[] channels = ["search", "social", "email", "tv / radio"];
        string[] countries = ["DE", "FR", "US"];
        var type = types[rng.Next(types.Length)];
        var time = now.AddSeconds(-rng.Next(30 * 3600));
        var channel = rng.Next(8) == 0 ? "" : $",\"channel\":\"{channels[rng.Next(channels.Length)]}\"";
        var country = rng.Next(8) == 0 ? "" : $",\"country\":\"{countries[rng.Next(countries.Length)]}\"";
        return string.Create(CultureInfo.InvariantCulture,
            $$"""{"eventId":"e-{{i}}","userId":"u-{{rng.Next(40)}}","itemId":"i-{{rng.Next(12)}}","category":"c-{{rng.Next(4)}}","type":"{{type}}","value":{{rng.Next(1, 5000) / 100.0}},"timestamp":"{{time:O}}"{{channel}}{{country}}}""");
    }

    private static IQueryCollection Query(params (string Name, string Value)[] pairs) =>
        new QueryCollection(pairs.GroupBy(p => p.Name).ToDictionary(g => g.Key, g => new StringValues(g.Select(p => p.Value).ToArray())));

    private static void AssertJsonEqual(JsonElement expected, JsonElement actual, string what)
    {
        if (expected.ValueKind == JsonValueKind.Number && actual.ValueKind == JsonValueKind.Number)
        {
            var (x, y) = (expected.GetDouble(), actual.GetDouble());
            Assert.True(Math.Abs(x - y) <= 1e-9 * Math.Max(1, Math.Abs(x)), $"{what}: expected {x}, got {y}");
            return;
        }
        Assert.True(expected.ValueKind == actual.ValueKind, $"{what}: expected {expected}, got {actual}");
        switch (expected.ValueKind)
        {
            case JsonValueKind.Object:
                Assert.Equal(expected.EnumerateObject().Select(p => p.Name), actual.EnumerateObject().Select(p => p.Name));
                foreach (var p in expected.EnumerateObject()) AssertJsonEqual(p.Value, actual.GetProperty(p.Name), $"{what}.{p.Name}");
                break;
            case JsonValueKind.Array:
                Assert.Equal(expected.GetArrayLength(), actual.GetArrayLength());
                for (var i = 0; i < expected.GetArrayLength(); i++) AssertJsonEqual(expected[i], actual[i], $"{what}[{i}]");
                break;
            default:
                Assert.True(expected.ToString() == actual.ToString(), $"{what}: expected {expected}, got {actual}");
                break;
        }
    }

    private static string RepositoryFile(params string[] parts)
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var path = Path.Combine([dir.FullName, .. parts]);
            if (File.Exists(path)) return path;
        }
        throw new FileNotFoundException(Path.Combine(parts));
    }
}
