using System.Globalization;
using System.Reflection;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask.Entities;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using TreasureHunt.Core.Aggregation;
using TreasureHunt.Core.Events;
using TreasureHunt.Core.Features;
using TreasureHunt.Core.Rollups;
using TreasureHunt.Functions.Rollups;
using TreasureHunt.Functions.Tests.Fakes;
using TreasureHunt.Pipeline.Entities;
using TreasureHunt.Pipeline.Rollups;

namespace TreasureHunt.Functions.Tests;

/// <summary>The entity classes the Functions host dispatches, run by the in-memory backend (one instance per batch,
/// delayed self-signals) with the real <see cref="ItemShardWriter"/> over an in-memory item rollup store.</summary>
public sealed class RollupEntityTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 27, 13, 30, 0, TimeSpan.Zero);
    private static readonly long Hour = new DateTimeOffset(2026, 11, 27, 13, 0, 0, TimeSpan.Zero).ToUnixTimeSeconds();
    private static readonly string Key = ShardRouting.ShardKey(16, 3);
    private static readonly EntityInstanceId ShardId = DurableRollupClient.ShardId(Key);

    private readonly FakeTimeProvider _clock = new(Now);
    private readonly InMemoryItemRollupStore _store = new();
    private readonly InMemoryEntityClient _entities;
    private readonly RollupOptions _options;

    public RollupEntityTests() : this(new RollupOptions())
    {
    }

    private RollupEntityTests(RollupOptions options, CompiledDefinitions? definitions = null)
    {
        _options = options;
        var writer = new ItemShardWriter(_store, new Storage.StoreRefusalClassifier(), Options.Create(options), definitions ?? CompiledDefinitions.Default, _clock, new Pipeline.Telemetry.PipelineMetrics(), NullLogger<ItemShardWriter>.Instance);
        _entities = new InMemoryEntityClient(options, writer, _clock);
    }

    private static RollupEntityTests With(RollupOptions options) => new(options);

    private object? Shard(string operation, object? input = null) => _entities.Run(ShardId, operation, input);

    private ItemShardState ShardState(EntityInstanceId? id = null) => (ItemShardState)_entities.Run(id ?? ShardId, "get")!;

    private object? Global(string operation, object? input = null) => _entities.Run(DurableRollupClient.GlobalId, operation, input);

    private ItemDocument? Item(string itemId) => _store.GetItemAsync(itemId, CancellationToken.None).GetAwaiter().GetResult();

    private LeaderboardDocument? Board(EventType type, long? hour) =>
        _store.GetLeaderboardAsync(LeaderboardDocument.IdOf(CompiledDefinitions.Default.TypeName(type), hour), CancellationToken.None).GetAwaiter().GetResult();

    private static ItemShardSignal ShardSignal(string partition, long firstSequence, long lastSequence, string itemId, EventType type, int count, long? hour = null)
    {
        var delta = new ItemDelta();
        for (var i = 0; i < count; i++)
        {
            delta.Add(type, hour ?? Hour);
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

    private static List<(string, long)> Entries(IEnumerable<LeaderEntry> entries) => entries.Select(e => (e.ItemId, e.Count)).ToList();

    [Fact]
    public void The_same_shard_signal_twice_is_applied_once()
    {
        var signal = ShardSignal("0", 1, 100, "sword", EventType.Click, 3);

        Assert.Equal(true, Shard(ItemShardEntity.ApplyOperation, signal));
        Assert.Equal(false, Shard(ItemShardEntity.ApplyOperation, signal));

        var state = ShardState();
        Assert.Equal(3, state.Pending["sword"].Totals[(int)EventType.Click]);
        Assert.Equal((1, 100), (state.Applied["0"].Single().From, state.Applied["0"].Single().To));

        _entities.Settle();
        Assert.Equal(false, Shard(ItemShardEntity.ApplyOperation, signal)); // still refused once written
        _entities.Settle();
        Assert.Equal(3, Item("sword")!.Totals[(int)EventType.Click]);
        Assert.Equal([("sword", 3L)], Entries(Board(EventType.Click, null)!.Top(10)));
        Assert.Equal(1, _store.ItemWrites);
    }

    [Fact]
    public void An_item_document_the_store_refuses_for_good_is_dropped_and_the_rest_of_the_buffer_is_written()
    {
        _store.RefusedItemIds.Add("..");
        var signal = ShardSignal("0", 1, 100, "sword", EventType.Click, 3);
        signal.Items[".."] = ShardSignal("0", 1, 100, "..", EventType.Click, 2).Items[".."];

        Assert.Equal(true, Shard(ItemShardEntity.ApplyOperation, signal));
        _entities.Settle();

        Assert.Equal(3, Item("sword")!.Totals[(int)EventType.Click]);
        Assert.DoesNotContain("..", _store.ItemIds);
        Assert.Equal([("sword", 3L)], Entries(Board(EventType.Click, null)!.Top(10)));
        var state = ShardState();
        Assert.Null(state.Sealed); // written, not kept for a retry that could never succeed
        Assert.Empty(state.Pending);
    }

    [Fact]
    public void Ranges_apply_once_even_out_of_order_and_partitions_are_independent()
    {
        Assert.Equal(true, Shard(ItemShardEntity.ApplyOperation, ShardSignal("0", 201, 300, "sword", EventType.Click, 3)));
        Assert.Equal(true, Shard(ItemShardEntity.ApplyOperation, ShardSignal("0", 101, 200, "sword", EventType.Click, 5))); // older range, sent first, processed late
        Assert.Equal(false, Shard(ItemShardEntity.ApplyOperation, ShardSignal("0", 201, 300, "sword", EventType.Click, 3)));
        Assert.Equal(true, Shard(ItemShardEntity.ApplyOperation, ShardSignal("1", 1, 50, "sword", EventType.Click, 2)));
        Assert.Equal(true, Shard(ItemShardEntity.ApplyOperation, ShardSignal("1", 51, 60, "shield", EventType.Click, 7)));
        _entities.Settle();

        var state = ShardState();
        Assert.Equal(10, Item("sword")!.Totals[(int)EventType.Click]);
        Assert.Equal(7, Item("shield")!.Totals[(int)EventType.Click]);
        Assert.Equal((101, 300), (state.Applied["0"].Single().From, state.Applied["0"].Single().To));
        Assert.Equal((1, 60), (state.Applied["1"].Single().From, state.Applied["1"].Single().To));
        Assert.Equal([("sword", 10L), ("shield", 7L)], Entries(Board(EventType.Click, Hour)!.Top(10)));
        Assert.Equal([("sword", 10L), ("shield", 7L)], Entries(Board(EventType.Click, null)!.Top(10)));
        Assert.Null(Board(EventType.View, null)); // nothing offered for a type without counts
        Assert.False(state.HasUnwritten);
        Assert.Equal((1L, 1L), (state.LastSealed, state.LastWritten));
    }

    [Fact]
    public void Get_on_a_new_shard_returns_empty_state()
    {
        var state = ShardState();
        Assert.Empty(state.Pending);
        Assert.Null(state.Sealed);
        Assert.Empty(state.Applied);
        Assert.Empty(_entities.Scheduled); // nothing unwritten: no tail flush
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
            Global(GlobalTotalsEntity.ApplyOperation, GlobalSignal((i % 4).ToString(CultureInfo.InvariantCulture), i, i, 1));
        }
        Assert.Equal(1000, ((GlobalTotalsState)Global("get")!).Totals.Events);
    }

    [Fact]
    public void A_buffer_sealed_in_a_batch_is_written_by_a_later_batch_not_by_that_one()
    {
        var t = With(new RollupOptions { ItemFlushMaxItems = 2 });
        t._entities.RunBatch(ShardId,
        [
            (ItemShardEntity.ApplyOperation, ShardSignal("0", 1, 1, "sword", EventType.Click, 1)),
            (ItemShardEntity.ApplyOperation, ShardSignal("0", 2, 2, "shield", EventType.Click, 2)), // 2 items: sealed as buffer 1
            (ItemShardEntity.ApplyOperation, ShardSignal("0", 3, 3, "axe", EventType.Click, 3)),    // same batch: buffer 1 not written
        ]);
        var state = t.ShardState();
        Assert.Equal(1, state.Sealed!.Number);
        Assert.Equal(["shield", "sword"], state.Sealed.Items.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(["axe"], state.Pending.Keys);
        Assert.Equal((0, 0), (t._store.ItemWrites, t._store.LeaderboardWrites));

        t._entities.Run(ShardId, ItemShardEntity.ApplyOperation, ShardSignal("0", 4, 4, "bow", EventType.Click, 4)); // a later batch writes buffer 1
        state = t.ShardState();
        Assert.Equal(2, t._store.ItemWrites);
        Assert.Equal([("shield", 2L), ("sword", 1L)], Entries(t.Board(EventType.Click, null)!.Top(10)));
        Assert.Equal(2, state.Sealed!.Number); // axe + bow sealed in that batch, not written by it
        Assert.Equal(1, state.LastWritten);
        Assert.Null(t.Item("axe"));

        t._entities.Settle();
        Assert.Equal([("bow", 4L), ("axe", 3L), ("shield", 2L), ("sword", 1L)], Entries(t.Board(EventType.Click, Hour)!.Top(10)));
        Assert.Equal(4, t._store.ItemWrites);
    }

    [Fact]
    public void A_failed_write_keeps_the_buffer_sealed_and_a_later_batch_writes_it_exactly_once()
    {
        var t = With(new RollupOptions { ItemFlushSeconds = 1 });
        Assert.Equal(true, t._entities.Run(ShardId, ItemShardEntity.ApplyOperation, ShardSignal("0", 1, 1, "sword", EventType.Click, 1)));
        t._entities.AdvanceAndDeliverDue(TimeSpan.FromSeconds(1));
        Assert.Equal(true, t._entities.Run(ShardId, ItemShardEntity.ApplyOperation, ShardSignal("0", 2, 2, "shield", EventType.Click, 2))); // 1 s old: sealed
        Assert.Equal(1, t.ShardState().Sealed!.Number);

        t._store.FailNextWrites = 1; // the store fails the next write: the operation still succeeds
        Assert.Equal(true, t._entities.Run(ShardId, ItemShardEntity.ApplyOperation, ShardSignal("0", 3, 3, "axe", EventType.Click, 3)));
        var state = t.ShardState();
        Assert.Equal(1, state.Sealed!.Number); // kept sealed
        Assert.Equal(0, state.LastWritten);
        Assert.Equal(["axe"], state.Pending.Keys);
        Assert.Equal(0, t._store.FailNextWrites);

        t._entities.Run(ShardId, ItemShardEntity.ApplyOperation, ShardSignal("0", 4, 4, "bow", EventType.Click, 4)); // writes buffer 1 again
        Assert.Equal(1, t.ShardState().LastWritten);
        Assert.Equal(1, t.Item("sword")!.Totals[(int)EventType.Click]); // exactly once, whichever item the failed try had written
        Assert.Equal(2, t.Item("shield")!.Totals[(int)EventType.Click]);
        Assert.Equal(1, t.Item("shield")!.Flushes[Key]);

        t._entities.Settle();
        Assert.Equal([("bow", 4L), ("axe", 3L), ("shield", 2L), ("sword", 1L)], Entries(t.Board(EventType.Click, null)!.Top(10)));
        Assert.Equal(1, t.Item("sword")!.Totals[(int)EventType.Click]);
        Assert.False(t.ShardState().HasUnwritten);
    }

    [Fact]
    public void The_tail_flush_writes_the_last_buffer_when_no_more_signals_arrive()
    {
        var t = With(new RollupOptions { ItemTailFlushSeconds = 5 });
        t.Shard(ItemShardEntity.ApplyOperation, ShardSignal("0", 1, 1, "sword", EventType.Click, 1));
        t._clock.Advance(TimeSpan.FromSeconds(2));
        t.Shard(ItemShardEntity.ApplyOperation, ShardSignal("0", 2, 2, "sword", EventType.Click, 1)); // seals (1 s old)
        t._clock.Advance(TimeSpan.FromSeconds(1));
        t.Shard(ItemShardEntity.ApplyOperation, ShardSignal("0", 3, 3, "shield", EventType.View, 1)); // writes buffer 1 (both sword signals)
        Assert.Equal(2, t.Item("sword")!.Totals[(int)EventType.Click]);
        Assert.Null(t.Item("shield"));
        var flush = Assert.Single(t._entities.EntitySignals); // one self-signal outstanding at a time
        Assert.Equal((ShardId, ItemShardEntity.FlushOperation, Now.AddSeconds(5)), (flush.Id, flush.Operation, flush.Due));

        Assert.Equal(0, t._entities.AdvanceAndDeliverDue(TimeSpan.FromSeconds(1.9)));
        // The tail flush seals the rest and signals a flush at once, whose batch writes it (delivered with the batch).
        Assert.Equal(1, t._entities.AdvanceAndDeliverDue(TimeSpan.FromSeconds(0.1)));
        Assert.Equal(2, t.Item("sword")!.Totals[(int)EventType.Click]);
        Assert.Equal(1, t.Item("shield")!.Totals[(int)EventType.View]);
        Assert.Empty(t._entities.Scheduled); // nothing unwritten: no more self-signals
        Assert.Equal(2, t._entities.EntitySignals.Count); // the one that sealed the tail, the one that wrote it
        Assert.Equal(0, t._entities.AdvanceAndDeliverDue(TimeSpan.FromMinutes(10)));
    }

    [Fact]
    public void An_hour_past_the_items_retention_counts_all_time_but_in_no_hour_leaderboard()
    {
        for (var h = 0; h < 48; h++)
        {
            Shard(ItemShardEntity.ApplyOperation, ShardSignal("0", h + 1, h + 1, "sword", EventType.Click, 1, Hour + h * 3600L));
        }
        _entities.Settle();
        Shard(ItemShardEntity.ApplyOperation, ShardSignal("0", 100, 100, "sword", EventType.Click, 1, Hour - 3600)); // 49 hours before the newest
        _entities.Settle();

        var item = Item("sword")!;
        Assert.Equal(49, item.Totals[(int)EventType.Click]);
        Assert.Equal(48, item.Hours.Count);
        Assert.Equal(Hour, item.Hours[0].Start);
        Assert.Null(Board(EventType.Click, Hour - 3600));
        Assert.Equal([("sword", 49L)], Entries(Board(EventType.Click, null)!.Top(10)));
        Assert.Equal(48, _store.LeaderboardIds.Count(id => id.StartsWith("click@", StringComparison.Ordinal) && id != "click@all"));
        Assert.Equal((48 + 1) * 3600, Board(EventType.Click, Hour)!.TimeToLiveSeconds);
        Assert.Null(Board(EventType.Click, null)!.TimeToLiveSeconds);
    }

    [Fact]
    public void An_hour_older_than_the_retention_at_the_current_time_gets_no_item_hour_and_no_leaderboard_document()
    {
        // A new item whose only events are old: its own newest hour is no bound, the clock is (now 13:30, 48 windows
        // kept: the oldest kept window starts 47 hours before 13:00).
        var oldest = Hour - 47 * 3600L;
        Shard(ItemShardEntity.ApplyOperation, ShardSignal("0", 1, 1, "relic", EventType.Click, 2, oldest - 3600)); // 48 hours back
        Shard(ItemShardEntity.ApplyOperation, ShardSignal("0", 2, 2, "relic", EventType.Click, 1, new DateTimeOffset(2001, 1, 1, 0, 0, 0, TimeSpan.Zero).ToUnixTimeSeconds()));
        Shard(ItemShardEntity.ApplyOperation, ShardSignal("0", 3, 3, "amulet", EventType.Click, 1, oldest));
        _entities.Settle();

        var relic = Item("relic")!;
        Assert.Equal(3, relic.Totals[(int)EventType.Click]); // all time still counts them
        Assert.Empty(relic.Hours);
        Assert.Equal([oldest], Item("amulet")!.Hours.Select(h => h.Start));
        Assert.Equal([$"click@{oldest}", "click@all"], _store.LeaderboardIds.Order(StringComparer.Ordinal));
        Assert.Equal([("relic", 3L), ("amulet", 1L)], Entries(Board(EventType.Click, null)!.Top(10)));
    }

    [Fact]
    public async Task A_type_declared_later_is_counted_and_gets_its_own_leaderboards()
    {
        var definitions = FeatureDefinitionsReader.ReadDefault();
        definitions.EventTypes.Add(new EventTypeDefinition { Name = "wishlist", Weight = 4 });
        var t = new RollupEntityTests(new RollupOptions(), FeatureDefinitionsReader.Compile(definitions));
        var wishlist = (EventType)EventTypes.Count;
        t.Shard(ItemShardEntity.ApplyOperation, ShardSignal("0", 1, 1, "sword", EventType.View, 1));
        t._entities.Settle(); // a document with the five original types
        Assert.Equal(EventTypes.Count, t.Item("sword")!.Totals.Length);

        t.Shard(ItemShardEntity.ApplyOperation, ShardSignal("0", 2, 2, "sword", wishlist, 3));
        t._entities.Settle();

        var item = t.Item("sword")!;
        Assert.Equal(3, PerType.At(item.Totals, (int)wishlist));
        Assert.Equal(1, item.Totals[(int)EventType.View]);
        Assert.Equal(3, PerType.At(item.Hours.Single().Counts, (int)wishlist));
        var board = (await t._store.GetLeaderboardAsync(LeaderboardDocument.IdOf("wishlist", null), CancellationToken.None))!;
        Assert.Equal(("wishlist", (long?)null), (board.Type, board.HourStart));
        Assert.Equal([("sword", 3L)], Entries(board.Top(10)));
        Assert.NotNull(await t._store.GetLeaderboardAsync(LeaderboardDocument.IdOf("wishlist", Hour), CancellationToken.None));
    }

    [Theory]
    [InlineData(1, 100)]
    [InlineData(2, 3)]
    [InlineData(3, 1)]
    public async Task Signals_from_several_partitions_with_redeliveries_write_exact_items_and_leaderboards(int seed, int leaderboardSize)
    {
        const int layout = 4;
        var t = With(new RollupOptions { LeaderboardSize = leaderboardSize, ItemFlushMaxItems = 7, ShardCount = layout });
        var rng = new Random(seed);
        var expected = new Dictionary<string, (long[] Totals, Dictionary<long, long[]> Hours)>(StringComparer.Ordinal);
        var sent = new List<(EntityInstanceId Id, ItemShardSignal Signal)>();
        var progress = Enumerable.Range(0, 4).Select(p => PartitionProgress.Create("g", p.ToString(CultureInfo.InvariantCulture))).ToList();
        var sequence = new long[4];

        for (var flush = 0; flush < 120; flush++)
        {
            var p = rng.Next(4);
            var builder = new RollupDeltaBuilder(layout);
            var first = sequence[p] + 1;
            var count = rng.Next(1, 12);
            for (var i = 0; i < count; i++)
            {
                var itemId = $"i-{rng.Next(30)}";
                var type = (EventType)rng.Next(EventTypes.Count);
                var at = Now.AddHours(-rng.Next(4)).AddMinutes(-rng.Next(60));
                builder.Add(new SequencedEvent(new TreasureEvent($"e{p}-{first + i}", "u", itemId, "gear", type, 1, at), first + i, Now), EventOutcome.Applied);
                var (totals, hours) = expected.TryGetValue(itemId, out var e) ? e : expected[itemId] = (new long[EventTypes.Count], []);
                totals[(int)type]++;
                var hour = WindowSize.Hour.StartOf(at);
                if (!hours.TryGetValue(hour, out var counts)) hours[hour] = counts = new long[EventTypes.Count];
                counts[(int)type]++;
            }
            sequence[p] = first + count - 1;
            var partition = progress[p];
            partition.Accumulate(builder.Build(first, sequence[p]), t._clock.GetUtcNow());
            partition.Seal();
            var signals = RollupSignals.From(partition.PartitionId, partition.Sealed!, layout, partition.SentThrough, t._clock.GetUtcNow());
            foreach (var (key, signal) in signals.Shards)
            {
                var id = DurableRollupClient.ShardId(key);
                await t._entities.SignalEntityAsync(id, ItemShardEntity.ApplyOperation, signal);
                sent.Add((id, signal));
                if (rng.Next(5) == 0) await t._entities.SignalEntityAsync(id, ItemShardEntity.ApplyOperation, signal); // crash before clearing: sent twice
            }
            partition.ClearSealed(sequence[p], signals);
            if (rng.Next(6) == 0)
            {
                var (id, old) = sent[rng.Next(sent.Count)]; // a late redelivery of any earlier signal
                await t._entities.SignalEntityAsync(id, ItemShardEntity.ApplyOperation, old);
            }
            if (rng.Next(3) == 0) t._entities.AdvanceAndDeliverDue(TimeSpan.FromSeconds(rng.Next(0, 4)));
        }
        t._entities.Settle();

        foreach (var (itemId, (totals, hours)) in expected)
        {
            var document = t.Item(itemId)!;
            Assert.Equal(totals, Enumerable.Range(0, EventTypes.Count).Select(i => PerType.At(document.Totals, i)));
            Assert.Equal(hours.Keys.Order(), document.Hours.Select(h => h.Start));
            Assert.All(document.Hours, h => Assert.Equal(hours[h.Start], Enumerable.Range(0, EventTypes.Count).Select(i => PerType.At(h.Counts, i))));
            Assert.Equal([ShardRouting.ShardKey(layout, ShardRouting.ShardOf(itemId, layout))], document.Flushes.Keys);
        }
        Assert.Equal(expected.Keys.Order(StringComparer.Ordinal), t._store.ItemIds.Order(StringComparer.Ordinal));

        static List<(string, long)> Brute(IEnumerable<(string Item, long Count)> counts, int k) =>
            counts.Where(c => c.Count > 0).OrderByDescending(c => c.Count).ThenBy(c => c.Item, StringComparer.Ordinal).Take(k).ToList();
        var allHours = expected.Values.SelectMany(e => e.Hours.Keys).Distinct().ToList();
        for (var type = 0; type < EventTypes.Count; type++)
        {
            var typeIndex = type;
            var all = Brute(expected.Select(e => (e.Key, e.Value.Totals[typeIndex])), leaderboardSize);
            Assert.Equal(all, Entries(t.Board((EventType)type, null)?.Top(leaderboardSize) ?? []));
            foreach (var hour in allHours)
            {
                var top = Brute(expected.Select(e => (e.Key, e.Value.Hours.TryGetValue(hour, out var c) ? c[typeIndex] : 0)), leaderboardSize);
                Assert.Equal(top, Entries(t.Board((EventType)type, hour)?.Top(leaderboardSize) ?? []));
            }
        }

        for (var shard = 0; shard < layout; shard++)
        {
            var state = t.ShardState(DurableRollupClient.ShardId(ShardRouting.ShardKey(layout, shard)));
            Assert.False(state.HasUnwritten);
            // One contiguous range per source partition that signalled this shard, whatever flushes skipped it.
            Assert.All(state.Applied.Values, ranges => Assert.Single(ranges));
        }
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
