using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.DependencyInjection;
using TreasureHunt.Core.Events;
using TreasureHunt.Core.Rollups;
using TreasureHunt.Functions.Rollups;
using TreasureHunt.Functions.Tests.Fakes;
using TreasureHunt.Pipeline.Processing;

namespace TreasureHunt.Functions.Tests;

/// <summary>A batch writes its partition's progress once, sealing included; what it sent is cleared by the
/// next batch's write, and a process that did not send a sealed range sends it (the entities ignore a repeat).</summary>
public sealed class ProgressWritesTests
{
    private const string Partition = "3";

    private static PartitionBatch Batch(long firstSequenceNumber, params string[] items) =>
        new(Partition, items.Select((item, i) => new RawMessage(
            TestApp.Utf8(TestApp.Event($"e{firstSequenceNumber + i}", $"u{i}", item)), firstSequenceNumber + i, TestApp.Now.AddSeconds(-1))).ToList());

    private static async Task<BatchSummary> ProcessAsync(TestApp app, PartitionBatchProcessor processor, PartitionBatch batch)
    {
        using (DurableRollupClient.Use(app.Entities.AsClient()))
        {
            return await processor.ProcessAsync(batch, "aggregator", CancellationToken.None);
        }
    }

    [Fact]
    public async Task Every_batch_sealing_and_sending_its_rollup_writes_the_progress_once()
    {
        using var app = new TestApp(new Dictionary<string, string?> { ["Rollups:FlushMinEvents"] = "1" });
        var processor = app.Services.GetRequiredService<PartitionBatchProcessor>();

        for (var b = 0; b < 5; b++)
        {
            var writesBefore = app.Progress.Writes;
            var summary = await ProcessAsync(app, processor, Batch(10 * b, "sword", "shield"));
            Assert.Equal(2, summary.Applied);
            Assert.True(summary.RollupSignals >= 2); // sealed and sent by this batch
            Assert.Equal(1, app.Progress.Writes - writesBefore);

            // The stored document still holds the range this batch sent; the next batch's write clears it.
            var stored = app.Progress.Find("aggregator", Partition)!;
            Assert.Equal((10L * b, 10L * b + 1), (stored.Sealed!.FromSequence, stored.Sealed.ToSequence));
            Assert.Null(stored.Pending);
            if (b > 0)
            {
                Assert.Equal(10L * (b - 1) + 1, stored.SentThrough[RollupEntityNames.GlobalKey]); // the previous range, cleared
            }
        }

        var global = (GlobalTotalsState)app.Entities.Run(DurableRollupClient.GlobalId, "get")!;
        Assert.Equal(10, global.Totals.Events);
        var shards = new[] { "sword", "shield" }.Select(item => ShardRouting.ShardOf(item, 16)).Distinct().Count();
        Assert.Equal(5 * (shards + 1), app.Entities.Signals.Count); // the touched shards + the global entity per range; nothing sent twice
    }

    [Fact]
    public async Task A_process_that_did_not_send_the_sealed_range_sends_it_and_the_entities_apply_it_once()
    {
        using var app = new TestApp(new Dictionary<string, string?> { ["Rollups:FlushMinEvents"] = "1" });
        await ProcessAsync(app, app.Services.GetRequiredService<PartitionBatchProcessor>(), Batch(0, "sword"));
        Assert.Equal(2, app.Entities.Signals.Count);

        // Another instance takes the partition over (or this one restarted): it has no record of what was sent.
        var flusher = ActivatorUtilities.CreateInstance<RollupFlusher>(app.Services, new SentRollups());
        var processor = ActivatorUtilities.CreateInstance<PartitionBatchProcessor>(app.Services, flusher);
        var writesBefore = app.Progress.Writes;
        await ProcessAsync(app, processor, Batch(10, "sword"));

        Assert.Equal(2 + 2 + 2, app.Entities.Signals.Count); // range 0 again (ignored by the entities), then range 10
        Assert.Equal(2, app.Progress.Writes - writesBefore); // the interrupted flush's clear, then the batch
        var global = (GlobalTotalsState)app.Entities.Run(DurableRollupClient.GlobalId, "get")!;
        Assert.Equal(2, global.Totals.Events);
        Assert.Equal(10, app.Progress.Find("aggregator", Partition)!.Sealed!.ToSequence);
    }

    [Fact]
    public async Task The_flush_timer_leaves_an_active_partition_to_its_processor_and_clears_an_idle_one_without_resending()
    {
        using var app = new TestApp(new Dictionary<string, string?> { ["Rollups:FlushMinEvents"] = "1" });
        await ProcessAsync(app, app.Services.GetRequiredService<PartitionBatchProcessor>(), Batch(0, "sword"));
        var timer = app.Create<FlushRollupsFunction>();
        var writesBefore = app.Progress.Writes;

        app.Clock.Advance(TimeSpan.FromSeconds(4)); // written by a batch 4 s ago: active (Rollups:FlushMaxAgeSeconds = 5)
        await timer.RunAsync(new TimerInfo(), app.Entities.AsClient(), CancellationToken.None);
        Assert.Equal(writesBefore, app.Progress.Writes);
        Assert.True(app.Progress.Find("aggregator", Partition)!.RollupPending);

        app.Clock.Advance(TimeSpan.FromSeconds(2)); // idle
        await timer.RunAsync(new TimerInfo(), app.Entities.AsClient(), CancellationToken.None);
        Assert.Equal(writesBefore + 1, app.Progress.Writes);
        var stored = app.Progress.Find("aggregator", Partition)!;
        Assert.False(stored.RollupPending);
        Assert.Null(stored.Sealed);
        Assert.Equal(0, stored.SentThrough[RollupEntityNames.GlobalKey]);
        Assert.Equal(2, app.Entities.Signals.Count); // this process sent the range: not sent again
    }
}
