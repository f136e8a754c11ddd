using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Azure.Cosmos;
using TreasureHunt.Core.Erasure;
using TreasureHunt.Core.Features;
using TreasureHunt.Tools.Load;
using TreasureHunt.Testing;
using Xunit.Abstractions;

namespace TreasureHunt.IntegrationTests.Reliability;

/// <summary>
/// Erasure on the real local host (a child process on the emulators): a user erased while a load is flowing, then the
/// host killed with SIGKILL right after the erasure was applied and started again, so that it redelivers from its
/// checkpoint (which lags the progress) the batches that hold the user's events and the control message. The user is
/// absent from every store and route; every other user, the totals, item stats and leaderboards equal the ground truth
/// (the rollups are anonymous counts and keep the erased user's events). Then the host compacts its event log, the
/// Cosmos data is lost and the host rebuilds from that log: the user stays erased and the rebuilt rollups no longer
/// count its compacted events.
/// </summary>
[Collection(EmulatorFixture.CollectionName)]
public sealed class ErasureEndToEndTests(EmulatorFixture fixture, ITestOutputHelper output)
{
    [Fact]
    public async Task A_user_erased_during_a_load_stays_erased_after_a_kill_and_redelivery_and_everyone_else_equals_the_ground_truth()
    {
        await using var host = new HostProcess(fixture, output, "erase", new Dictionary<string, string>
        {
            ["Tables__ParkedTable"] = "erasepark" + Guid.NewGuid().ToString("N")[..8],
            ["Tables__ErasuresTable"] = "eraselog" + Guid.NewGuid().ToString("N")[..8],
            ["Retention__ErasureCleanupSeconds"] = "2",
        });
        await host.StartAsync();
        var (messages, truth) = ReliabilityTests.Generate(20_000, new LoadProfile(Users: 2_000, Items: 500, DuplicateRate: 0, BadRate: 0, Seed: 25));
        var firstHalf = messages.Take(10_000).ToList();
        var victim = firstHalf.Select(UserOf).GroupBy(u => u).OrderByDescending(g => g.Count()).ThenBy(g => g.Key, StringComparer.Ordinal).First().Key;
        // After the erasure the victim sends nothing more, so it must be absent everywhere (a new profile is ErasureTests').
        var secondHalf = messages.Skip(10_000).Where(m => UserOf(m) != victim).ToList();
        var sent = firstHalf.Concat(secondHalf).ToList();
        var expected = new GroundTruth();
        foreach (var m in sent) expected.Add(m);
        Assert.True(expected.Users.Remove(victim, out var victimTruth) && victimTruth.Counts.Sum() > 10);

        var load = Task.Run(async () =>
        {
            await ReliabilityTests.SendAsync(host.Client, firstHalf, default);
        });
        await host.WaitForProcessedAsync(2_000, TimeSpan.FromMinutes(2));
        await load; // every event of the victim is in the log before its erasure
        var (status, accepted) = await host.Client.EraseUserAsync(victim, default);
        Assert.Equal(202, status);
        var erasureId = accepted.GetProperty("erasureId").GetString()!;
        var secondLoad = Task.Run(() => ReliabilityTests.SendAsync(host.Client, secondHalf, default));

        // Kill the host as soon as the erasure is applied: its checkpoints lag, so the restart redelivers the user's batches.
        var applied = await WaitForAppliedAsync(host, erasureId, TimeSpan.FromMinutes(2));
        host.Kill();
        await secondLoad.ContinueWith(_ => { }, TaskScheduler.Default); // requests cut by the kill are sent again below
        await host.StartAsync();
        await ReliabilityTests.SendAsync(host.Client, secondHalf, default); // at-least-once producer: duplicates are dropped
        await host.WaitUntilSettledAsync(sent.Count, expected.Events, TimeSpan.FromMinutes(5));

        await AggregateAssertions.AssertMatchesAsync(host, expected, fixture, output, sampledItems: 60);
        foreach (var route in new[] { $"/api/users/{victim}/profile", $"/api/users/{victim}/features" })
        {
            var (code, body) = await host.Client.GetAsync(route, default);
            Assert.True(code == 404, $"{route}: {code} {body}");
        }
        var (_, parked) = await host.Client.GetAsync("/api/parked?status=all&top=1000", default);
        Assert.DoesNotContain(victim, parked.ToString(), StringComparison.Ordinal);
        var (_, after) = await host.Client.GetErasureAsync(erasureId, default);
        Assert.Equal("applied", after.GetProperty("state").GetString());
        Assert.Equal(applied.GetProperty("sequenceNumber").GetInt64(), after.GetProperty("sequenceNumber").GetInt64());
        Assert.DoesNotContain(victim, after.ToString(), StringComparison.Ordinal);
        // The physical cleanup (parked rows, dead letters), whether or not the kill interrupted it, completes after the restart.
        after = await WaitForCleanedAsync(host, erasureId, TimeSpan.FromMinutes(1));
        output.WriteLine($"erasure {erasureId}: {after}");

        // The host compacts its log: none of the victim's events is left before the erasure. Then the Cosmos data is
        // lost; the host rebuilds every aggregate from that log, which applies the erasure again and never sees the
        // victim's events — so the rollups are rebuilt without them, and everyone else equals the ground truth again.
        await EventLogContents.WaitUntilCompactedAsync(host.StateDir, new HashSet<string>(StringComparer.Ordinal) { victim }, TimeSpan.FromMinutes(1));
        host.Kill();
        using (await fixture.Cosmos.GetDatabase(host.Database).DeleteStreamAsync()) { }
        await host.StartAsync();
        var rebuilt = new GroundTruth();
        foreach (var m in sent.Where(m => UserOf(m) != victim)) rebuilt.Add(m);
        await host.WaitUntilSettledAsync(rebuilt.Events, rebuilt.Events, TimeSpan.FromMinutes(5));
        await AggregateAssertions.AssertMatchesAsync(host, rebuilt, fixture, output, sampledItems: 60);
        Assert.Equal(404, (await host.Client.GetAsync($"/api/users/{victim}/profile", default)).Status);
        Assert.Equal("applied", (await host.Client.GetErasureAsync(erasureId, default)).Body.GetProperty("state").GetString());
    }

