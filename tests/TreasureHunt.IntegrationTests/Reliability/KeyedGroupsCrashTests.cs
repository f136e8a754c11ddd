using System.Text;
using System.Text.Json;
using TreasureHunt.Core.Events;
using TreasureHunt.Core.Features;
using TreasureHunt.Core.Groups;
using TreasureHunt.Tools.Load;
using TreasureHunt.Pipeline.Queries;
using TreasureHunt.Testing;
using Xunit.Abstractions;

namespace TreasureHunt.IntegrationTests.Reliability;

/// <summary>
/// Keyed groups and declared leaderboards under SIGKILL: the keyed groups example (features/examples/keyed-groups.json)
/// through the local host killed twice mid-stream; the keys of the groups channel and category, 300 of itemCountry and
/// 40 items, and the leaderboards topRevenue (all time) and trendingCategories (this hour) equal the brute force over
/// the events — nothing lost, nothing doubled by the redelivered tails.
/// </summary>
[Collection(EmulatorFixture.CollectionName)]
public sealed class KeyedGroupsCrashTests(EmulatorFixture fixture, ITestOutputHelper output)
{
    private const int Events = 30_000;

    [Fact]
    public async Task Kills_mid_stream_lose_and_double_nothing_in_keyed_groups_and_leaderboards()
    {
        var example = Path.Combine(fixture.Emulators.RepoRoot, "features", "examples", "keyed-groups.json");
        var definitions = FeatureDefinitionsReader.Load(example);
        await using var host = new HostProcess(fixture, output, "keyedkill", new Dictionary<string, string>
        {
            ["Features__DefinitionsPath"] = example,
            ["Rollups__ShardCount"] = "4",
            ["Rollups__ItemTailFlushSeconds"] = "1",
        });
        await host.StartAsync();
        var generator = new EventGenerator(new LoadProfile(Users: 3_000, Items: 400, DuplicateRate: 0, BadRate: 0, Seed: 29, Attributes: definitions.Attributes.Attributes));
        var messages = Enumerable.Range(0, Events).Select(_ => generator.Next(DateTimeOffset.UtcNow).Body).ToList();

        using var sending = new CancellationTokenSource(TimeSpan.FromMinutes(10));
        var sender = ReliabilityTests.SendAsync(host.Client, messages, sending.Token);
        foreach (var killAt in new[] { Events / 4, Events / 2 })
        {
            await host.WaitForProcessedAsync(killAt, TimeSpan.FromMinutes(5));
            host.Kill();
            await Task.Delay(500);
            await host.StartAsync(); // resumes from the checkpoints; the replayed tail must change nothing
        }
        await sender;
        var logged = (await host.Client.GetStatusAsync(default)).Messages;
        await host.WaitUntilSettledAsync(logged, Events, TimeSpan.FromMinutes(10));

        // The brute force: every event once, in one state per key.
        var parser = new EventParser(definitions);
        var events = messages.Select((m, i) =>
        {
            Assert.True(parser.TryParse(new RawMessage(m, i, DateTimeOffset.UtcNow), "0", out var e, out var bad), bad?.Detail);
            return e!;
        }).ToList();
        var now = DateTimeOffset.UtcNow;
        foreach (var group in definitions.Groups.Where(g => g.Stored.Length > 0))
        {
            var expected = Testing.Reference.KeyedGroupBruteForce.Of(group, events, definitions);
            var keys = expected.OrderBy(x => x.Key, StringComparer.Ordinal).Take(group.IsItem ? 40 : 300).Select(x => (x.Value.Key, x.Value.State)).ToList();
            var lifetime = group.Stored.Where(f => f.Lifetime && f.Kind is AggregationKind.Count or AggregationKind.Sum).ToList();
            if (lifetime.Count == 0) continue;
            foreach (var (key, state) in keys)
            {
                var query = string.Join('&', group.Key.Select((k, i) => $"{k.Name}={Uri.EscapeDataString(key[i])}"));
                var (status, body) = await host.Client.GetAsync($"/api/groups/{group.Name}/features?{query}&names={string.Join(',', lifetime.Select(f => f.Name))}", default);
                Assert.True(status == 200, $"{group.Name} {query}: {status} {body}");
                foreach (var feature in lifetime)
                {
                    var truth = Convert.ToDouble(FeatureAnswers.UserValue(feature, state.Feature(feature.Name), definitions, QueryWindow.Lifetime, now), System.Globalization.CultureInfo.InvariantCulture);
                    Assert.Equal(truth, body.GetProperty("features").GetProperty(feature.Name).GetDouble(), 6);
                }
            }
            output.WriteLine($"{group.Name}: {keys.Count} keys equal the brute force");

            foreach (var board in definitions.Leaderboards.Where(l => l.Group == group && l.Windows.Contains(LeaderboardWindow.All)))
            {
                var ranked = expected.Values
                    .Select(x => new KeyedLeaderEntry { Key = x.Key, Id = GroupKeys.DocumentId(group, x.Key), Value = board.ValueOf(x.State.Feature(board.Feature.Name)!, LeaderboardWindow.All, null, definitions.TypeNames) ?? 0 })
                    .Where(e => e.Value != 0).Order(KeyedLeaderEntry.Ranking).Take(20).ToList();
                var (status, body) = await host.Client.GetAsync($"/api/leaderboards/{board.Name}?window=all&top=20", default);
                Assert.Equal(200, status);
                var entries = body.GetProperty("entries").EnumerateArray().ToList();
                Assert.Equal(ranked.Select(e => e.Key[0]), entries.Select(e => e.GetProperty("key").GetProperty(group.Key[0].Name).GetString()));
                Assert.Equal(ranked.Select(e => Math.Round(e.Value, 6)), entries.Select(e => Math.Round(e.GetProperty("value").GetDouble(), 6)));
            }
        }
    }
}
