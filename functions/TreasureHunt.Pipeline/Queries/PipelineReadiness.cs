using TreasureHunt.Core.Ports;
using TreasureHunt.Pipeline.Processing;

namespace TreasureHunt.Pipeline.Queries;

/// <summary>
/// Readiness detail <c>heldPartitions</c>: the partitions whose current batch is failing and being retried (never
/// skipped), from <see cref="PartitionHolds"/>. A hold is normal under throttling; a partition held longer than
/// <see cref="StalledAfter"/> makes the instance not ready, so an operator (or a probe) sees a stalled partition.
/// </summary>
public sealed class HeldPartitionsReadiness(PartitionHolds holds) : IReadinessDetail
{
    public static readonly TimeSpan StalledAfter = TimeSpan.FromMinutes(5);

    public string Name => "heldPartitions";

    public Task<ReadinessDetail> GetAsync(CancellationToken cancellationToken)
    {
        var held = holds.Current();
        var stalled = held.Any(h => h.HeldSeconds > StalledAfter.TotalSeconds);
        return Task.FromResult(new ReadinessDetail(!stalled, held));
    }
}

/// <summary>
/// Readiness detail <c>parked</c>: how many messages wait in the parked table for <c>./th replay-parked</c> (counted up
/// to <see cref="CountUpTo"/>, then reported as "at least"; the count reads the rows' keys, never their bodies). Parking isolates poison without stopping the stream, so
/// it never makes the instance unready; it is shown so the operator notices it.
/// </summary>
public sealed class ParkedReadiness(IParkedStore parked) : IReadinessDetail
{
    public const int CountUpTo = 1000;

    public string Name => "parked";

    public async Task<ReadinessDetail> GetAsync(CancellationToken cancellationToken)
    {
        var count = await parked.CountParkedAsync(CountUpTo, cancellationToken);
        return new ReadinessDetail(true, new { count, atLeast = count >= CountUpTo });
    }
}
