using TreasureHunt.Core.Costs;
using TreasureHunt.Local.Hosting;
using TreasureHunt.Pipeline.FinOps;
using TreasureHunt.Pipeline.Telemetry;

namespace TreasureHunt.Local.Tests;

/// <summary>The bench's "progress writes per batch" counts the batches' own writes; the flush timer's (idle partitions)
/// are reported beside it, and all of them stay in the store writes. Read from the host's pipeline meter
/// only.</summary>
public sealed class LocalMetricsTests
{
    private static CostRecord Record(string function, string trigger, long storeWrites, long progressWrites) => new()
    {
        InvocationId = Guid.NewGuid().ToString("N"), Function = function, Trigger = trigger, Start = DateTimeOffset.UnixEpoch,
        DurationMs = 1, StoreWrites = storeWrites, UserWrites = storeWrites - progressWrites, ProgressWrites = progressWrites, Usd = CostBreakdown.Zero,
    };

    [Fact]
    public void The_flush_timers_progress_writes_are_counted_apart_from_the_batches()
    {
        var pipeline = new PipelineMetrics();
        using var metrics = new LocalMetrics(pipeline);
        pipeline.RecordInvocation(Record("Aggregate", CostTriggers.EventHub, storeWrites: 40, progressWrites: 1), chargedRu: 0);
        pipeline.RecordInvocation(Record("Aggregate", CostTriggers.EventHub, storeWrites: 30, progressWrites: 1), chargedRu: 0);
        pipeline.RecordInvocation(Record("FlushRollups", CostTriggers.Timer, storeWrites: 2, progressWrites: 2), chargedRu: 0);
        new PipelineMetrics().RecordInvocation(Record("Aggregate", CostTriggers.EventHub, storeWrites: 9, progressWrites: 1), chargedRu: 0); // another host's

        var snapshot = metrics.Snapshot();

        Assert.Equal((72L, 4L, 2L, 2L), (snapshot.StoreWrites, snapshot.ProgressWrites, snapshot.TimerProgressWrites, snapshot.BatchProgressWrites));
        Assert.Equal(0, snapshot.OtherWrites);
        metrics.Reset();
        Assert.Equal(0, metrics.Snapshot().TimerProgressWrites);
    }
}
