using Microsoft.Extensions.Diagnostics.HealthChecks;
using TreasureHunt.Core.Ports;
using TreasureHunt.Pipeline.Processing;

namespace TreasureHunt.Pipeline.Queries;

/// <summary>
/// Readiness detail <c>heldPartitions</c>: the partitions whose current batch is failing and being retried (never
/// skipped), from <see cref="PartitionHolds"/>. A hold is normal under throttling; a partition held longer than
/// <see cref="StalledAfter"/> makes the instance not ready, so an operator (or a probe) sees a stalled partition.
/// </summary>
internal sealed class HeldPartitionsReadiness(PartitionHolds holds) : IHealthCheck
{
    public const string Name = "heldPartitions";
    public static readonly TimeSpan StalledAfter = TimeSpan.FromMinutes(5);

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var held = holds.Current();
        var stalled = held.Any(h => h.HeldSeconds > StalledAfter.TotalSeconds);
        var data = new Dictionary<string, object> { [ReadinessTags.ValueKey] = held };
        return Task.FromResult(stalled
            ? HealthCheckResult.Unhealthy($"a partition has been held for over {StalledAfter.TotalMinutes} minutes", data: data)
            : HealthCheckResult.Healthy(data: data));
    }
}

/// <summary>
/// Readiness detail <c>parked</c>: how many messages wait in the parked table for <c>./th replay-parked</c> (counted up
/// to <see cref="CountUpTo"/>, then reported as "at least"; the count reads the rows' keys, never their bodies).
/// Parking isolates poison without stopping the stream, so it never makes the instance unready; it is shown so the
/// operator notices it.
/// </summary>
internal sealed class ParkedReadiness(IParkedStore parked) : IHealthCheck
{
    public const string Name = "parked";
    public const int CountUpTo = 1000;

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var count = await parked.CountParkedAsync(CountUpTo, cancellationToken);
        return HealthCheckResult.Healthy(data: new Dictionary<string, object> { [ReadinessTags.ValueKey] = new { count, atLeast = count >= CountUpTo } });
    }
}
