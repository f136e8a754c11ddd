using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Azure.Cosmos;
using TreasureHunt.Core.Features;
using TreasureHunt.IntegrationTests.Reliability;
using TreasureHunt.Testing;
using Xunit.Abstractions;

namespace TreasureHunt.IntegrationTests.Features;

/// <summary>
/// Definitions versions end to end on the real emulators: the local host serves version 1 from a live stream; <c>th backfill</c>
/// computes version 2 (one more feature) from the event log while the host runs, is killed in the middle and resumed,
/// then hands over to the live stream; its documents equal the live ones; <c>th features promote 2</c> switches
/// readers at once (none sees a mix) and version 1 stays readable; a same-version incompatible change refuses start-up.
/// </summary>
[Collection(EmulatorFixture.CollectionName)]
public sealed class BackfillEndToEndTests(EmulatorFixture fixture, ITestOutputHelper output)
{
    private static readonly int Purchase = Array.IndexOf(CompiledDefinitions.Default.TypeNames, "purchase");

    private static byte[] Events(int from, int count, int users)
    {
        var random = new Random(from);
        string[] types = ["click", "view", "purchase"];
        var now = DateTimeOffset.UtcNow.AddMinutes(-20);
        var lines = new StringBuilder();
        for (var i = from; i < from + count; i++)
        {
            var id = random.NextDouble() < 0.05 && i > from ? $"e{i - 1}" : $"e{i}"; // some producer duplicates
            var user = random.NextDouble() < 0.05 && i > from ? $"u{(i - 1) % users}" : $"u{i % users}";
            if (id != $"e{i}") user = $"u{(i - 1) % users}";
            lines.Append($$"""{"eventId":"{{id}}","userId":"{{user}}","itemId":"item-{{random.Next(30)}}","category":"cat-{{random.Next(6)}}","type":"{{types[random.Next(3)]}}","value":2,"timestamp":"{{now.AddMilliseconds(i * 10):O}}"}""").Append('\n');
        }
        return Encoding.UTF8.GetBytes(lines.ToString());
    }

    private async Task<long> ShadowPositionAsync(HostProcess host)
    {
        var progress = fixture.Cosmos.GetContainer(host.Database, "progress");
        long sum = 0;
        using var iterator = progress.GetItemQueryIterator<JsonElement>("SELECT c.appliedThrough FROM c WHERE c.consumerGroup = 'shadow-v2'");
        while (iterator.HasMoreResults)
        {
            foreach (var e in await iterator.ReadNextAsync()) sum += e.GetProperty("appliedThrough").GetInt64() + 1;
        }
        return sum;
    }

