using System.Diagnostics;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using TreasureHunt.Core.Events;
using TreasureHunt.Core.Rollups;
using TreasureHunt.Core.Features;
using TreasureHunt.IntegrationTests.Storage;
using TreasureHunt.LocalEntities;
using TreasureHunt.Pipeline.Rollups;
using TreasureHunt.Storage.Cosmos;
using TreasureHunt.Testing;
using Xunit.Abstractions;

namespace TreasureHunt.IntegrationTests.Entities;

/// <summary>
/// The rollup entities (the SDK classes of the Functions app) hosted by <see cref="LocalEntityHost"/> on
/// DurableTask.Core + DurableTask.AzureStorage against Azurite, signalled and read through <see cref="DtfxRollupClient"/>;
/// the item shards write their items and leaderboards to the Cosmos emulator (<see cref="CosmosItemRollupStore"/>).
/// Each test has its own task hub and Cosmos database.
/// </summary>
[Collection(EmulatorFixture.CollectionName)]
public sealed class LocalEntityHostTests(EmulatorFixture emulators, ITestOutputHelper output)
{
    private const int Shards = 16;
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(180);
    /// <summary>Six hours ago, on the hour: the tests' hour windows are within the items' retention (48 hours), which the
    /// shard writer enforces against the current time.</summary>
    private static readonly long Hour0 = TreasureHunt.Core.Aggregation.WindowSizes.StartOf(DateTimeOffset.UtcNow.AddHours(-6).ToUnixTimeSeconds(), 3600);

    [Fact]
    public async Task Signals_of_two_partitions_to_sixteen_shards_and_the_global_entity_add_up_to_the_expected_sums()
    {
        await using var harness = await Harness.StartAsync(emulators, output, "sums");
        var random = new Random(20250601);
        var expected = new Expected();
        var flushes = new[] { "0", "1" }.ToDictionary(p => p, p => Enumerable.Range(1, 3).Select(k =>
        {
            var flush = RandomFlush(random, p, firstSequence: (k - 1) * 1000, lastSequence: k * 1000 - 1, events: 400, items: 240);
            expected.Add(flush);
            return flush;
        }).ToList());
        Assert.Equal(Shards, expected.Items.Select(i => ShardRouting.ShardOf(i.Key, Shards)).Distinct().Count());

        // As the pipeline does: one flush per partition in flight, the partitions concurrently.
        for (var k = 0; k < 3; k++)
        {
            await Task.WhenAll(flushes.Values.Select(f => harness.Client.SignalAsync(f[k], default)));
        }

        var global = await harness.EventuallyAsync(() => harness.Client.GetGlobalAsync(default),
            g => g is not null && SameRanges(g.Applied, expected.GlobalRanges), "global totals");
        Assert.Equal(expected.Global.Events, global!.Totals.Events);
        Assert.Equal(expected.Global.ByType, global.Totals.ByType);
        Assert.Equal(expected.Global.DuplicatesDropped, global.Totals.DuplicatesDropped);
        Assert.Equal(expected.Global.DeadLettered, global.Totals.DeadLettered);

        for (var shard = 0; shard < Shards; shard++)
        {
            var ranges = expected.ShardRanges[shard];
            await harness.EventuallyAsync(() => harness.Client.GetShardAsync(Key(shard), default),
                s => s is not null && SameRanges(s.Applied, ranges) && !s.HasUnwritten, $"shard {shard}");
        }
        foreach (var (itemId, want) in expected.Items)
        {
            var got = await harness.Items.GetItemAsync(itemId, default);
            Assert.NotNull(got);
            Assert.Equal(want.Totals, got!.Totals);
            Assert.Equal(
                want.Hours.OrderBy(h => h.Key).Select(h => (h.Key, string.Join(",", h.Value))),
                got.Hours.Select(h => (h.Start, string.Join(",", h.Counts))));
        }
        var size = new RollupOptions().LeaderboardSize;
        for (var t = 0; t < EventTypes.Count; t++)
        {
            // One document per leaderboard, exact: the brute-force top-K over every item (count desc, id asc).
            var typeName = CompiledDefinitions.Default.TypeName((EventType)t);
            var board = await harness.Items.GetLeaderboardAsync(LeaderboardDocument.IdOf(typeName, null), default);
            Assert.Equal(BruteForceTop(expected.Items.Select(i => (i.Key, i.Value.Totals[t])), size), board!.Top(size).Select(e => (e.ItemId, e.Count)));
            for (var h = 0; h < 3; h++)
            {
                var hour = Hour0 + 3600L * h;
                var hourBoard = await harness.Items.GetLeaderboardAsync(LeaderboardDocument.IdOf(typeName, hour), default);
                var want = BruteForceTop(expected.Items.Select(i => (i.Key, i.Value.Hours.TryGetValue(hour, out var c) ? c[t] : 0)), size);
                Assert.Equal(want, hourBoard?.Top(size).Select(e => (e.ItemId, e.Count)) ?? []);
            }
        }
    }