    [Fact]
    public async Task Th_erase_then_a_backfill_from_the_log_and_a_restore_with_reapply_never_bring_the_user_back()
    {
        var v2 = FeatureDefinitionsReader.ReadDefault();
        v2.Version = 2;
        var path = Path.Combine(Path.GetTempPath(), $"th-defs-v2-{Guid.NewGuid():N}.json");
        await File.WriteAllTextAsync(path, FeatureDefinitionsReader.Serialize(v2));
        try
        {
            await using var host = new HostProcess(fixture, output, "erasebf", new Dictionary<string, string>
            {
                ["Features__RegistryRefreshSeconds"] = "1",
                ["Tables__ParkedTable"] = "erasebfpark" + Guid.NewGuid().ToString("N")[..8],
                ["Tables__ErasuresTable"] = "erasebflog" + Guid.NewGuid().ToString("N")[..8],
            });
            await host.StartAsync();
            var (messages, _) = ReliabilityTests.Generate(3_000, new LoadProfile(Users: 300, Items: 100, DuplicateRate: 0, BadRate: 0, Seed: 26));
            await ReliabilityTests.SendAsync(host.Client, messages, default);
            await host.Client.WaitForQuiescenceAsync(TimeSpan.FromMinutes(3), default);
            var victim = messages.Select(UserOf).GroupBy(u => u).OrderByDescending(g => g.Count()).ThenBy(g => g.Key, StringComparer.Ordinal).First().Key;
            var users = fixture.Cosmos.GetContainer(host.Database, "users");
            var before = (await users.ReadItemAsync<JsonObject>(victim, new PartitionKey(victim))).Resource;
            var erasedFrom = DateTimeOffset.UtcNow;

            // Ingest refuses a message that starts like a control message: erasing goes through DELETE only.
            var logged = (await host.Client.GetStatusAsync(default)).Messages;
            var forged = System.Text.Encoding.UTF8.GetBytes($$"""{"$control":"erase","erasureId":"{{new string('a', 32)}}","userId":"{{victim}}","requestedAt":"2026-01-01T00:00:00Z"}""");
            var refused = await Assert.ThrowsAsync<InvalidOperationException>(() => host.Client.PostNdjsonAsync(forged, default));
            Assert.Contains("ingest answered 400", refused.Message, StringComparison.Ordinal);
            Assert.Equal(logged, (await host.Client.GetStatusAsync(default)).Messages);

            var (exit, text) = await host.RunThAsync(TimeSpan.FromMinutes(2), "erase", victim);
            Assert.True(exit == 0 && text.Contains($"{victim}: erased", StringComparison.Ordinal), text);
            Assert.Equal(404, (await host.Client.GetAsync($"/api/users/{victim}/profile", default)).Status);

            // A new definitions version back-filled from the event log, which still holds the user's events.
            var backfill = host.StartCli("backfill.log", "backfill", "--definitions", path, "--batch", "50");
            await backfill.WaitForExitAsync();
            Assert.True(backfill.ExitCode == 0, host.LogTail("backfill.log"));
            var live = await IdsAsync(users);
            var shadow = await IdsAsync(fixture.Cosmos.GetContainer(host.Database, "users-v2"));
            Assert.DoesNotContain(victim, live);
            Assert.Equal(live.Order(), shadow.Order());
            Assert.Equal(messages.Select(UserOf).Distinct().Count() - 1, live.Count);

            // A point-in-time restore to before the erasure brings the document back and the tombstone goes; the log stays.
            host.Kill();
            await users.UpsertItemAsync(before, new PartitionKey(victim));
            var progress = fixture.Cosmos.GetContainer(host.Database, "progress");
            var hash = UserIdHash.Of(victim);
            var withTombstone = 0;
            using (var iterator = progress.GetItemQueryIterator<JsonObject>("SELECT * FROM c WHERE c.consumerGroup = 'aggregator'"))
            {
                while (iterator.HasMoreResults)
                {
                    foreach (var document in await iterator.ReadNextAsync())
                    {
                        if (document["erased"]?.AsObject().Remove(hash) != true) continue;
                        withTombstone++;
                        await progress.ReplaceItemAsync(document, document["id"]!.GetValue<string>(), new PartitionKey(document["partitionId"]!.GetValue<string>()));
                    }
                }
            }
            Assert.Equal(1, withTombstone);
            var reapply = host.StartCli("reapply.log", "erasures", "reapply", "--since", erasedFrom.ToString("O"));
            await reapply.WaitForExitAsync();
            Assert.True(reapply.ExitCode == 0, host.LogTail("reapply.log"));
            output.WriteLine(host.LogTail("reapply.log"));
            Assert.DoesNotContain(victim, await IdsAsync(users));
            await host.StartAsync();
            Assert.Equal(404, (await host.Client.GetAsync($"/api/users/{victim}/profile", default)).Status);
            Assert.Equal(404, (await host.Client.GetAsync($"/api/users/{victim}/features?version=2", default)).Status); // the back-filled version
        }
        finally
        {
            File.Delete(path);
        }
    }

