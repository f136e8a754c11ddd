using TreasureHunt.Core.Ports;

namespace TreasureHunt.Pipeline.Queries;

/// <summary>
/// Liveness and readiness. Liveness (<c>GET /api/health</c>, anonymous) answers from memory and touches no store,
/// so an anonymous caller cannot make a scaled-out app call Cosmos DB or Table storage. Readiness
/// (<c>GET /api/health/ready</c>, behind the function key) probes every store and every
/// <see cref="IReadinessDetail"/>; its answer is cached for <see cref="CacheFor"/> and concurrent callers share
/// one probe, so at most one round of store calls per instance per <see cref="CacheFor"/>.
/// </summary>
public sealed class HealthChecks(IEnumerable<IHealthProbe> probes, IEnumerable<IReadinessDetail> details, TimeProvider time)
{
    public static readonly TimeSpan CacheFor = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan ProbeTimeout = TimeSpan.FromSeconds(5);
    private static readonly ApiResponse Alive = ApiResponse.Ok(new LivenessView("alive"));

    private readonly SemaphoreSlim _refresh = new(1, 1);
    private (ApiResponse Response, DateTimeOffset At)? _cached;

    /// <summary>Probes run so far (readiness cache misses); for tests and metrics.</summary>
    public int ProbeRounds { get; private set; }

    public static ApiResponse Liveness() => Alive;

    public async Task<ApiResponse> ReadinessAsync(CancellationToken cancellationToken)
    {
        if (Fresh() is { } hit) return hit;
        await _refresh.WaitAsync(cancellationToken);
        try
        {
            if (Fresh() is { } refreshed) return refreshed; // another caller probed while we waited
            var response = await ProbeAsync(cancellationToken);
            _cached = (response, time.GetUtcNow());
            ProbeRounds++;
            return response;
        }
        finally
        {
            _refresh.Release();
        }
    }

    private ApiResponse? Fresh() =>
        _cached is { } c && time.GetUtcNow() - c.At < CacheFor ? c.Response : null;

    private async Task<ApiResponse> ProbeAsync(CancellationToken cancellationToken)
    {
        var checks = new Dictionary<string, bool>(StringComparer.Ordinal);
        foreach (var probe in probes)
        {
            checks[probe.Name] = await Guarded(probe.IsHealthyAsync, false, cancellationToken);
        }
        var shown = new Dictionary<string, object?>(StringComparer.Ordinal);
        var ready = checks.Values.All(h => h);
        // Held partitions and parked messages (issue 11, points 1-2) report here through IReadinessDetail.
        foreach (var detail in details)
        {
            var value = await Guarded(detail.GetAsync, new ReadinessDetail(false, "unavailable"), cancellationToken);
            shown[detail.Name] = value.Value;
            ready &= value.Ready;
        }
        return ApiResponse.Status(ready ? 200 : 503, new HealthView(ready ? "healthy" : "unhealthy", checks, shown));
    }

    private static async Task<T> Guarded<T>(Func<CancellationToken, Task<T>> probe, T onFailure, CancellationToken cancellationToken)
    {
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(ProbeTimeout);
            return await probe(timeout.Token);
        }
        catch (Exception) when (!cancellationToken.IsCancellationRequested)
        {
            return onFailure; // readiness reports a failing store; it must not fail itself
        }
    }
}