    private static List<(string, long)> BruteForceTop(IEnumerable<(string ItemId, long Count)> counts, int k) =>
        counts.Where(c => c.Count > 0).Select(c => new LeaderEntry { ItemId = c.ItemId, Count = c.Count })
            .Order(LeaderEntry.Ranking).Take(k).Select(e => (e.ItemId, e.Count)).ToList();

    private static string Key(int shard) => ShardRouting.ShardKey(Shards, shard);

    [Fact]
    public async Task A_signal_delivered_twice_is_applied_once_and_an_older_range_arriving_late_still_counts()
    {
        await using var harness = await Harness.StartAsync(emulators, output, "redelivery");
        var second = Flush("0", 11, 20, (2, "a", EventType.View, 3), (5, "b", EventType.Click, 2));
        var first = Flush("0", 1, 10, (2, "a", EventType.Purchase, 1)); // sent after the newer range, as after a lost dequeue
        var sentinel = Flush("1", 1, 4, (2, "a", EventType.Share, 1), (5, "b", EventType.Share, 1));

        // Twice at once (likely in the same operation batch), then once more after it was applied.
        await Task.WhenAll(harness.Client.SignalAsync(second, default), harness.Client.SignalAsync(second, default));
        await harness.EventuallyAsync(() => harness.Client.GetGlobalAsync(default), g => g?.Applied.ContainsKey("0") == true, "first delivery");
        await harness.Client.SignalAsync(second, default);
        await harness.Client.SignalAsync(first, default);
        // Sent last: once it is visible everywhere, the signals ahead of it in the same queues were processed too.
        await harness.Client.SignalAsync(sentinel, default);

        await harness.EventuallyAsync(() => harness.Client.GetGlobalAsync(default), g => g?.Applied.ContainsKey("1") == true, "sentinel (global)");
        await harness.EventuallyAsync(() => harness.Client.GetShardAsync(Key(2), default), s => s?.Applied.ContainsKey("1") == true && !s.HasUnwritten, "sentinel (shard 2)");
        await harness.EventuallyAsync(() => harness.Client.GetShardAsync(Key(5), default), s => s?.Applied.ContainsKey("1") == true && !s.HasUnwritten, "sentinel (shard 5)");
        await Task.Delay(500);
        var global = await harness.Client.GetGlobalAsync(default);
        var shard2 = await harness.Client.GetShardAsync(Key(2), default);
        var shard5 = await harness.Client.GetShardAsync(Key(5), default);

        Assert.Equal(3 + 2 + 1 + 2, global!.Totals.Events);
        Assert.Equal([3, 2, 2, 0, 1], global.Totals.ByType);
        var a = (await harness.Items.GetItemAsync("a", default))!.Totals;
        var b = (await harness.Items.GetItemAsync("b", default))!.Totals;
        Assert.Equal([3, 0, 1, 0, 1], a);
        Assert.Equal([0, 2, 1, 0, 0], b);
        Assert.Equal("0:1-20 1:1-4", Describe(global.Applied));
        Assert.Equal("0:1-20 1:1-4", Describe(shard2!.Applied));
        Assert.Equal("0:11-20 1:1-4", Describe(shard5!.Applied));
    }

