using System.Text.Json;
using Moq;
using TreasureHunt.Core.Events;
using TreasureHunt.Core.Rollups;
using TreasureHunt.Functions.FinOps;
using TreasureHunt.Functions.Ingest;
using TreasureHunt.Functions.Rollups;
using TreasureHunt.Functions.Tests.Fakes;
using TreasureHunt.Pipeline.FinOps;

namespace TreasureHunt.Functions.Tests;

public sealed class AggregateFunctionTests
{
    private static readonly DateTime Enqueued = TestApp.Now.UtcDateTime;

    /// <summary>The partitionContext binding data as the worker hands it over: deserialized JSON, values are JsonElements.</summary>
    private static Dictionary<string, object> PartitionContext(string partitionId) =>
        JsonSerializer.Deserialize<Dictionary<string, object>>(
            $$"""{"FullyQualifiedNamespace":"th.servicebus.windows.net","EventHubName":"events","ConsumerGroup":"aggregator","PartitionId":"{{partitionId}}"}""")!;

    private static Task RunAsync(TestApp app, AggregateFunction function, string[] events, long[] sequenceNumbers, string partitionId = "3", DateTime[]? enqueued = null) =>
        app.Create<FinOpsMiddleware>().Invoke(TestApp.Context("Aggregate", "eventHubTrigger"), _ => function.RunAsync(
                events, sequenceNumbers, enqueued ?? sequenceNumbers.Select(_ => Enqueued).ToArray(), PartitionContext(partitionId),
                app.Entities.AsClient(), CancellationToken.None));

    [Fact]
    public async Task Maps_the_batch_and_its_metadata_and_writes_users_dead_letters_and_progress()
    {
        using var app = new TestApp();
        var function = app.Create<AggregateFunction>();
        string[] events =
        [
            TestApp.Event("e1", "alice", "sword"),
            TestApp.Event("e2", "bob", "sword"),
            "{not json",
            TestApp.Event("e3", "alice", "shield", "purchase"),
        ];

        await RunAsync(app, function, events, [100, 101, 102, 103]);

        app.Users.Verify(u => u.UpdateAsync("alice", It.IsAny<Func<Core.Aggregation.UserDocument, bool>>(), It.IsAny<CancellationToken>()), Times.Once);
        app.Users.Verify(u => u.UpdateAsync("bob", It.IsAny<Func<Core.Aggregation.UserDocument, bool>>(), It.IsAny<CancellationToken>()), Times.Once);
        Assert.Equal(2, app.Aggregates["alice"].TotalEvents);
        Assert.Equal(103, app.Aggregates["alice"].Delivery.Watermarks["3"]);

        var deadLetter = Assert.Single(app.DeadLettersWritten);
        Assert.Equal("3", deadLetter.PartitionId);
        Assert.Equal(102, deadLetter.SequenceNumber);
        Assert.Equal("not_json", deadLetter.ReasonCode);
        Assert.Equal(new DateTimeOffset(Enqueued), deadLetter.EnqueuedTime);

        // The consumer group comes from the EventHubConsumerGroup setting; nothing is sent to the entities yet (not due).
        var progress = app.Progress.Find("aggregator", "3");
        Assert.NotNull(progress);
        Assert.Equal(103, progress.AppliedThrough);
        Assert.True(progress.RollupPending);
        Assert.Empty(app.Entities.Signals);
    }

    [Fact]
    public async Task An_event_older_than_Contract_MaxEventAgeDays_is_dead_lettered_too_old()
    {
        using var app = new TestApp(new Dictionary<string, string?> { ["Contract:MaxEventAgeDays"] = "2" });
        var function = app.Create<AggregateFunction>();
        string[] events =
        [
            TestApp.Event("e1", "alice", "sword", timestamp: TestApp.Now.AddDays(-2).AddMinutes(1)),
            TestApp.Event("e2", "alice", "sword", timestamp: TestApp.Now.AddDays(-3)),
        ];

        await RunAsync(app, function, events, [100, 101]);

        Assert.Equal(1, app.Aggregates["alice"].TotalEvents);
        var deadLetter = Assert.Single(app.DeadLettersWritten);
        Assert.Equal(101, deadLetter.SequenceNumber);
        Assert.Equal("too_old", deadLetter.ReasonCode);
        Assert.Contains("2 days before the enqueue time", deadLetter.Detail);
    }

