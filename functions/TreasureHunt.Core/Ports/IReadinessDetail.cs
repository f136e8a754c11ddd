namespace TreasureHunt.Core.Ports;

/// <summary>
/// Something readiness (<c>GET /api/health/ready</c>) reports beside the stores — for example how long a partition
/// has been held or how many messages are parked. Register implementations as <c>IReadinessDetail</c> singletons;
/// each appears under <c>details.{Name}</c> and, when <see cref="ReadinessDetail.Ready"/> is false, makes the
/// answer 503.
/// </summary>
public interface IReadinessDetail
{
    string Name { get; }

    Task<ReadinessDetail> GetAsync(CancellationToken cancellationToken);
}

/// <summary>One readiness detail: whether it allows "ready", and a JSON-serialisable value to show.</summary>
public sealed record ReadinessDetail(bool Ready, object? Value);