    [Fact]
    public async Task Reading_an_entity_that_was_never_signalled_gives_null()
    {
        await using var harness = await Harness.StartAsync(emulators, output, "missing");
        Assert.Null(await harness.Client.GetGlobalAsync(default));
        for (var shard = 0; shard < Shards; shard++)
        {
            Assert.Null(await harness.Client.GetShardAsync(Key(shard), default));
        }
        Assert.Null(await harness.Items.GetItemAsync("x", default));

        await harness.Client.SignalAsync(Flush("0", 1, 1, (3, "x", EventType.Claim, 1)), default);
        await harness.EventuallyAsync(() => harness.Client.GetShardAsync(Key(3), default), s => s is { HasUnwritten: false }, "shard 3");
        Assert.Equal(1, (await harness.Items.GetItemAsync("x", default))!.Totals[(int)EventType.Claim]);
        Assert.Null(await harness.Client.GetShardAsync(Key(4), default));
    }

    [Fact]
    public async Task Signals_sent_while_no_host_runs_are_applied_by_the_next_host_on_the_same_task_hub()
    {
        var hub = TestNames.UniqueName("lerestart");
        await using var cosmos = await CosmosHarness.CreateAsync(emulators, "lerestart");
        await using (var first = await Harness.StartAsync(emulators, output, hub, uniqueHub: false, deleteHub: false, database: cosmos))
        {
            await first.Client.SignalAsync(Flush("0", 1, 1, (1, "r", EventType.View, 1)), default);
            await first.EventuallyAsync(() => first.Client.GetShardAsync(Key(1), default), s => s is not null, "before restart");
        }

        // Stopped: signals wait in the task hub's queues.
        await using var loggers = new LoggerFactoryHolder(output);
        var stoppedHost = new LocalEntityHost(emulators.StorageConnectionString, hub, new RollupOptions(), loggers.Factory);
        await stoppedHost.CreateClient().SignalAsync(Flush("0", 2, 2, (1, "r", EventType.View, 1)), default);
        await stoppedHost.DisposeAsync();

        await using var second = await Harness.StartAsync(emulators, output, hub, uniqueHub: false, database: cosmos);
        var clock = Stopwatch.StartNew();
        await second.EventuallyAsync(() => second.Client.GetShardAsync(Key(1), default), s => s is not null && Describe(s.Applied) == "0:1-2" && !s.HasUnwritten, "after restart");
        output.WriteLine($"signal sent while stopped applied and written {clock.ElapsedMilliseconds} ms after the new host started");
        Assert.Equal(2, (await second.Items.GetItemAsync("r", default))!.Totals[(int)EventType.View]);
    }

    /// <summary>At DurableTask.AzureStorage's own default (64, over all control queues) the item shards' waiting signals
    /// filled the buffer and the totals entity's signals waited seconds behind them; Azure's Durable Functions default is
    /// 256, at most 1,000 (docs/benchmarks/freshness.md).</summary>
    [Fact]
    public async Task The_entity_host_buffers_as_many_control_queue_messages_as_Durable_Functions_does_in_Azure()
    {
        await using var loggers = new LoggerFactoryHolder(output);
        await using var host = new LocalEntityHost(emulators.StorageConnectionString, TestNames.UniqueName("lebuffer"), new RollupOptions(), loggers.Factory);
        Assert.Equal(256, host.Settings.ControlQueueBufferThreshold);
        Assert.Equal(LocalEntityHost.EntityMessageVisibilityTimeout, host.Settings.ControlQueueVisibilityTimeout);
    }