    private static async Task<List<string>> IdsAsync(Container container)
    {
        var ids = new List<string>();
        using var iterator = container.GetItemQueryIterator<JsonObject>("SELECT c.id FROM c");
        while (iterator.HasMoreResults)
        {
            foreach (var item in await iterator.ReadNextAsync()) ids.Add(item["id"]!.GetValue<string>());
        }
        return ids;
    }

    private static string UserOf(byte[] message)
    {
        using var json = JsonDocument.Parse(message);
        return json.RootElement.GetProperty("userId").GetString()!;
    }

    private static async Task<JsonElement> WaitForAppliedAsync(HostProcess host, string erasureId, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var (status, body) = await host.Client.GetErasureAsync(erasureId, default);
            if (status == 200 && body.GetProperty("state").GetString() == "applied") return body;
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"erasure {erasureId} not applied after {timeout}: {status} {body}\n{host.LogTail("host.log")}");
            await Task.Delay(50);
        }
    }

    /// <summary>Waits until no store of the erasure is "pending" any more (the cleanup worker has run for it).</summary>
    private static async Task<JsonElement> WaitForCleanedAsync(HostProcess host, string erasureId, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var (status, body) = await host.Client.GetErasureAsync(erasureId, default);
            if (status == 200 && body.GetProperty("stores").EnumerateObject().All(s => s.Value.GetString() != "pending")
                && body.GetProperty("stores").TryGetProperty("parked", out _)) return body;
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"erasure {erasureId} not cleaned after {timeout}: {status} {body}\n{host.LogTail("host.log")}");
            await Task.Delay(200);
        }
    }
}
