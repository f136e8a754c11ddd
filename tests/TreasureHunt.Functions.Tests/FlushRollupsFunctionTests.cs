using Microsoft.Azure.Functions.Worker;
using TreasureHunt.Core.Events;
using TreasureHunt.Core.Rollups;
using TreasureHunt.Functions.Rollups;
using TreasureHunt.Functions.Tests.Fakes;

namespace TreasureHunt.Functions.Tests;

public sealed class FlushRollupsFunctionTests
{
    [Fact]
    public async Task Sends_the_rollup_of_an_idle_partition_once_it_is_old_enough()
    {
        using var app = new TestApp();
        var progress = PartitionProgress.Create("aggregator", "5");
        var delta = new RollupDeltaBuilder(16);
        delta.Add(new SequencedEvent(new TreasureEvent("e1", "alice", "sword", "gear", EventType.Click, 1, TestApp.Now.AddMinutes(-1)), 40, TestApp.Now), Core.Aggregation.EventOutcome.Applied);
        progress.Accumulate(delta.Build(40, 40), TestApp.Now);
        Assert.True(await app.Progress.TryReplaceAsync(progress, CancellationToken.None));
        var function = app.Create<FlushRollupsFunction>();

        await function.RunAsync(new TimerInfo(), app.Entities.AsClient(), CancellationToken.None);
        Assert.Empty(app.Entities.Signals); // not due yet (Rollups:FlushMaxAgeSeconds = 5)

        app.Clock.Advance(TimeSpan.FromSeconds(6));
        await function.RunAsync(new TimerInfo(), app.Entities.AsClient(), CancellationToken.None);

        Assert.Equal(2, app.Entities.Signals.Count);
        Assert.False(app.Progress.Find("aggregator", "5")!.RollupPending);
        var key = ShardRouting.ShardKey(16, ShardRouting.ShardOf("sword", 16));
        Assert.Equal(DurableRollupClient.ShardId(key), app.Entities.Signals[0].Id);
        var shard = (ItemShardState)app.Entities.Run(DurableRollupClient.ShardId(key), "get")!;
        Assert.Equal(1, shard.Pending["sword"].Totals[(int)EventType.Click]); // applied, not written yet
        Assert.Null(await app.ItemRollups.GetItemAsync("sword", CancellationToken.None));

        app.Entities.Settle(); // the shard's tail flushes seal and write it
        var item = await app.ItemRollups.GetItemAsync("sword", CancellationToken.None);
        Assert.Equal(1, item!.Totals[(int)EventType.Click]);
        Assert.Equal(new Dictionary<string, long> { [key] = 1 }, item.Flushes);
    }
}