    [Fact]
    public async Task A_thousand_signals_are_all_applied_and_the_throughput_is_reported()
    {
        await using var harness = await Harness.StartAsync(emulators, output, "throughput");

        // Latency of one flush (a shard signal and the global one) from SignalAsync to both states readable.
        var latencies = new List<long>();
        for (var i = 1; i <= 10; i++)
        {
            var clock = Stopwatch.StartNew();
            await harness.Client.SignalAsync(Flush("lat", i, i, (i % Shards, "l", EventType.View, 1)), default);
            var shard = i % Shards;
            await harness.EventuallyAsync(() => harness.Client.GetGlobalAsync(default), g => g is not null && Through(g.Applied, "lat") == i, "latency (global)", pollMs: 5);
            await harness.EventuallyAsync(() => harness.Client.GetShardAsync(Key(shard), default), s => s is not null && Through(s.Applied, "lat") == i, "latency (shard)", pollMs: 5);
            latencies.Add(clock.ElapsedMilliseconds);
            await Task.Delay(200); // let the queue pollers back off, as between real flushes
        }
        latencies.Sort();
        output.WriteLine($"signal -> visible (shard + global): p50 {latencies[latencies.Count / 2]} ms, max {latencies[^1]} ms over {latencies.Count} flushes");

        // 1000 signals: 8 source partitions (as the local host has) each sending 25 flushes one after the other (one in
        // flight per partition, as the pipeline does), each flush = 4 shard signals + 1 global signal.
        const int partitions = 8, flushesPerPartition = 25, signals = partitions * flushesPerPartition * 5;
        var sent = Stopwatch.StartNew();
        await Parallel.ForEachAsync(Enumerable.Range(0, partitions), new ParallelOptions { MaxDegreeOfParallelism = partitions }, async (p, ct) =>
        {
            for (var k = 1; k <= flushesPerPartition; k++)
            {
                var i = p * flushesPerPartition + k;
                await harness.Client.SignalAsync(
                    Flush($"tp{p}", k, k, (i % Shards, $"t{i % Shards}", EventType.View, 1), ((i + 4) % Shards, $"t{(i + 4) % Shards}", EventType.View, 1),
                        ((i + 8) % Shards, $"t{(i + 8) % Shards}", EventType.View, 1), ((i + 12) % Shards, $"t{(i + 12) % Shards}", EventType.View, 1)),
                    ct);
            }
        });
        var sendMs = sent.ElapsedMilliseconds;
        var global = await harness.EventuallyAsync(() => harness.Client.GetGlobalAsync(default),
            g => g is not null && Enumerable.Range(0, partitions).All(p => Describe(g.Applied).Contains($"tp{p}:1-{flushesPerPartition}", StringComparison.Ordinal)),
            "1000 signals (global)", timeout: TimeSpan.FromMinutes(5));
        for (var shard = 0; shard < Shards; shard++)
        {
            var s = await harness.EventuallyAsync(() => harness.Client.GetShardAsync(Key(shard), default),
                st => st is not null && st.Applied.Where(a => a.Key.StartsWith("tp", StringComparison.Ordinal)).Sum(a => a.Value.Sum(r => r.To - r.From + 1)) == partitions * flushesPerPartition / 4,
                $"1000 signals (shard {shard})", timeout: TimeSpan.FromMinutes(5));
        }
        var applied = sent.ElapsedMilliseconds;
        for (var shard = 0; shard < Shards; shard++)
        {
            await harness.EventuallyAsync(() => harness.Client.GetShardAsync(Key(shard), default), st => st is { HasUnwritten: false }, $"shard {shard} written", timeout: TimeSpan.FromMinutes(5));
            Assert.Equal(partitions * flushesPerPartition / 4, (await harness.Items.GetItemAsync($"t{shard}", default))!.Totals[(int)EventType.View]);
        }
        var totalMs = sent.ElapsedMilliseconds;
        Assert.Equal(10 + 4 * partitions * flushesPerPartition, global!.Totals.Events);
        output.WriteLine($"{signals} signals to 17 entities: sent in {sendMs} ms ({signals * 1000.0 / Math.Max(1, sendMs):F0}/s), " +
            $"all applied after {applied} ms ({signals * 1000.0 / Math.Max(1, applied):F0} signals/s end to end), items and leaderboards written after {totalMs} ms");
    }

    // ---- helpers --------------------------------------------------------------------------------------------------

    /// <summary>The applied ranges as "partition:from-to ..." (partitions and ranges in order).</summary>
    private static string Describe(Dictionary<string, List<SequenceRange>> applied) => string.Join(" ",
        applied.OrderBy(a => a.Key, StringComparer.Ordinal).SelectMany(a => a.Value.Select(r => $"{a.Key}:{r.From}-{r.To}")));

    private static bool SameRanges(Dictionary<string, List<SequenceRange>> actual, Dictionary<string, List<(long From, long To)>> expected) =>
        Describe(actual) == Describe(expected.ToDictionary(e => e.Key, e => Merge(e.Value)));

    /// <summary>Sorts and joins adjacent ranges (independently of the entity code).</summary>
    private static List<SequenceRange> Merge(List<(long From, long To)> ranges)
    {
        var merged = new List<SequenceRange>();
        foreach (var (from, to) in ranges.OrderBy(r => r.From))
        {
            if (merged.Count > 0 && merged[^1].To + 1 == from) merged[^1].To = to;
            else merged.Add(new SequenceRange { From = from, To = to });
        }
        return merged;
    }

