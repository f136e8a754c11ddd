using Microsoft.Extensions.Diagnostics.HealthChecks;
using TreasureHunt.Core.Ports;

namespace TreasureHunt.Pipeline.Queries;

/// <summary>
/// The two health routes over the framework's health checks. Liveness (<c>GET /api/health</c>, anonymous) answers
/// from memory and touches no store, so an anonymous caller cannot make a scaled-out app call Cosmos DB or Table
/// storage. Readiness (<c>GET /api/health/ready</c>, keyed) runs every check tagged <see cref="ReadinessTags.Store"/>
/// or <see cref="ReadinessTags.Detail"/>; its answer is cached for <see cref="CacheFor"/> and concurrent callers share
/// one run, so at most one round of store calls per instance per <see cref="CacheFor"/>.
/// </summary>
internal sealed class HealthAnswers(HealthCheckService checks, TimeProvider time)
{
    public static readonly TimeSpan CacheFor = TimeSpan.FromSeconds(5);
    private static readonly ApiResponse Alive = ApiResponse.Ok(new LivenessView("alive"));

    private readonly SemaphoreSlim _refresh = new(1, 1);
    private (ApiResponse Response, DateTimeOffset At)? _cached;

    public static ApiResponse Liveness() => Alive;

    public async Task<ApiResponse> ReadinessAsync(CancellationToken cancellationToken)
    {
        if (Fresh() is { } hit) return hit;
        await _refresh.WaitAsync(cancellationToken);
        try
        {
            if (Fresh() is { } refreshed) return refreshed; // another caller ran the checks while we waited
            var response = await RunAsync(cancellationToken);
            _cached = (response, time.GetUtcNow());
            return response;
        }
        finally
        {
            _refresh.Release();
        }
    }

    private ApiResponse? Fresh() =>
        _cached is { } c && time.GetUtcNow() - c.At < CacheFor ? c.Response : null;

    private async Task<ApiResponse> RunAsync(CancellationToken cancellationToken)
    {
        var report = await checks.CheckHealthAsync(
            r => r.Tags.Contains(ReadinessTags.Store) || r.Tags.Contains(ReadinessTags.Detail), cancellationToken);
        var stores = new SortedDictionary<string, bool>(StringComparer.Ordinal);
        var shown = new SortedDictionary<string, object?>(StringComparer.Ordinal);
        foreach (var (name, entry) in report.Entries)
        {
            if (entry.Tags.Contains(ReadinessTags.Store))
            {
                stores[name] = entry.Status == HealthStatus.Healthy;
            }
            else
            {
                // A detail that failed to answer (an exception, a timeout) shows as unavailable and makes the answer 503.
                shown[name] = entry.Data.TryGetValue(ReadinessTags.ValueKey, out var value) ? value : "unavailable";
            }
        }
        var ready = report.Status == HealthStatus.Healthy;
        return ApiResponse.Status(ready ? 200 : 503, new HealthView(ready ? "healthy" : "unhealthy", stores, shown));
    }
}
