using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using TreasureHunt.Local.Hosting;
using TreasureHunt.Pipeline.Api;
using TreasureHunt.Pipeline.Queries;

namespace TreasureHunt.Tools.Load;

/// <summary>HTTP client of a running local host (ingest, queries, local metrics): each request carries the key of its
/// route's role, looked up in the route table (<see cref="ApiRoutes"/>, <see cref="LocalApiRoutes"/>).</summary>
internal sealed class HostClient : IDisposable
{
    /// <summary>How long a replay request may take: one run re-applies up to <see cref="TreasureHunt.Pipeline.Processing.ParkedReplayer.MaxRowsPerRun"/>
    /// rows one by one (measured ~70 ms per message with 10 % injected faults, minutes on a loaded machine:
    /// docs/BENCHMARKS.md#chaos); a replay cut short is safe to run again, but should not be cut by a client timeout.</summary>
    public static readonly TimeSpan ReplayTimeout = TimeSpan.FromMinutes(30);

    private readonly SocketsHttpHandler _handler = new() { MaxConnectionsPerServer = 32 };
    private readonly HttpClient _http;
    private readonly HttpClient _replay;
    private readonly HttpClient _anonymous;

    private readonly LocalKeys _keys;

    public HostClient(string baseUrl, LocalKeys keys)
    {
        _keys = keys;
        _http = new HttpClient(_handler, disposeHandler: false) { BaseAddress = new Uri(baseUrl), Timeout = TimeSpan.FromMinutes(2) };
        _replay = new HttpClient(_handler, disposeHandler: false) { BaseAddress = new Uri(baseUrl), Timeout = ReplayTimeout };
        // Liveness needs no key: the probe ./th uses to wait for a host never carries it.
        _anonymous = new HttpClient(_handler, disposeHandler: false) { BaseAddress = new Uri(baseUrl), Timeout = TimeSpan.FromSeconds(30) };
        BaseUrl = baseUrl;
    }

    public string BaseUrl { get; }

    public async Task<bool> IsHealthyAsync(CancellationToken cancellationToken)
    {
        try
        {
            using var response = await _anonymous.GetAsync("/api/health", cancellationToken);
            return response.StatusCode == HttpStatusCode.OK;
        }
        catch (HttpRequestException)
        {
            return false;
        }
    }