    /// <summary>The end of the newest applied range of a partition, or -1.</summary>
    private static long Through(Dictionary<string, List<SequenceRange>> applied, string partition) =>
        applied.TryGetValue(partition, out var ranges) && ranges.Count > 0 ? ranges[^1].To : -1;

    /// <summary>A flush of one partition's range [first, last] with the given (shard, item, type, count) contributions.</summary>
    private static RollupSignals Flush(string partition, long firstSequence, long lastSequence, params (int Shard, string Item, EventType Type, int Count)[] parts)
    {
        var delta = new RollupDelta { FromSequence = firstSequence, ToSequence = lastSequence, Messages = parts.Sum(p => p.Count), ShardCount = Shards };
        foreach (var (shard, item, type, count) in parts)
        {
            if (!delta.Shards.TryGetValue(shard, out var items)) delta.Shards[shard] = items = new Dictionary<string, ItemDelta>(StringComparer.Ordinal);
            if (!items.TryGetValue(item, out var itemDelta)) items[item] = itemDelta = new ItemDelta();
            for (var i = 0; i < count; i++) itemDelta.Add(type, Hour0);
            delta.Global.Events += count;
            delta.Global.ByType[(int)type] += count;
        }
        return RollupSignals.From(partition, delta, Shards);
    }

    /// <summary>A flush of <paramref name="events"/> random events over <paramref name="items"/> items and three hours, plus a few duplicates and dead letters.</summary>
    private static RollupSignals RandomFlush(Random random, string partition, long firstSequence, long lastSequence, int events, int items)
    {
        var delta = new RollupDelta { FromSequence = firstSequence, ToSequence = lastSequence, Messages = events, ShardCount = Shards };
        for (var e = 0; e < events; e++)
        {
            var item = $"item-{random.Next(items)}";
            var type = (EventType)random.Next(EventTypes.Count);
            var hour = Hour0 + 3600L * random.Next(3);
            var shard = ShardRouting.ShardOf(item, Shards);
            if (!delta.Shards.TryGetValue(shard, out var byItem)) delta.Shards[shard] = byItem = new Dictionary<string, ItemDelta>(StringComparer.Ordinal);
            if (!byItem.TryGetValue(item, out var itemDelta)) byItem[item] = itemDelta = new ItemDelta();
            itemDelta.Add(type, hour);
            delta.Global.Events++;
            delta.Global.ByType[(int)type]++;
        }
        delta.Global.DuplicatesDropped = random.Next(5);
        delta.Global.DeadLettered = random.Next(5);
        return RollupSignals.From(partition, delta, Shards);
    }

    /// <summary>What the entities should hold, computed from the signals independently of the entity code.</summary>
    private sealed class Expected
    {
        public Dictionary<string, (long[] Totals, Dictionary<long, long[]> Hours)> Items { get; } = new(StringComparer.Ordinal);
        public GlobalCounters Global { get; } = new();
        public Dictionary<string, List<(long From, long To)>> GlobalRanges { get; } = [];
        public Dictionary<int, Dictionary<string, List<(long From, long To)>>> ShardRanges { get; } =
            Enumerable.Range(0, Shards).ToDictionary(s => s, _ => new Dictionary<string, List<(long From, long To)>>());

        public void Add(RollupSignals signals)
        {
            foreach (var (key, signal) in signals.Shards)
            {
                var shard = int.Parse(key.AsSpan(key.IndexOf('-') + 1), System.Globalization.CultureInfo.InvariantCulture);
                AddRange(ShardRanges[shard], signal.SourcePartition, signal.FirstSequenceNumber, signal.LastSequenceNumber);
                foreach (var (itemId, delta) in signal.Items)
                {
                    if (!Items.TryGetValue(itemId, out var item)) Items[itemId] = item = (new long[EventTypes.Count], new Dictionary<long, long[]>());
                    for (var t = 0; t < EventTypes.Count; t++) item.Totals[t] += delta.Totals[t];
                    foreach (var w in delta.Hours)
                    {
                        if (!item.Hours.TryGetValue(w.Start, out var counts)) item.Hours[w.Start] = counts = new long[EventTypes.Count];
                        for (var t = 0; t < EventTypes.Count; t++) counts[t] += w.Counts[t];
                    }
                }
            }
            AddRange(GlobalRanges, signals.Global.SourcePartition, signals.Global.FirstSequenceNumber, signals.Global.LastSequenceNumber);
            var c = signals.Global.Counters;
            Global.Events += c.Events;
            for (var t = 0; t < EventTypes.Count; t++) Global.ByType[t] += c.ByType[t];
            Global.DuplicatesDropped += c.DuplicatesDropped;
            Global.DeadLettered += c.DeadLettered;
        }

