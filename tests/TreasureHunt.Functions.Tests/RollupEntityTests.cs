using System.Reflection;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask.Entities;
using Microsoft.Extensions.Options;
using TreasureHunt.Core.Events;
using TreasureHunt.Core.Rollups;
using TreasureHunt.Functions.Rollups;
using TreasureHunt.Functions.Tests.Fakes;
using TreasureHunt.Pipeline.Entities;

namespace TreasureHunt.Functions.Tests;

/// <summary>The entity classes the Functions host dispatches, driven directly with fake operations (no backend).</summary>
public sealed class RollupEntityTests
{
    private static readonly long Hour = new DateTimeOffset(2026, 11, 27, 13, 0, 0, TimeSpan.Zero).ToUnixTimeSeconds();
    private readonly FakeEntityState _state = new();

    private object? Run(ITaskEntity entity, EntityInstanceId id, string operation, object? input = null) =>
        entity.RunAsync(new FakeEntityOperation(operation, input, new FakeEntityContext(id), _state)).AsTask().GetAwaiter().GetResult();

    private object? Shard(string operation, object? input = null) =>
        Run(new ItemShardEntity(Options.Create(new RollupOptions())), DurableRollupClient.ShardId(3), operation, input);

    private object? Global(string operation, object? input = null) =>
        Run(new GlobalTotalsEntity(), DurableRollupClient.GlobalId, operation, input);

    private static ItemShardSignal ShardSignal(string partition, long firstSequence, long lastSequence, string itemId, EventType type, int count)
    {
        var delta = new ItemDelta();
        for (var i = 0; i < count; i++)
        {
            delta.Add(type, Hour);
        }
        return new ItemShardSignal { SourcePartition = partition, FirstSequenceNumber = firstSequence, LastSequenceNumber = lastSequence, Items = { [itemId] = delta } };
    }

    private static GlobalTotalsSignal GlobalSignal(string partition, long firstSequence, long lastSequence, long events) => new()
    {
        SourcePartition = partition,
        FirstSequenceNumber = firstSequence,
        LastSequenceNumber = lastSequence,
        Counters = new GlobalCounters { Events = events, ByType = [0, events, 0, 0, 0] },
    };

    [Fact]
    public void The_same_shard_signal_twice_is_applied_once()
    {
        var signal = ShardSignal("0", 1, 100, "sword", EventType.Click, 3);

        Assert.Equal(true, Shard(ItemShardEntity.ApplyOperation, signal));
        Assert.Equal(false, Shard(ItemShardEntity.ApplyOperation, signal));

        var state = (ItemShardState)Shard("get")!;
        Assert.Equal(3, state.Items["sword"].Totals[(int)EventType.Click]);
        Assert.Equal((1, 100), (state.Applied["0"].Single().From, state.Applied["0"].Single().To));
    }

    [Fact]
    public void Ranges_apply_once_even_out_of_order_and_partitions_are_independent()
    {
        Assert.Equal(true, Shard(ItemShardEntity.ApplyOperation, ShardSignal("0", 201, 300, "sword", EventType.Click, 3)));
        Assert.Equal(true, Shard(ItemShardEntity.ApplyOperation, ShardSignal("0", 101, 200, "sword", EventType.Click, 5))); // older range, sent first, processed late
        Assert.Equal(false, Shard(ItemShardEntity.ApplyOperation, ShardSignal("0", 201, 300, "sword", EventType.Click, 3)));
        Assert.Equal(true, Shard(ItemShardEntity.ApplyOperation, ShardSignal("1", 1, 50, "sword", EventType.Click, 2)));
        Assert.Equal(true, Shard(ItemShardEntity.ApplyOperation, ShardSignal("1", 51, 60, "shield", EventType.Click, 7)));

        var state = (ItemShardState)Shard("get")!;
        Assert.Equal(10, state.Items["sword"].Totals[(int)EventType.Click]);
        Assert.Equal((101, 300), (state.Applied["0"].Single().From, state.Applied["0"].Single().To));
        Assert.Equal((1, 60), (state.Applied["1"].Single().From, state.Applied["1"].Single().To));
        Assert.Equal(["sword", "shield"], TopK.Merge([state.Leaders(EventType.Click, Hour)], 10).Select(l => l.ItemId));
        Assert.Equal([10L, 7L], TopK.Merge([state.Leaders(EventType.Click, null)], 10).Select(l => l.Count));
    }

    [Fact]
    public void Get_on_a_new_shard_returns_empty_state()
    {
        var state = (ItemShardState)Shard("get")!;
        Assert.Empty(state.Items);
        Assert.Empty(state.Applied);
    }

    [Fact]
    public void Global_totals_apply_each_partition_signal_once()
    {
        Assert.Equal(true, Global(GlobalTotalsEntity.ApplyOperation, GlobalSignal("0", 1, 10, 4)));
        Assert.Equal(false, Global(GlobalTotalsEntity.ApplyOperation, GlobalSignal("0", 1, 10, 4)));
        Assert.Equal(true, Global(GlobalTotalsEntity.ApplyOperation, GlobalSignal("1", 1, 10, 6)));

        var state = (GlobalTotalsState)Global("get")!;
        Assert.Equal(10, state.Totals.Events);
        Assert.Equal(10, state.Totals.ByType[(int)EventType.Click]);
        Assert.Equal(2, state.Applied.Count);
    }

    [Fact]
    public void A_thousand_signals_from_four_partitions_are_all_counted_without_a_backend()
    {
        for (var i = 1; i <= 1000; i++)
        {
            Global(GlobalTotalsEntity.ApplyOperation, GlobalSignal((i % 4).ToString(System.Globalization.CultureInfo.InvariantCulture), i, i, 1));
        }
        Assert.Equal(1000, ((GlobalTotalsState)Global("get")!).Totals.Events);
    }

    [Theory]
    [InlineData(nameof(RollupEntityFunctions.ItemShard), RollupEntityNames.ItemShard)]
    [InlineData(nameof(RollupEntityFunctions.GlobalTotals), RollupEntityNames.GlobalTotals)]
    public void Entity_functions_are_named_like_the_entities_the_client_signals(string method, string entityName)
    {
        var function = typeof(RollupEntityFunctions).GetMethod(method)!.GetCustomAttribute<FunctionAttribute>()!;
        Assert.Equal(entityName, function.Name);
    }
}
