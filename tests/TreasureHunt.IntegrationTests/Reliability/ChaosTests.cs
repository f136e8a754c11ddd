using System.Diagnostics;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using TreasureHunt.Tools.Load;
using TreasureHunt.Testing;
using Xunit.Abstractions;

namespace TreasureHunt.IntegrationTests.Reliability;

/// <summary>
/// Never lose, never stall, end to end: 200,000 events through the local host on a private pair of emulators that
/// answer 10 % of Cosmos document and Table entity requests with 429 or 503 (TH_FAULT_RATE=0.1), the host killed
/// with SIGKILL twice mid-stream, then one poison user whose document Azure refuses (user documents are bounded by
/// construction, so the emulator is told at run time to answer that user's writes with Azure's 413 for an item over
/// 2 MB). Every other aggregate must equal the ground truth while the poison user's messages
/// are all parked and visible; after the cause is removed (the refusal lifted) the replay brings the
/// poison user — and the totals, items and leaderboards — to the ground truth too.
/// Erasures under the same faults: 20 users erased during the load (before both kills), and a second poison user erased
/// while its messages are parked, before the replay. At the end the erased users are absent from every store and route
/// (user documents, parked rows, the event log after its compaction, the profile and feature routes); the rollups keep
/// their anonymous counts.
/// </summary>
[Collection(EmulatorFixture.CollectionName)]
public sealed class ChaosTests(EmulatorFixture fixture, ITestOutputHelper output)
{
    private const int Events = 200_000;
    private const double FaultRate = 0.1;
    private const int PoisonMessages = 1000; // one ingest request: appended at once, so the pump reads it as one batch
    private const string PoisonUser = "poison-user";
    private const int Victims = 20;
    private const string ErasedPoisonUser = "poison-erased";
    private const int ErasedPoisonMessages = 100;