        private static void AddRange(Dictionary<string, List<(long From, long To)>> ranges, string partition, long from, long to)
        {
            if (!ranges.TryGetValue(partition, out var list)) ranges[partition] = list = [];
            list.Add((from, to));
        }
    }

    private sealed class LoggerFactoryHolder(ITestOutputHelper output) : IAsyncDisposable
    {
        public ILoggerFactory Factory { get; } = TestOutputLoggerProvider.CreateFactory(output);

        public ValueTask DisposeAsync()
        {
            Factory.Dispose();
            return ValueTask.CompletedTask;
        }
    }

    /// <summary>A started host on its own task hub and Cosmos database, and its clients; disposing stops the host and
    /// deletes the hub and the database (unless the database was given).</summary>
    private sealed class Harness : IAsyncDisposable
    {
        private readonly ILoggerFactory _loggers;
        private readonly bool _deleteHub;
        private readonly CosmosHarness? _ownDatabase;

        private Harness(LocalEntityHost host, ILoggerFactory loggers, bool deleteHub, CosmosItemRollupStore items, CosmosHarness? ownDatabase)
        {
            Host = host;
            _loggers = loggers;
            _deleteHub = deleteHub;
            _ownDatabase = ownDatabase;
            Items = items;
            Client = host.CreateClient();
        }

        public LocalEntityHost Host { get; }
        public DtfxRollupClient Client { get; }
        public CosmosItemRollupStore Items { get; }

        public static async Task<Harness> StartAsync(EmulatorFixture emulators, ITestOutputHelper output, string name, bool uniqueHub = true, bool deleteHub = true, CosmosHarness? database = null)
        {
            var loggers = TestOutputLoggerProvider.CreateFactory(output);
            var hub = uniqueHub ? TestNames.UniqueName("le" + name) : name;
            var own = database is null ? await CosmosHarness.CreateAsync(emulators, "le" + name) : null;
            var items = (database ?? own!).ItemRollups();
            // A short tail flush, so a test's last buffer is written within a second or two.
            var options = new RollupOptions { ShardCount = Shards, ItemTailFlushSeconds = 1 };
            var writer = new ItemShardWriter(items, new TreasureHunt.Storage.StoreRefusalClassifier(), Options.Create(options), CompiledDefinitions.Default, TimeProvider.System, new TreasureHunt.Pipeline.Telemetry.PipelineMetrics(), loggers.CreateLogger<ItemShardWriter>());
            var host = new LocalEntityHost(emulators.StorageConnectionString, hub, options, loggers, itemShardWriter: writer);
            var clock = Stopwatch.StartNew();
            await host.StartAsync(default);
            output.WriteLine($"task hub {hub} started in {clock.ElapsedMilliseconds} ms");
            return new Harness(host, loggers, deleteHub, items, own);
        }

        /// <summary>Polls until <paramref name="done"/> holds; fails with the last value read after the timeout.</summary>
        public async Task<T> EventuallyAsync<T>(Func<Task<T>> read, Func<T, bool> done, string what, TimeSpan? timeout = null, int pollMs = 25)
        {
            var clock = Stopwatch.StartNew();
            while (true)
            {
                var value = await read();
                if (done(value)) return value;
                if (clock.Elapsed > (timeout ?? Patience))
                {
                    Assert.Fail($"{what}: not reached after {clock.Elapsed.TotalSeconds:F0} s; last read: {JsonSerializer.Serialize(value)}");
                }
                await Task.Delay(pollMs);
            }
        }

        public async ValueTask DisposeAsync()
        {
            try
            {
                await Host.StopAsync();
                if (_deleteHub) await Host.DeleteTaskHubAsync();
            }
            finally
            {
                await Host.DisposeAsync();
                _loggers.Dispose();
                if (_ownDatabase is not null) await _ownDatabase.DisposeAsync();
            }
        }
    }
}
