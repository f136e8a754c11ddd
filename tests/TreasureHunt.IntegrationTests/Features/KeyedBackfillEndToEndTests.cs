using System.Globalization;
using System.Text;
using System.Text.Json;
using TreasureHunt.Core.Aggregation;
using TreasureHunt.Core.Events;
using TreasureHunt.Core.Features;
using TreasureHunt.Core.Groups;
using TreasureHunt.IntegrationTests.Reliability;
using TreasureHunt.Pipeline.Queries;
using TreasureHunt.Testing;
using TreasureHunt.Testing.Reference;
using Xunit.Abstractions;

namespace TreasureHunt.IntegrationTests.Features;

/// <summary>
/// Back-fill of keyed groups on the emulators: the host runs version 1 (the default definitions) from a live stream;
/// <c>th backfill</c> computes version 2, which adds keyed groups (a category group with an hour-tile count and distinct
/// buyers by approxDistinct of userId, an item-and-type group, a distinct-buyers feature in the item group), from the
/// event log while live traffic flows, hands over, and every key of version 2 answers what the brute force over the
/// events (producer duplicates dropped) gives, while the groups both versions declare answer as the live rollup does.
/// </summary>
[Collection(EmulatorFixture.CollectionName)]
public sealed class KeyedBackfillEndToEndTests(EmulatorFixture fixture, ITestOutputHelper output)
{
    private sealed record Sent(string EventId, string User, string Item, string Category, string Type, double Value, DateTimeOffset Time);

    private static List<Sent> Stream(int from, int count, DateTimeOffset now)
    {
        var random = new Random(from + 7);
        string[] types = ["view", "click", "purchase"];
        var sent = new List<Sent>();
        for (var i = from; i < from + count; i++)
        {
            var user = $"u{random.Next(60)}";
            // Some producer duplicates: the same event id of the same user again (dropped by every version).
            var id = random.NextDouble() < 0.05 && sent.Count > 0 ? sent[^1].EventId : $"k{i}";
            if (id != $"k{i}") user = sent[^1].User;
            var type = types[random.Next(types.Length)];
            sent.Add(new Sent(id, user, $"item-{random.Next(12)}", $"cat-{random.Next(4)}", type, type == "purchase" ? 1 + random.Next(50) : 1,
                now.AddSeconds(-random.Next(20 * 3600))));
        }
        return sent;
    }

    private static byte[] Ndjson(IEnumerable<Sent> sent) => Encoding.UTF8.GetBytes(string.Join('\n', sent.Select(e =>
        $$"""{"eventId":"{{e.EventId}}","userId":"{{e.User}}","itemId":"{{e.Item}}","category":"{{e.Category}}","type":"{{e.Type}}","value":{{e.Value.ToString(CultureInfo.InvariantCulture)}},"timestamp":"{{e.Time.ToString("O", CultureInfo.InvariantCulture)}}"}""")));

    private static FeatureDefinitions Version2()
    {
        var v2 = FeatureDefinitionsReader.ReadDefault();
        v2.Version = 2;
        v2.Item.Add(new FeatureDefinition { Name = "buyers", Aggregation = "approxDistinct", Of = "userId", Types = ["purchase"], Windows = ["lifetime", "day:8"] });
        v2.Groups =
        [
            new GroupDefinition
            {
                Name = "category", Key = ["category"], Features =
                [
                    new FeatureDefinition { Name = "views", Aggregation = "count", Types = ["view"], Windows = ["lifetime", "hour:48"] },
                    new FeatureDefinition { Name = "buyers", Aggregation = "approxDistinct", Of = "userId", Types = ["purchase"], Windows = ["lifetime", "day:8"] },
                    new FeatureDefinition { Name = "revenue", Aggregation = "sum", Of = "value", Types = ["purchase"], Windows = ["lifetime"] },
                ],
            },
            new GroupDefinition
            {
                Name = "itemType", Key = ["itemId", "type"], Features = [new FeatureDefinition { Name = "n", Aggregation = "count", Windows = ["lifetime"] }],
            },
        ];
        v2.Leaderboards =
        [
            new LeaderboardDefinition { Name = "topCategories", Group = "category", Feature = "views", Windows = ["hour", "all"], K = 3 },
            new LeaderboardDefinition { Name = "categoryRevenue", Group = "category", Feature = "revenue", Windows = ["all"], K = 10 },
            new LeaderboardDefinition { Name = "topItemBuyers", Group = "item", Feature = "buyers", Windows = ["day", "all"], K = 5 },
        ];
        return v2;
    }