    [Fact]
    public async Task Faults_kills_and_a_poison_user_lose_and_double_nothing_and_the_poison_is_parked_then_replayed()
    {
        var stateDir = Path.Combine(Path.GetTempPath(), "th-tests", TestNames.UniqueName("chaos-emulators"));
        var emulators = new LocalEmulators(line => Log(line), stateDir, fixture.Emulators.BlobPort + 40, FaultRate, faultSeed: 20261202);
        var chaos = new PrivateEmulatorFixture(emulators);
        var clock = Stopwatch.StartNew();
        var phases = new List<string>();
        void Phase(string name) => phases.Add($"{name} {clock.Elapsed.TotalSeconds:N0} s");
        await chaos.InitializeAsync();
        Phase("emulators up");
        try
        {
            await using var host = new HostProcess(chaos, output, "chaos");
            await host.StartAsync();
            var (generated, truth) = ReliabilityTests.Generate(Events, new LoadProfile(Users: 50_000, Items: 5_000, DuplicateRate: 0, BadRate: 0, Seed: 7));
            // The victims: 20 active users (not the heaviest); their events are sent first, so all are logged before their erasure.
            var victims = generated.GroupBy(UserOf).OrderByDescending(g => g.Count()).ThenBy(g => g.Key, StringComparer.Ordinal)
                .Skip(200).Take(Victims).Select(g => g.Key).ToHashSet(StringComparer.Ordinal);
            var messages = generated.Where(m => victims.Contains(UserOf(m))).Concat(generated.Where(m => !victims.Contains(UserOf(m)))).ToList();
            var victimMessages = messages.Count(m => victims.Contains(UserOf(m)));
            foreach (var victim in victims) truth.Users.Remove(victim); // the rollups keep their events: anonymous counts
            var erasureIds = new Dictionary<string, string>(StringComparer.Ordinal);

            using var sending = new CancellationTokenSource(TimeSpan.FromMinutes(20));
            var sender = ReliabilityTests.SendAsync(host.Client, messages, sending.Token);
            await host.WaitForProcessedAsync(victimMessages + 2000, TimeSpan.FromMinutes(5)); // past the requests that carry the victims' events
            foreach (var victim in victims.Order(StringComparer.Ordinal)) erasureIds[victim] = await EraseAsync(host, victim);
            Phase($"{Victims} users erased under load");
            foreach (var killAt in new[] { Events / 4, Events / 2 })
            {
                await host.WaitForProcessedAsync(killAt, TimeSpan.FromMinutes(10));
                host.Kill();
                await Task.Delay(500);
                await host.StartAsync(); // resumes from the checkpoints; the replayed tail must change nothing
                Phase($"restarted after a SIGKILL at {killAt:N0}");
            }
            await sender;
            var logged = (await host.Client.GetStatusAsync(default)).Messages;
            // Erase control messages are logged but are no events: the totals count the generated messages.
            await host.WaitUntilSettledAsync(Events, truth.Events, TimeSpan.FromMinutes(15));
            Phase("stream settled");

            // The poison user: user documents are bounded by construction, so none can pass Azure's 2 MB item
            // limit; the emulator is told to answer this user's writes as Azure answers an item over it (413).
            await SetLimitsAsync(emulators, new { refusePartitionKeys = new[] { PoisonUser, ErasedPoisonUser } });
            var poisonItems = truth.Items.Keys.Order(StringComparer.Ordinal).Take(5).ToList();
            var erasedPoison = Poison(ErasedPoisonUser, ErasedPoisonMessages, poisonItems);
            await host.Client.PostNdjsonAsync(Ndjson.Join(erasedPoison), default);
            var poison = Poison(PoisonUser, PoisonMessages, poisonItems);
            await host.Client.PostNdjsonAsync(Ndjson.Join(poison), default);
            await host.WaitUntilSettledAsync(Events + ErasedPoisonMessages + PoisonMessages, truth.Events, TimeSpan.FromMinutes(5));
            Phase("poison parked");

            // A user erased while its messages are parked: its rows go, the replay below brings nothing of it back.
            erasureIds[ErasedPoisonUser] = await EraseAsync(host, ErasedPoisonUser);
            await WaitForAppliedAsync(host, erasureIds[ErasedPoisonUser], TimeSpan.FromMinutes(2));
            // The erasure takes its deleted parked messages out of the totals through the batch's rollup: a flush later.
            await WaitForParkedTotalAsync(host, PoisonMessages, TimeSpan.FromMinutes(2));
            Phase("parked user erased");

            // The pipeline ran under faults; the verification reads do not (a whole-container query under 10 % faults
            // is restarted by every faulted page and never finishes).
            await SetLimitsAsync(emulators, new { faultRate = 0.0 });
            var (status, parked) = await host.Client.GetAsync($"/api/parked?top={PoisonMessages}", default);
            Assert.Equal(200, status);
            var rows = parked.GetProperty("items").EnumerateArray().ToList();
            Assert.Equal(PoisonMessages, rows.Count);
            Assert.All(rows, r => Assert.Equal((PoisonUser, "document_refused", "parked"),
                (r.GetProperty("userId").GetString(), r.GetProperty("reason").GetString(), r.GetProperty("status").GetString())));
            Assert.Equal(poison.Select(p => Encoding.UTF8.GetString(p)).Order(StringComparer.Ordinal),
                rows.Select(r => r.GetProperty("body").GetString()!).Order(StringComparer.Ordinal)); // the raw messages, whole
            var (_, totals) = await host.Client.GetAsync("/api/totals", default);
            Assert.Equal(PoisonMessages, totals.GetProperty("parked").GetInt64());
            await AggregateAssertions.AssertMatchesAsync(host, truth, chaos, output); // every other aggregate; no poison document
            Phase("first check");
            var (profileStatus, _) = await host.Client.GetAsync($"/api/users/{PoisonUser}/profile", default);
            Assert.Equal(404, profileStatus); // nothing of it applied while parked
            var hostStatus = await host.Client.GetStatusAsync(default);

            // The cause is removed: Azure's limit again. `./th replay-parked` (the CLI, against this host) applies them once:
            // its first run replays the 1000 messages, its next run releases nothing more and it stops (exit 0: nothing refused).
            await SetLimitsAsync(emulators, new { refusePartitionKeys = Array.Empty<string>() });
            var replayClock = Stopwatch.StartNew();
            var (exitCode, replayOutput) = await host.RunThAsync(HostClient.ReplayTimeout, "replay-parked");
            var replayTime = replayClock.Elapsed;
            Phase("replayed");
            Assert.Equal(0, exitCode);
            Assert.Contains($"run 1: {PoisonMessages:N0} replayed", replayOutput, StringComparison.Ordinal);
            // Replaying again changes nothing: nothing replayed, superseded or released, nothing parked.
            var (replayStatus, again) = await host.Client.ReplayParkedAsync(default);
            Assert.Equal(200, replayStatus);
            Assert.Equal((0, 0, 0, 0), (again.GetProperty("replayed").GetInt32(), again.GetProperty("superseded").GetInt32(),
                again.GetProperty("usersReleased").GetInt32(), again.GetProperty("stillRefused").GetArrayLength()));
            (status, parked) = await host.Client.GetAsync($"/api/parked?status=all&top={PoisonMessages}", default);
            Assert.Equal(200, status);
            Assert.Equal(Enumerable.Repeat("replayed", PoisonMessages),
                parked.GetProperty("items").EnumerateArray().Select(r => r.GetProperty("status").GetString()));
            foreach (var message in poison) truth.Add(message);
            await host.WaitUntilSettledAsync(Events + PoisonMessages, truth.Events, TimeSpan.FromMinutes(5));
            (_, totals) = await host.Client.GetAsync("/api/totals", default);
            Assert.Equal(0, totals.GetProperty("parked").GetInt64());
            await AggregateAssertions.AssertMatchesAsync(host, truth, chaos, output, sampledItems: 60);
            await AssertErasedEverywhereAsync(host, erasureIds);
            Phase("second check");

            var cosmosStats = await StatsAsync(emulators.CosmosEndpoint, LocalEmulators.WellKnownCosmosKey);
            var tableStats = await StatsAsync(new Uri($"http://127.0.0.1:{emulators.TablePort}/"), LocalEmulators.WellKnownStorageKey);
            output.WriteLine($"CHAOS: {Events:N0} events ({logged:N0} messages logged), fault rate {FaultRate}, 2 SIGKILLs; since the test started: {string.Join(", ", phases)}");
            output.WriteLine($"CHAOS: faults injected — Cosmos {cosmosStats.GetProperty("faults")} of {cosmosStats.GetProperty("documentRequests")} document requests, " +
                $"Table {tableStats.GetProperty("faults")} of {tableStats.GetProperty("entityRequests")} entity requests; Cosmos refusals {cosmosStats.GetProperty("refused")}");
            output.WriteLine($"CHAOS: host since its last start: {hostStatus.Retries} failed batch attempts (retried), longest hold {hostStatus.LongestHoldSeconds:N1} s, {hostStatus.Parked} parked; " +
                $"replay by `th replay-parked` in {replayTime.TotalSeconds:N1} s; a second replay: {again}");
        }
        finally
        {
            await chaos.DisposeAsync();
            try { Directory.Delete(stateDir, recursive: true); } catch (IOException) { }
        }
    }