    /// <summary>Posts NDJSON; retries transport failures, 429 (after its Retry-After) and 5xx (the host may be
    /// restarting) — a 202 means durable.</summary>
    public async Task<int> PostNdjsonAsync(byte[] body, CancellationToken cancellationToken)
    {
        var delay = TimeSpan.FromMilliseconds(200);
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                using var request = Keyed(HttpMethod.Post, "/api/events");
                request.Content = new ByteArrayContent(body);
                request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/x-ndjson");
                using var response = await _http.SendAsync(request, cancellationToken);
                if (response.StatusCode == HttpStatusCode.Accepted)
                {
                    using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync(cancellationToken));
                    return json.RootElement.GetProperty("accepted").GetInt32();
                }
                if (response.StatusCode == HttpStatusCode.TooManyRequests && attempt < 50)
                {
                    // Nothing was acknowledged: wait as the host asks, then send the same request again.
                    await Task.Delay(response.Headers.RetryAfter?.Delta ?? delay, cancellationToken);
                    continue;
                }
                if ((int)response.StatusCode < 500 || attempt >= 50)
                {
                    throw new InvalidOperationException($"ingest answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync(cancellationToken)}");
                }
            }
            catch (HttpRequestException) when (attempt < 50)
            {
                // host down or restarting: the messages were not acknowledged, so sending them again is right
            }
            await Task.Delay(delay, cancellationToken);
            delay = TimeSpan.FromMilliseconds(Math.Min(delay.TotalMilliseconds * 2, 2000));
        }
    }

    /// <summary>A GET; a 5xx answer (a store throttled past its retries) is tried again up to 4 times, 200 ms apart.</summary>
    public async Task<(int Status, JsonElement Body)> GetAsync(string route, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            using var request = Keyed(HttpMethod.Get, route);
            using var response = await _http.SendAsync(request, cancellationToken);
            if ((int)response.StatusCode >= 500 && attempt < 5)
            {
                await Task.Delay(200, cancellationToken);
                continue;
            }
            var text = await response.Content.ReadAsStringAsync(cancellationToken);
            using var json = JsonDocument.Parse(text.Length == 0 ? "null" : text);
            return ((int)response.StatusCode, json.RootElement.Clone());
        }
    }

    public Task<MetricsSnapshot> GetMetricsAsync(CancellationToken cancellationToken) => GetJsonAsync<MetricsSnapshot>("/api/local/metrics", cancellationToken);

    /// <summary>Starts the host's metrics over (the operator key: ./th load and bench reset before a run).</summary>
    public async Task ResetMetricsAsync(CancellationToken cancellationToken)
    {
        using var request = Keyed(HttpMethod.Post, "/api/local/metrics/reset");
        (await _http.SendAsync(request, cancellationToken)).EnsureSuccessStatusCode();
    }

    /// <summary>POST /api/parked/replay: re-applies parked messages; the answer is the replay report.</summary>
    public async Task<(int Status, JsonElement Body)> ReplayParkedAsync(CancellationToken cancellationToken)
    {
        using var request = Keyed(HttpMethod.Post, "/api/parked/replay");
        using var response = await _replay.SendAsync(request, cancellationToken);
        var text = await response.Content.ReadAsStringAsync(cancellationToken);
        using var json = JsonDocument.Parse(text.Length == 0 ? "null" : text);
        return ((int)response.StatusCode, json.RootElement.Clone());
    }

    /// <summary>DELETE /api/users/{userId}: requests an erasure; 202 with the erasure id.</summary>
    public Task<(int Status, JsonElement Body)> EraseUserAsync(string userId, CancellationToken cancellationToken) =>
        SendAsync(Keyed(HttpMethod.Delete, $"/api/users/{Uri.EscapeDataString(userId)}"), cancellationToken);

    /// <summary>GET /api/erasures/{erasureId}: where an erasure stands, per store.</summary>
    public Task<(int Status, JsonElement Body)> GetErasureAsync(string erasureId, CancellationToken cancellationToken) =>
        SendAsync(Keyed(HttpMethod.Get, $"/api/erasures/{Uri.EscapeDataString(erasureId)}"), cancellationToken);

    private async Task<(int Status, JsonElement Body)> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        using (request)
        {
            using var response = await _http.SendAsync(request, cancellationToken);
            var text = await response.Content.ReadAsStringAsync(cancellationToken);
            using var json = JsonDocument.Parse(text.Length == 0 ? "null" : text);
            return ((int)response.StatusCode, json.RootElement.Clone());
        }
    }

    public Task<HostStatus> GetStatusAsync(CancellationToken cancellationToken) => GetJsonAsync<HostStatus>("/api/local/status", cancellationToken);

    private async Task<T> GetJsonAsync<T>(string route, CancellationToken cancellationToken)
    {
        using var request = Keyed(HttpMethod.Get, route);
        using var response = await _http.SendAsync(request, cancellationToken);
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<T>(ApiResponse.Json, cancellationToken))!;
    }

    /// <summary>A request carrying the key of the role its route needs (none for an anonymous or unknown route).</summary>
    private HttpRequestMessage Keyed(HttpMethod method, string route)
    {
        var request = new HttpRequestMessage(method, route);
        if (RoleOf(method.Method, route) is { } role and not ApiRole.Anonymous) request.Headers.Add(ApiAccess.KeyHeader, _keys.For(role));
        return request;
    }

    /// <summary>The role of the table route a path matches (<c>{name}</c> segments match any one segment), or null.</summary>
    internal static ApiRole? RoleOf(string method, string route)
    {
        var path = route.Split('?', 2)[0].Trim('/').Split('/');
        foreach (var entry in ApiRoutes.All.Concat(LocalApiRoutes.All))
        {
            if (!string.Equals(entry.Method, method, StringComparison.OrdinalIgnoreCase)) continue;
            var template = entry.Path.Trim('/').Split('/');
            if (template.Length == path.Length && template.Zip(path).All(p => p.First.StartsWith('{') || string.Equals(p.First, p.Second, StringComparison.OrdinalIgnoreCase)))
            {
                return entry.Role;
            }
        }
        return null;
    }

    /// <summary>Waits until every logged message is processed and every rollup sent (or the timeout passes).</summary>
    public async Task<HostStatus> WaitForQuiescenceAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var status = await GetStatusAsync(cancellationToken);
            if (status.Quiescent || DateTime.UtcNow > deadline) return status;
            await Task.Delay(250, cancellationToken);
        }
    }

    public void Dispose()
    {
        _http.Dispose();
        _replay.Dispose();
        _anonymous.Dispose();
        _handler.Dispose();
    }
}

internal sealed record HostStatus(long Messages, long Processed, long RollupsPending, bool Quiescent,
    IReadOnlyList<TreasureHunt.Pipeline.Processing.HeldPartition>? Held = null, long Retries = 0, long Parked = 0, double LongestHoldSeconds = 0,
    double CpuMs = 0, long AllocatedBytes = 0);