    [Fact]
    public async Task Backfilled_keyed_groups_and_leaderboards_equal_the_brute_force_and_stay_served_after_a_restart_on_the_promoted_version()
    {
        var v2 = Version2();
        var path = Path.Combine(Path.GetTempPath(), $"th-keyed-v2-{Guid.NewGuid():N}.json");
        await File.WriteAllTextAsync(path, FeatureDefinitionsReader.Serialize(v2));
        try
        {
            await using var host = new HostProcess(fixture, output, "keyedbackfill", new Dictionary<string, string>
            {
                ["Features__RegistryRefreshSeconds"] = "1",
                ["Rollups__ItemTailFlushSeconds"] = "1",
            });
            await host.StartAsync();
            var now = DateTimeOffset.UtcNow.AddMinutes(-1);
            var history = Stream(0, 2500, now);
            Assert.Equal(history.Count, await host.Client.PostNdjsonAsync(Ndjson(history), default));
            await host.Client.WaitForQuiescenceAsync(TimeSpan.FromMinutes(3), default);

            // Live traffic while the back-fill runs, and after it handed over: kept current by the host.
            var backfill = host.StartCli("keyed-backfill.log", "backfill", "--definitions", path, "--batch", "300");
            var during = Stream(2500, 400, now);
            Assert.Equal(during.Count, await host.Client.PostNdjsonAsync(Ndjson(during), default));
            await backfill.WaitForExitAsync();
            Assert.True(backfill.ExitCode == 0, host.LogTail("keyed-backfill.log"));
            output.WriteLine(host.LogTail("keyed-backfill.log"));
            var after = Stream(2900, 300, now);
            Assert.Equal(after.Count, await host.Client.PostNdjsonAsync(Ndjson(after), default));

            var compiled = FeatureDefinitionsReader.Compile(v2, "version 2");
            var sent = history.Concat(during).Concat(after).ToList();
            // Version 1's keys (the live rollup) hold every event: what the comparison with version 1 reads.
            await host.WaitUntilSettledAsync(sent.Count, Truth(sent, compiled).Count, TimeSpan.FromMinutes(3));
            var tile = DateTimeOffset.UtcNow.AddHours(-3);
            await AssertKeysEqualTheBruteForceAsync(host, compiled, Truth(sent, compiled), tile, "&version=2");

            // The groups both versions declare: version 2's back-filled keys answer what version 1's live rollup answers.
            foreach (var route in Truth(sent, compiled).Select(e => e.ItemId).Distinct().Select(i => $"/api/groups/item/features?itemId={i}&names=events")
                .Append("/api/groups/global/features?names=events"))
            {
                var (liveStatus, live) = await host.Client.GetAsync(route + "&version=1", default);
                var (shadowStatus, shadow) = await host.Client.GetAsync(route + "&version=2", default);
                Assert.Equal(200, liveStatus);
                Assert.Equal(200, shadowStatus);
                Assert.Equal(live.GetProperty("features").GetRawText(), shadow.GetProperty("features").GetRawText());
            }

            // Promoted: version 2's declared leaderboards, back-filled from the history, are served.
            var promote = host.StartCli("promote.log", "features", "promote", "2");
            await promote.WaitForExitAsync();
            Assert.True(promote.ExitCode == 0, host.LogTail("promote.log"));
            await Task.Delay(2500); // the registry refresh interval (1 s) and a margin: the host serves version 2
            await AssertLeaderboardsEqualTheBruteForceAsync(host, compiled, Truth(sent, compiled), tile);

            // The hosts restart on the promoted version (its definitions and users container configured): every
            // back-filled key and leaderboard stays served, and the events after the restart add to them.
            host.Kill();
            host.Set("Features__DefinitionsPath", path);
            host.Set("Cosmos__UsersContainer", "users-v2");
            await host.StartAsync();
            var restarted = Stream(3200, 300, now);
            Assert.Equal(restarted.Count, await host.Client.PostNdjsonAsync(Ndjson(restarted), default));
            sent.AddRange(restarted);
            await host.WaitUntilSettledAsync(sent.Count, Truth(sent, compiled).Count, TimeSpan.FromMinutes(3));
            var (_, versions) = await host.Client.GetAsync("/api/features/versions", default);
            Assert.Equal(2, versions.GetProperty("active").GetInt32());
            await AssertKeysEqualTheBruteForceAsync(host, compiled, Truth(sent, compiled), tile, "");
            await AssertLeaderboardsEqualTheBruteForceAsync(host, compiled, Truth(sent, compiled), tile);
        }
        finally
        {
            File.Delete(path);
        }
    }

    /// <summary>The brute force's input: every event once (a producer duplicate's later copy dropped), in the order sent.</summary>
    private static List<TreasureEvent> Truth(IEnumerable<Sent> sent, CompiledDefinitions compiled) => sent.DistinctBy(e => (e.User, e.EventId)).Select(e =>
    {
        Assert.True(compiled.TryGetType(e.Type, out var type));
        return new TreasureEvent(e.EventId, e.User, e.Item, e.Category, type, e.Value, e.Time);
    }).ToList();