    [Fact]
    public async Task Sends_a_due_rollup_to_the_entities_through_the_invocation_durable_client()
    {
        using var app = new TestApp(new Dictionary<string, string?> { ["Rollups:FlushMinEvents"] = "1" });
        var function = app.Create<AggregateFunction>();

        await RunAsync(app, function, [TestApp.Event("e1", "alice", "sword"), TestApp.Event("e2", "bob", "sword", "view")], [7, 8]);

        var shard = ShardRouting.ShardKey(16, ShardRouting.ShardOf("sword", 16));
        Assert.Equal(2, app.Entities.Signals.Count); // one shard + the global entity: one signal each per flush
        Assert.Contains(app.Entities.Signals, s => s.Id == DurableRollupClient.ShardId(shard) && s.Operation == "apply");
        Assert.Contains(app.Entities.Signals, s => s.Id == DurableRollupClient.GlobalId && s.Operation == "apply");
        var global = (GlobalTotalsState)app.Entities.Run(DurableRollupClient.GlobalId, "get")!;
        Assert.Equal(2, global.Totals.Events);
        Assert.Equal(8, global.Applied["3"].Single().To);
    }

    [Fact]
    public async Task A_redelivered_batch_changes_nothing()
    {
        using var app = new TestApp(new Dictionary<string, string?> { ["Rollups:FlushMinEvents"] = "1" });
        var function = app.Create<AggregateFunction>();
        string[] events = [TestApp.Event("e1", "alice", "sword"), TestApp.Event("e2", "bob", "sword")];

        await RunAsync(app, function, events, [7, 8]);
        await RunAsync(app, function, events, [7, 8]);

        app.Users.Verify(u => u.UpdateAsync(It.IsAny<string>(), It.IsAny<Func<Core.Aggregation.UserDocument, bool>>(), It.IsAny<CancellationToken>()), Times.Exactly(2));
        Assert.Equal(1, app.Aggregates["alice"].TotalEvents);
        Assert.Equal(2, app.Entities.Signals.Count);
        var global = (GlobalTotalsState)app.Entities.Run(DurableRollupClient.GlobalId, "get")!;
        Assert.Equal(2, global.Totals.Events);
    }

    [Fact]
    public async Task Records_the_invocation_cost_as_an_event_hub_invocation()
    {
        using var app = new TestApp();
        var function = app.Create<AggregateFunction>();

        await RunAsync(app, function, [TestApp.Event("e1", "alice", "sword"), TestApp.Event("e2", "bob", "sword")], [1, 2]);
        await app.LedgerBuffer.FlushAsync(CancellationToken.None);

        var record = Assert.Single(app.LedgerWritten);
        Assert.Equal("Aggregate", record.Function);
        Assert.Equal(CostTriggers.EventHub, record.Trigger);
        Assert.Equal(2, record.Events);
        Assert.True(record.Succeeded);
        Assert.Equal(2 * 0.028m / 1_000_000m, record.Usd.EventHubs);
    }

    [Fact]
    public async Task Mismatched_metadata_arrays_fail_the_invocation_before_any_write()
    {
        using var app = new TestApp();
        var function = app.Create<AggregateFunction>();

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() =>
            RunAsync(app, function, [TestApp.Event("e1", "alice", "sword"), TestApp.Event("e2", "bob", "sword")], [1]));

        Assert.Contains("2 events, 1 sequence numbers", error.Message);
        app.Users.VerifyNoOtherCalls();
        Assert.Null(app.Progress.Find("aggregator", "3"));
        await app.LedgerBuffer.FlushAsync(CancellationToken.None);
        Assert.False(Assert.Single(app.LedgerWritten).Succeeded);
    }

    [Fact]
    public async Task An_empty_batch_touches_no_store()
    {
        using var app = new TestApp();
        await app.Create<AggregateFunction>().RunAsync([], [], [], PartitionContext("0"), app.Entities.AsClient(), CancellationToken.None);

        app.Users.VerifyNoOtherCalls();
        Assert.Null(app.Progress.Find("aggregator", "0"));
    }

    [Fact]
    public async Task A_store_failure_escapes_so_the_retry_policy_reruns_the_batch()
    {
        using var app = new TestApp();
        app.Users.Setup(u => u.UpdateAsync(It.IsAny<string>(), It.IsAny<Func<Core.Aggregation.UserDocument, bool>>(), It.IsAny<CancellationToken>()))
            .ThrowsAsync(new TimeoutException("cosmos unavailable"));

        await Assert.ThrowsAsync<TimeoutException>(() =>
            RunAsync(app, app.Create<AggregateFunction>(), [TestApp.Event("e1", "alice", "sword")], [1]));

        Assert.Null(app.Progress.Find("aggregator", "3")); // nothing was marked as applied: the re-run redoes the batch
    }
}