    /// <summary>One user's messages (distinct 128-char event ids), sent in one request.</summary>
    private static List<byte[]> Poison(string user, int count, IReadOnlyList<string> items)
    {
        string[] types = ["view", "click", "share", "claim", "purchase"];
        var now = DateTimeOffset.UtcNow;
        return Enumerable.Range(0, count).Select(i => Encoding.UTF8.GetBytes(JsonSerializer.Serialize(new
        {
            eventId = $"{user}-{i:D6}-".PadRight(128, 'x'),
            userId = user,
            itemId = items[i % items.Count],
            category = LoadProfile.Categories[i % LoadProfile.Categories.Length],
            type = types[i % types.Length],
            value = 1 + i % 3,
            timestamp = now.AddMilliseconds(-i).ToString("O"),
        }))).ToList();
    }

    private static string UserOf(byte[] message)
    {
        using var json = JsonDocument.Parse(message);
        return json.RootElement.GetProperty("userId").GetString()!;
    }

    /// <summary>DELETE /api/users/{userId} until it is accepted (the host writes the erasure log under faults too).</summary>
    private static async Task<string> EraseAsync(HostProcess host, string userId)
    {
        for (var attempt = 1; ; attempt++)
        {
            var (status, body) = await host.Client.EraseUserAsync(userId, default);
            if (status == 202) return body.GetProperty("erasureId").GetString()!;
            Assert.True(status >= 500 && attempt < 20, $"erasing {userId}: {status} {body}");
            await Task.Delay(200);
        }
    }