    [Fact]
    public async Task Backfill_killed_and_resumed_then_promoted_serves_what_a_live_run_from_the_start_gives()
    {
        var v2 = FeatureDefinitionsReader.ReadDefault();
        v2.Version = 2;
        v2.User.Add(new FeatureDefinition { Name = "purchases_lifetime", Aggregation = "count", Types = ["purchase"], Windows = ["lifetime"] });
        var path = Path.Combine(Path.GetTempPath(), $"th-defs-v2-{Guid.NewGuid():N}.json");
        await File.WriteAllTextAsync(path, FeatureDefinitionsReader.Serialize(v2));
        try
        {
            await using var host = new HostProcess(fixture, output, "backfill", new Dictionary<string, string> { ["Features__RegistryRefreshSeconds"] = "1" });
            await host.StartAsync();
            const int first = 6000;
            Assert.Equal(first, await host.Client.PostNdjsonAsync(Events(0, first, 300), default));
            await host.Client.WaitForQuiescenceAsync(TimeSpan.FromMinutes(3), default);

            // Killed in the middle: once some batches are checkpointed, and before the end.
            var run = host.StartCli("backfill-1.log", "backfill", "--definitions", path, "--batch", "25");
            long killedAt;
            while ((killedAt = await ShadowPositionAsync(host)) < 500)
            {
                Assert.False(run.HasExited, $"back-fill ended before it could be killed:\n{host.LogTail("backfill-1.log")}");
                await Task.Delay(50);
            }
            run.Kill(entireProcessTree: true);
            await run.WaitForExitAsync();
            killedAt = await ShadowPositionAsync(host);
            output.WriteLine($"back-fill killed at {killedAt} of {first} messages");
            Assert.InRange(killedAt, 500, first - 1);

            // Live traffic while the resumed back-fill runs: the hand-over must not lose or double any of it.
            var resumed = host.StartCli("backfill-2.log", "backfill", "--definitions", path, "--batch", "200");
            Assert.Equal(1000, await host.Client.PostNdjsonAsync(Events(first, 1000, 300), default));
            await resumed.WaitForExitAsync();
            Assert.True(resumed.ExitCode == 0, host.LogTail("backfill-2.log"));
            output.WriteLine(host.LogTail("backfill-2.log"));
            Assert.Equal(500, await host.Client.PostNdjsonAsync(Events(first + 1000, 500, 300), default));
            await host.Client.WaitForQuiescenceAsync(TimeSpan.FromMinutes(3), default);

            var live = await StoredUserDocuments.ReadAsync(fixture.Cosmos.GetContainer(host.Database, "users"));
            var shadow = await StoredUserDocuments.ReadAsync(fixture.Cosmos.GetContainer(host.Database, "users-v2"));
            Assert.Equal(300, live.Count);
            Assert.Equal(live.Keys.Order(), shadow.Keys.Order());
            foreach (var (id, document) in live)
            {
                var added = shadow[id]["features"]!.AsObject();
                var purchases = added["purchases_lifetime"]!["n"]![0]!.GetValue<long>();
                added.Remove("purchases_lifetime");
                Assert.Equal(document.ToJsonString(), shadow[id].ToJsonString());
                Assert.Equal(document["features"]!["events"]!["n"]![Purchase]!.GetValue<long>(), purchases); // the per-type lifetime counts
            }

            // Promotion while readers read: each answer is wholly version 1 or wholly version 2.
            var versionsSeen = new HashSet<int>();
            using var stop = new CancellationTokenSource();
            var reader = Task.Run(async () =>
            {
                while (!stop.IsCancellationRequested)
                {
                    var (status, body) = await host.Client.GetAsync("/api/users/u7/features", default);
                    Assert.Equal(200, status);
                    var version = body.GetProperty("version").GetInt32();
                    lock (versionsSeen) versionsSeen.Add(version);
                    Assert.Equal(version == 2, body.GetProperty("features").TryGetProperty("purchases_lifetime", out _));
                }
            });
            var promote = host.StartCli("promote.log", "features", "promote", "2");
            await promote.WaitForExitAsync();
            Assert.True(promote.ExitCode == 0, host.LogTail("promote.log"));
            var deadline = DateTime.UtcNow.AddSeconds(20);
            while (DateTime.UtcNow < deadline && !versionsSeen.Contains(2)) await Task.Delay(100);
            await Task.Delay(1500);
            await stop.CancelAsync();
            await reader;
            Assert.Contains(2, versionsSeen);

            var (okStatus, features) = await host.Client.GetAsync("/api/users/u7/features?names=purchases_lifetime", default);
            Assert.Equal(200, okStatus);
            Assert.Equal(live["u7"]["features"]!["events"]!["n"]![Purchase]!.GetValue<long>(), features.GetProperty("features").GetProperty("purchases_lifetime").GetInt64());
            var (oldStatus, old) = await host.Client.GetAsync("/api/users/u7/features?names=events&version=1", default);
            Assert.Equal(200, oldStatus);
            Assert.Equal(1, old.GetProperty("version").GetInt32());
            var (_, versions) = await host.Client.GetAsync("/api/features/versions", default);
            Assert.Equal(2, versions.GetProperty("active").GetInt32());
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public async Task Start_up_refuses_a_same_version_change_that_removes_a_feature_naming_it()
    {
        await using var first = new HostProcess(fixture, output, "defs-stored");
        await first.StartAsync(); // records the default definitions, version 1
        first.Kill();

        var changed = FeatureDefinitionsReader.ReadDefault();
        var removed = changed.User[^1].Name;
        changed.User.RemoveAt(changed.User.Count - 1);
        var path = Path.Combine(Path.GetTempPath(), $"th-defs-removed-{Guid.NewGuid():N}.json");
        await File.WriteAllTextAsync(path, FeatureDefinitionsReader.Serialize(changed));
        try
        {
            await using var second = new HostProcess(fixture, output, "defs-refused", new Dictionary<string, string>
            {
                ["Cosmos__Database"] = first.Database,
                ["Features__DefinitionsPath"] = path,
            });
            var refusal = await Assert.ThrowsAsync<InvalidOperationException>(() => second.StartAsync());
            output.WriteLine(refusal.Message);
            Assert.Contains($"'{removed}': removed without a new version", refusal.Message, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
