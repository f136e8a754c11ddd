using TreasureHunt.Tools.Load;
using TreasureHunt.Testing;
using Xunit.Abstractions;

namespace TreasureHunt.IntegrationTests.Reliability;

/// <summary>
/// The documented resharding procedure (docs/data-model.md#resharding) on a live host: <c>Rollups:ShardCount</c>
/// changed from 4 to 8 mid-stream — the host killed while batches and rollups are in flight, then restarted with the
/// new setting, as an app-setting change restarts a Functions app. Item stats, hourly and all-time leaderboards and
/// totals must equal the ground truth: sealed rollups of the old layout drain to the old entities, pending ones are
/// re-keyed, item documents and leaderboard sections are keyed by shard, so nothing is lost or doubled.
/// </summary>
[Collection(EmulatorFixture.CollectionName)]
public sealed class ReshardingTests(EmulatorFixture fixture, ITestOutputHelper output)
{
    private const int Events = 20_000;
    private static readonly string[] Types = ["view", "click", "share", "claim", "purchase"];

    [Fact]
    public async Task Changing_the_shard_count_mid_stream_keeps_item_stats_and_leaderboards_exact()
    {
        await using var host = new HostProcess(fixture, output, "reshard", new Dictionary<string, string>
        {
            ["Rollups__ShardCount"] = "4",
            ["Rollups__ItemTailFlushSeconds"] = "1",
        });
        host.ShardLayouts.Add(4);
        await host.StartAsync();
        var (messages, truth) = ReliabilityTests.Generate(Events, new LoadProfile(Users: 1_000, Items: 400, DuplicateRate: 0, BadRate: 0, Seed: 23));

        await ReliabilityTests.SendAsync(host.Client, messages[..(Events / 2)], default);
        while ((await host.Client.GetStatusAsync(default)).Processed < Events / 4)
        {
            await Task.Delay(100);
        }
        host.Kill(); // mid-stream: batches, pending and sealed rollups of the 4-shard layout in flight
        host.Set("Rollups__ShardCount", "8");
        host.ShardLayouts.Add(8);
        await host.StartAsync();
        await ReliabilityTests.SendAsync(host.Client, messages[(Events / 2)..], default);

        var logged = (await host.Client.GetStatusAsync(default)).Messages;
        await host.WaitUntilSettledAsync(logged, truth.Events, TimeSpan.FromMinutes(5));
        await AggregateAssertions.AssertMatchesAsync(host, truth, fixture, output, sampledItems: 80);

        // All-time leaderboards: sections of both layouts in one document, merged exactly.
        for (var t = 0; t < Types.Length; t++)
        {
            var expected = truth.Items.Where(i => i.Value[t] > 0).OrderByDescending(i => i.Value[t]).ThenBy(i => i.Key, StringComparer.Ordinal)
                .Take(20).Select(i => (i.Key, i.Value[t])).ToList();
            var (status, board) = await host.Client.GetAsync($"/api/leaderboard?type={Types[t]}&window=all&top=20", default);
            Assert.Equal(200, status);
            var actual = board.GetProperty("items").EnumerateArray().Select(i => (i.GetProperty("itemId").GetString()!, i.GetProperty("count").GetInt64())).ToList();
            Assert.Equal(expected, actual);
        }
        output.WriteLine("after 4 → 8 shards mid-stream: totals, item stats, hourly and all-time leaderboards equal the ground truth");
    }
}