    private static async Task WaitForAppliedAsync(HostProcess host, string erasureId, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var (status, body) = await host.Client.GetErasureAsync(erasureId, default);
            if (status == 200 && body.GetProperty("state").GetString() == "applied") return;
            Assert.True(DateTime.UtcNow < deadline, $"erasure {erasureId} not applied after {timeout}: {status} {body}");
            await Task.Delay(100);
        }
    }

    private static async Task WaitForParkedTotalAsync(HostProcess host, long expected, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            try
            {
                var (status, totals) = await host.Client.GetAsync("/api/totals", default);
                if (status == 200 && totals.GetProperty("parked").GetInt64() == expected) return;
                Assert.True(DateTime.UtcNow < deadline, $"totals.parked is not {expected} after {timeout}: {status} {totals}");
            }
            catch (HttpRequestException) when (DateTime.UtcNow < deadline)
            {
                // a store throttled past its retries (fault injection): look again
            }
            await Task.Delay(500);
        }
    }

    /// <summary>Every erased user: its erasure applied, no profile or features, no parked row, and no record before its
    /// erasure left in the event log once the host has compacted it. (Their user documents: AggregateAssertions counts them.)</summary>
    private async Task AssertErasedEverywhereAsync(HostProcess host, Dictionary<string, string> erasureIds)
    {
        foreach (var (userId, erasureId) in erasureIds)
        {
            await WaitForAppliedAsync(host, erasureId, TimeSpan.FromMinutes(1));
            foreach (var route in new[] { $"/api/users/{userId}/profile", $"/api/users/{userId}/features" })
            {
                var (code, body) = await host.Client.GetAsync(route, default);
                Assert.True(code == 404, $"{route}: {code} {body}");
            }
        }
        // Per partition, in sequence order (the erased poison user's rows, sent before the other's, would come first).
        foreach (var partition in Enumerable.Range(0, 8))
        {
            var (_, parked) = await host.Client.GetAsync($"/api/parked?partition={partition}&status=all&top=1000", default);
            var parkedUsers = parked.GetProperty("items").EnumerateArray().Select(r => r.GetProperty("userId").GetString()).ToHashSet();
            Assert.Empty(parkedUsers.Intersect(erasureIds.Keys));
        }

        await EventLogContents.WaitUntilCompactedAsync(host.StateDir, erasureIds.Keys.ToHashSet(StringComparer.Ordinal), TimeSpan.FromMinutes(1));
        output.WriteLine($"CHAOS: {erasureIds.Count} erased users absent from the user documents, parked rows, routes and the compacted event log");
    }

    private static HttpClient EmulatorHttp(string key)
    {
        var http = new HttpClient(EmulatorClients.CreateEmulatorHandler(), disposeHandler: true);
        http.DefaultRequestHeaders.Add("x-th-emulator-key", key);
        return http;
    }

    private static async Task SetLimitsAsync(LocalEmulators emulators, object limits)
    {
        using var http = EmulatorHttp(LocalEmulators.WellKnownCosmosKey);
        using var response = await http.PutAsJsonAsync(new Uri(emulators.CosmosEndpoint, "/_th/limits"), limits);
        response.EnsureSuccessStatusCode();
    }

    private static async Task<JsonElement> StatsAsync(Uri endpoint, string key)
    {
        using var http = EmulatorHttp(key);
        return await http.GetFromJsonAsync<JsonElement>(new Uri(endpoint, "/_th/stats"));
    }

    private void Log(string line)
    {
        try { output.WriteLine($"[chaos emulators] {line}"); } catch (InvalidOperationException) { } // after the test ended
    }
}
