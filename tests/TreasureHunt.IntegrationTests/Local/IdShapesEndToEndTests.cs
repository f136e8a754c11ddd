using System.Net;
using System.Text;
using System.Text.Json;
using TreasureHunt.IntegrationTests.Reliability;
using TreasureHunt.Testing;
using Xunit.Abstractions;

namespace TreasureHunt.IntegrationTests.Local;

/// <summary>
/// Every id shape the contract admits is ingested, stored and queried on the real local host, and the shapes it does
/// not (the dot segments <c>.</c> and <c>..</c>, which a Cosmos document path cannot carry) are dead-lettered: no
/// partition stalls behind them, and the events sent after them are applied.
/// </summary>
[Collection(EmulatorFixture.CollectionName)]
public sealed class IdShapesEndToEndTests(EmulatorFixture fixture, ITestOutputHelper output)
{
    /// <summary>Admitted shapes: every character class, dots anywhere but alone, the longest id.</summary>
    private static readonly string[] Admitted =
    [
        "...", ".a", "a.", "a..b", "..a", "a..", ".:", ":", "@", "-", "_", "a:b@c-d_e.f", "AZaz09",
        new string('x', 127) + ".", new string('.', 128),
    ];

    private static string Event(string eventId, string userId, string itemId) =>
        JsonSerializer.Serialize(new { eventId, userId, itemId, type = "view", timestamp = DateTimeOffset.UtcNow.AddSeconds(-5).ToString("O") });

    [Fact]
    public async Task Dot_segment_ids_are_dead_lettered_and_every_partition_keeps_flowing()
    {
        await using var host = new HostProcess(fixture, output, "idshapes");
        await host.StartAsync();
        var lines = new List<string>();
        var n = 0;
        foreach (var id in Admitted) lines.Add(Event($"ok-{n++}", id, id));
        lines.Add(Event($"bad-{n++}", ".", "t-1"));
        lines.Add(Event($"bad-{n++}", "..", "t-1"));
        lines.Add(Event($"bad-{n++}", "u-1", "."));
        // Marker users sent after the odd ids: with 8 partitions, every partition has some.
        var markers = Enumerable.Range(0, 64).Select(i => $"marker-{i}").ToList();
        foreach (var user in markers) lines.Add(Event($"after-{n++}", user, "t-2"));
        Assert.Equal(lines.Count, await host.Client.PostNdjsonAsync(Encoding.UTF8.GetBytes(string.Join('\n', lines)), default));

        await host.WaitUntilSettledAsync(expectedMessages: lines.Count, expectedEvents: lines.Count - 3, TimeSpan.FromMinutes(3));

        var status = await host.Client.GetStatusAsync(default);
        Assert.True(status.Quiescent, status.ToString());
        foreach (var user in markers.Concat(Admitted))
        {
            var (code, _) = await host.Client.GetAsync($"/api/users/{Uri.EscapeDataString(user)}/profile", default);
            Assert.True(code == 200, $"profile of '{user}': {code}");
        }
        foreach (var item in Admitted.Append("t-2"))
        {
            var (code, _) = await host.Client.GetAsync($"/api/items/{Uri.EscapeDataString(item)}/stats", default);
            Assert.True(code == 200, $"stats of '{item}': {code}");
        }
        var (_, dead) = await host.Client.GetAsync("/api/deadletters", default);
        var reasons = dead.GetProperty("items").EnumerateArray().Select(d => d.GetProperty("reason").GetString()).ToList();
        Assert.Equal(["bad_id", "bad_id", "bad_id"], reasons);
        var (_, totals) = await host.Client.GetAsync("/api/totals", default);
        Assert.Equal(0, totals.GetProperty("parked").GetInt64());

        // The query routes refuse dot segments as sent (also percent-encoded), before the server normalizes them away.
        using var http = new HttpClient();
        foreach (var path in new[] { "/api/users/%2E%2E/profile", "/api/users/./profile", "/api/users/../features", "/api/items/%2e/stats" })
        {
            var uri = new Uri($"http://127.0.0.1:{host.Port}{path}", new UriCreationOptions { DangerousDisablePathAndQueryCanonicalization = true });
            using var request = new HttpRequestMessage(HttpMethod.Get, uri);
            request.Headers.Add("x-functions-key", host.Keys.Reader);
            using var response = await http.SendAsync(request);
            Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{path}: {(int)response.StatusCode}");
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        }
    }
}
