using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using TreasureHunt.IntegrationTests.Reliability;
using TreasureHunt.Local.Hosting;
using TreasureHunt.Tools.Load;
using TreasureHunt.Testing;
using Xunit.Abstractions;

namespace TreasureHunt.IntegrationTests.Local;

/// <summary>
/// Hostile and malformed requests against the real local host (a child process on the emulators): every one gets a
/// 4xx problem-details answer or a dead letter with a reason, never a 500, and nothing acknowledged is lost.
/// </summary>
[Collection(EmulatorFixture.CollectionName)]
public sealed class LocalHostHttpTests(EmulatorFixture fixture, ITestOutputHelper output)
{
    private static string Event(string userIdJson, string eventId) =>
        $$"""{"eventId":"{{eventId}}","userId":{{userIdJson}},"itemId":"t-1","type":"view","timestamp":"{{DateTimeOffset.UtcNow.AddMinutes(-1):O}}"}""";

    private static async Task<(int Status, string? ContentType, JsonElement Body)> SendAsync(HttpClient http, HttpRequestMessage request)
    {
        using var response = await http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        using var json = JsonDocument.Parse(text.Length == 0 ? "null" : text);
        return ((int)response.StatusCode, response.Content.Headers.ContentType?.MediaType, json.RootElement.Clone());
    }

    private static HttpRequestMessage Post(string body, string? contentType, LocalKeys? keys, string route = "/api/events")
    {
        var key = KeyFor(keys, "POST", route);
        var request = new HttpRequestMessage(HttpMethod.Post, route) { Content = new ByteArrayContent(Encoding.UTF8.GetBytes(body)) };
        request.Content.Headers.ContentType = contentType is null ? null : MediaTypeHeaderValue.Parse(contentType);
        if (key is not null) request.Headers.Add("x-functions-key", key);
        return request;
    }

    private static HttpRequestMessage Get(string route, LocalKeys? keys)
    {
        var key = KeyFor(keys, "GET", route);
        var request = new HttpRequestMessage(HttpMethod.Get, route);
        if (key is not null) request.Headers.Add("x-functions-key", key);
        return request;
    }

    /// <summary>The key of the role the route needs (the route table's), as ./th sends it.</summary>
    private static string? KeyFor(LocalKeys? keys, string method, string route) =>
        keys is not null && HostClient.RoleOf(method, route) is { } role ? keys.For(role) : null;

    [Fact]
    public async Task Bad_requests_get_problem_details_and_bad_messages_become_dead_letters()
    {
        await using var host = new HostProcess(fixture, output, "hostile", new Dictionary<string, string> { ["Local__MaxMessagesPerRequest"] = "100" });
        await host.StartAsync();
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{host.Port}") };
        var key = host.Keys;

        // Liveness is anonymous; readiness and everything else need the key, in the header only.
        Assert.Equal(200, (await SendAsync(http, Get("/api/health", null))).Status);
        Assert.Equal(401, (await SendAsync(http, Get("/api/health/ready", null))).Status);
        var ready = await SendAsync(http, Get("/api/health/ready", key));
        Assert.Equal(200, ready.Status);
        Assert.True(ready.Body.GetProperty("checks").EnumerateObject().All(c => c.Value.GetBoolean()));
        var viaQuery = await SendAsync(http, Get($"/api/totals?code={key.Reader}", null));
        Assert.Equal(401, viaQuery.Status);
        Assert.Equal("application/problem+json", viaQuery.ContentType);

        // Content type: missing or wrong → 415.
        Assert.Equal(415, (await SendAsync(http, Post("{}", null, key))).Status);
        Assert.Equal(415, (await SendAsync(http, Post("{}", "text/plain", key))).Status);
        // Caps → 413 with problem details; nothing stored.
        var tooMany = await SendAsync(http, Post(string.Concat(Enumerable.Repeat("1\n", 101)), "application/x-ndjson", key));
        Assert.Equal(413, tooMany.Status);
        Assert.Equal("application/problem+json", tooMany.ContentType);
        var tooBig = await SendAsync(http, Post("{\"pad\":\"" + new string('x', 1024 * 1024) + "\"}", "application/x-ndjson", key));
        Assert.Equal(413, tooBig.Status);
        Assert.Equal(0, (await host.Client.GetStatusAsync(default)).Messages);

        // Time parameters: strict, bounded, never a 500.
        foreach (var query in new[] { "/api/deadletters?to=0001-01-01T00:00:00Z", "/api/finops/cost?to=0001-01-01T00:00:00Z", "/api/deadletters?from=13:00", "/api/finops/cost?from=01/02/2026" })
        {
            var answer = await SendAsync(http, Get(query, key));
            Assert.Equal(400, answer.Status);
            Assert.Equal("application/problem+json", answer.ContentType);
        }

        // An invalid userId (lone surrogate, invalid UTF-8) or a userId named twice: 202 for the whole request,
        // each stored and dead-lettered with its reason, the good message aggregated.
        var invalidUtf8 = Encoding.UTF8.GetBytes(Event("\"u-X\"", "e-utf8")).ToArray();
        invalidUtf8[Array.IndexOf(invalidUtf8, (byte)'X')] = 0xFF;
        var request = new HttpRequestMessage(HttpMethod.Post, "/api/events")
        {
            Content = new ByteArrayContent(Encoding.UTF8.GetBytes(string.Join('\n',
                Event("\"u-\\ud800\"", "e-surrogate"), Event("\"good-user\"", "e-good"), Event("null,\"userId\":\"u-5\"", "e-dup")) + "\n").Concat(invalidUtf8).ToArray()),
        };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/x-ndjson");
        request.Headers.Add("x-functions-key", key.Ingest);
        var accepted = await SendAsync(http, request);
        Assert.Equal(202, accepted.Status);
        Assert.Equal(4, accepted.Body.GetProperty("accepted").GetInt32());

        await host.Client.WaitForQuiescenceAsync(TimeSpan.FromMinutes(1), default);
        var letters = (await SendAsync(http, Get("/api/deadletters", key))).Body.GetProperty("items").EnumerateArray()
            .Select(d => (Reason: d.GetProperty("reason").GetString(), Payload: d.GetProperty("payload").GetString()!)).ToList();
        Assert.Contains(letters, d => d.Reason == "not_json" && d.Payload.Contains("e-surrogate"));
        Assert.Contains(letters, d => d.Reason == "not_json" && d.Payload.Contains("e-utf8"));
        Assert.Contains(letters, d => d.Reason == "duplicate_field" && d.Payload.Contains("e-dup"));
        Assert.Equal(3, letters.Count);
        Assert.Equal(200, (await SendAsync(http, Get("/api/users/good-user/profile", key))).Status);
    }
}