    /// <summary>Every key of every group of version 2, lifetime and one hour tile, against the brute force.</summary>
    private async Task AssertKeysEqualTheBruteForceAsync(HostProcess host, CompiledDefinitions compiled, List<TreasureEvent> events, DateTimeOffset tile, string version)
    {
        var checkedKeys = 0;
        foreach (var group in compiled.Groups)
        {
            var all = group.StoringAll;
            foreach (var (_, (key, state, _)) in KeyedGroupBruteForce.Of(all, events, compiled))
            {
                var query = string.Join('&', group.Key.Select((k, i) => $"{k.Name}={Uri.EscapeDataString(key[i])}"));
                var hourly = group.Features.Where(f => f.WindowOf(WindowSize.Hour) is not null).Select(f => f.Name).ToList();
                var lifetime = group.Features.Where(f => f.Lifetime).Select(f => f.Name).ToList();
                var windows = new List<string> { $"lifetime&names={string.Join(',', lifetime)}" };
                if (hourly.Count > 0) windows.Add($"hour&at={Uri.EscapeDataString(tile.ToString("O", CultureInfo.InvariantCulture))}&names={string.Join(',', hourly)}");
                foreach (var window in windows)
                {
                    var windowName = window.Split('&')[0];
                    var (status, body) = await host.Client.GetAsync($"/api/groups/{group.Name}/features?{query}{(query.Length > 0 ? "&" : "")}window={window}{version}", default);
                    Assert.True(status == 200, $"{group.Name} {query} {window}: {status} {body}");
                    Assert.Equal(2, body.GetProperty("version").GetInt32());
                    state.Bind(all);
                    foreach (var feature in group.Features)
                    {
                        if (windowName == "hour" ? !hourly.Contains(feature.Name) : !lifetime.Contains(feature.Name)) continue;
                        var expected = FeatureAnswers.UserValue(feature, state.Feature(feature.Name), compiled,
                            windowName == "hour" ? QueryWindow.TileAt(WindowSize.Hour, tile) : QueryWindow.Lifetime, tile);
                        var actual = body.GetProperty("features").GetProperty(feature.Name);
                        Assert.True(JsonSerializer.Serialize(expected, JsonSerializerOptions.Web) == actual.GetRawText(),
                            $"{group.Name} {query} {feature.Name} {windowName}: expected {JsonSerializer.Serialize(expected, JsonSerializerOptions.Web)}, got {actual.GetRawText()}");
                    }
                }
                checkedKeys++;
            }
        }
        output.WriteLine($"{checkedKeys} keys of version 2 equal the brute force");
    }

    /// <summary>Every window of every declared leaderboard the stream covers (all time, the hour and the day of
    /// <paramref name="tile"/>), ranked as the brute force ranks the keys: value descending, ties by key.</summary>
    private async Task AssertLeaderboardsEqualTheBruteForceAsync(HostProcess host, CompiledDefinitions compiled, List<TreasureEvent> events, DateTimeOffset tile)
    {
        var compared = 0;
        foreach (var board in compiled.Leaderboards)
        {
            var keys = KeyedGroupBruteForce.Of(board.Group.StoringAll, events, compiled);
            foreach (var window in board.Windows)
            {
                long? start = CompiledLeaderboard.UnitOf(window) is { } unit ? unit.StartOf(tile) : null;
                var ranked = keys.Select(x =>
                {
                    x.Value.State.Bind(board.Group.StoringAll);
                    var value = board.ValueOf(x.Value.State.Feature(board.Feature.Name)!, window, start, compiled.TypeNames) ?? 0;
                    return new KeyedLeaderEntry { Key = x.Value.Key, Id = x.Key, Value = value };
                }).Where(e => e.Value != 0).Order(KeyedLeaderEntry.Ranking).Take(board.K).ToList();
                var at = Uri.EscapeDataString(tile.ToString("O", CultureInfo.InvariantCulture));
                var (status, body) = await host.Client.GetAsync($"/api/leaderboards/{board.Name}?window={CompiledLeaderboard.NameOf(window)}&at={at}&top={board.K}", default);
                Assert.True(status == 200, $"{board.Name} {window}: {status} {body}");
                var entries = body.GetProperty("entries").EnumerateArray().ToList();
                var keyField = board.Group.Key[0].Name;
                Assert.True(ranked.Count > 0, $"{board.Name} {window}: the stream covers the window");
                Assert.Equal(ranked.Select(e => $"{e.Key[0]}={Math.Round(e.Value, 6)}"),
                    entries.Select(e => $"{e.GetProperty("key").GetProperty(keyField).GetString()}={Math.Round(e.GetProperty("value").GetDouble(), 6)}"));
                compared++;
            }
        }
        output.WriteLine($"{compared} leaderboard windows of version 2 equal the brute force");
    }
}
