using FsCheck.Xunit;
using Microsoft.Extensions.Time.Testing;
using TreasureHunt.Core.Aggregation;
using TreasureHunt.Core.Events;
using TreasureHunt.Core.Rollups;
using static TreasureHunt.Core.Tests.TestData;

namespace TreasureHunt.Core.Tests;

public class RollupTests
{
    private static readonly DateTimeOffset T = Utc("2026-11-27T12:30:00Z");
    private static readonly long Hour12 = Unix(Utc("2026-11-27T12:00:00Z"));

    private static SequencedEvent Item(string itemId, EventType type, DateTimeOffset time, long seq = 1) =>
        Seq(Event($"e-{seq}", time, type, itemId), seq);

    private static RollupDelta Delta(long from, long to, params (string Item, EventType Type, DateTimeOffset Time)[] events)
    {
        var builder = new RollupDeltaBuilder(16);
        var seq = from;
        foreach (var (item, type, time) in events) builder.Add(Item(item, type, time, seq++), EventOutcome.Applied);
        while (seq++ <= to) builder.AddDeadLetter();
        return builder.Build(from, to);
    }

    [Fact]
    public void Stable_hash_is_32_bit_fnv1a_over_utf16_code_units()
    {
        Assert.Equal(2166136261u, ShardRouting.StableHash(""));
        Assert.Equal(0xE40C292Cu, ShardRouting.StableHash("a"));
        Assert.Equal(0xBF9CF968u, ShardRouting.StableHash("foobar"));
        Assert.Equal((int)(0xBF9CF968u % 16), ShardRouting.ShardOf("foobar", 16));
        Assert.All(Enumerable.Range(0, 500), i => Assert.InRange(ShardRouting.ShardOf($"i-{i}", 7), 0, 6));
        // Items spread over all the shards.
        Assert.Equal(16, Enumerable.Range(0, 500).Select(i => ShardRouting.ShardOf($"i-{i}", 16)).Distinct().Count());
    }

    [Fact]
    public void The_builder_groups_item_deltas_by_stable_shard()
    {
        var builder = new RollupDeltaBuilder(8);
        var seq = 100L;
        foreach (var item in Enumerable.Range(0, 40).Select(i => $"i-{i % 13}"))
        {
            builder.Add(Item(item, EventType.Click, T, seq++), EventOutcome.Applied);
        }
        var delta = builder.Build(100, 139);

        Assert.Equal((100L, 139L, 40L), (delta.FromSequence, delta.ToSequence, delta.Messages));
        Assert.Equal(13, delta.Shards.Sum(s => s.Value.Count));
        foreach (var (shard, items) in delta.Shards)
        {
            Assert.All(items.Keys, item => Assert.Equal(shard, ShardRouting.ShardOf(item, 8)));
        }
        var i0 = delta.Shards[ShardRouting.ShardOf("i-0", 8)]["i-0"]; // i-0 at 0, 13, 26, 39
        Assert.Equal(new long[] { 0, 4, 0, 0, 0 }, i0.Totals);
        Assert.Equal((Hour12, 4L), (i0.Hours.Single().Start, i0.Hours.Single().Counts[(int)EventType.Click]));
        Assert.Equal(40, delta.Global.Events);
        Assert.Equal(40, delta.Global.ByType[(int)EventType.Click]);
    }

    [Fact]
    public void The_builder_counts_item_hours_by_event_time()
    {
        var builder = new RollupDeltaBuilder(1);
        builder.Add(Item("x", EventType.View, T, 1), EventOutcome.Applied);
        builder.Add(Item("x", EventType.Share, T.AddHours(-3), 2), EventOutcome.AppliedLate);
        builder.Add(Item("x", EventType.View, T.AddMinutes(10), 3), EventOutcome.Applied);
        var item = builder.Build(1, 3).Shards[0]["x"];

        Assert.Equal([Hour12 - 3 * 3600, Hour12], item.Hours.Select(h => h.Start));
        Assert.Equal(new long[] { 0, 0, 1, 0, 0 }, item.Hours[0].Counts);
        Assert.Equal(new long[] { 2, 0, 0, 0, 0 }, item.Hours[1].Counts);
        Assert.Equal(new long[] { 2, 0, 1, 0, 0 }, item.Totals);
    }

    [Fact]
    public void The_builder_counts_outcomes_into_the_global_counters()
    {
        var builder = new RollupDeltaBuilder(4);
        builder.Add(Item("a", EventType.View, T, 1), EventOutcome.Applied);
        builder.Add(Item("a", EventType.Claim, T, 2), EventOutcome.AppliedLate);
        builder.Add(Item("b", EventType.View, T, 3), EventOutcome.Duplicate);
        builder.Add(Item("c", EventType.Purchase, T, 4), EventOutcome.AlreadyApplied); // users saw it before, the rollup did not
        builder.AddDeadLetter();
        var delta = builder.Build(1, 5);

        Assert.Equal(5, delta.Messages);
        Assert.Equal((3L, 1L, 1L, 1L), (delta.Global.Events, delta.Global.DuplicatesDropped, delta.Global.DeadLettered, delta.Global.Late));
        Assert.Equal(new long[] { 1, 0, 0, 1, 1 }, delta.Global.ByType);
        Assert.DoesNotContain(delta.Shards.Values, items => items.ContainsKey("b")); // duplicates never reach items
        Assert.False(delta.IsEmpty);
    }

    [Fact]
    public void Merge_keeps_a_contiguous_range_and_adds_everything_up()
    {
        var pending = new RollupDelta();
        Assert.True(pending.IsEmpty);
        pending.Merge(Delta(10, 12, ("a", EventType.View, T), ("b", EventType.Click, T)));
        pending.Merge(Delta(13, 20, ("a", EventType.View, T.AddHours(1)), ("c", EventType.View, T)));
        pending.Merge(new RollupDelta()); // empty: ignored

        Assert.Equal((10L, 20L, 11L), (pending.FromSequence, pending.ToSequence, pending.Messages));
        Assert.Equal((4L, 7L), (pending.Global.Events, pending.Global.DeadLettered));
        var a = pending.Shards[ShardRouting.ShardOf("a", 16)]["a"];
        Assert.Equal(new long[] { 2, 0, 0, 0, 0 }, a.Totals);
        Assert.Equal([Hour12, Hour12 + 3600], a.Hours.Select(h => h.Start));
        Assert.Equal(3, pending.Shards.Sum(s => s.Value.Count));
    }

    [Fact]
    public void Merge_rejects_an_overlapping_range()
    {
        var pending = new RollupDelta();
        pending.Merge(Delta(10, 20, ("a", EventType.View, T)));

        Assert.Throws<InvalidOperationException>(() => pending.Merge(Delta(20, 25, ("a", EventType.View, T))));
        Assert.Throws<InvalidOperationException>(() => pending.Merge(Delta(5, 8, ("a", EventType.View, T))));
        Assert.Equal((10L, 20L, 11L), (pending.FromSequence, pending.ToSequence, pending.Messages)); // unchanged
        pending.Merge(Delta(21, 21, ("a", EventType.View, T)));
        Assert.Equal(21, pending.ToSequence);
    }

    [Fact]
    public void Signals_are_one_per_touched_shard_plus_one_global_tagged_with_the_range()
    {
        var delta = Delta(1, 30, Enumerable.Range(0, 30).Select(i => ($"i-{i}", EventType.View, T)).ToArray());
        var signals = RollupSignals.From("5", delta, configuredShardCount: 99);

        Assert.Equal(delta.Shards.Count + 1, signals.Count);
        Assert.Equal(16, signals.ShardCount); // the delta's own layout, not the configured one
        Assert.Equal(delta.Shards.Keys.Select(i => $"16-{i}").Order(StringComparer.Ordinal), signals.Shards.Keys.Order(StringComparer.Ordinal));
        Assert.All(signals.Shards.Values, s => Assert.Equal(("5", 1L, 30L), (s.SourcePartition, s.FirstSequenceNumber, s.LastSequenceNumber)));
        Assert.Equal(("5", 1L, 30L, 30L), (signals.Global.SourcePartition, signals.Global.FirstSequenceNumber, signals.Global.LastSequenceNumber, signals.Global.Counters.Events));
        Assert.Equal("itemshard", RollupEntityNames.ItemShard);
        Assert.Equal("16-12", ShardRouting.ShardKey(16, 12));
        Assert.Equal((16, 0, 0), (ShardRouting.LayoutOf("16-12"), ShardRouting.LayoutOf("12"), ShardRouting.LayoutOf("x-1")));

        var legacy = Delta(1, 30, ("a", EventType.View, T));
        legacy.ShardCount = 0; // stored before deltas recorded their layout
        Assert.Equal(8, RollupSignals.From("5", legacy, configuredShardCount: 8).ShardCount);
    }

    private static ItemShardSignal ShardSignal(string partition, long first, long last, params (string Item, EventType Type, DateTimeOffset Time)[] events)
    {
        var delta = new RollupDeltaBuilder(1);
        foreach (var (item, type, time) in events) delta.Add(Item(item, type, time), EventOutcome.Applied);
        return new ItemShardSignal
        {
            SourcePartition = partition, FirstSequenceNumber = first, LastSequenceNumber = last,
            Items = delta.Build(first, last).Shards.GetValueOrDefault(0) ?? [],
        };
    }

    private static string Ranges(Dictionary<string, List<SequenceRange>> applied, string partition) =>
        string.Join(",", applied[partition].Select(r => $"{r.From}..{r.To}"));

    [Fact]
    public void Item_shard_applies_each_partition_range_once()
    {
        var state = new ItemShardState();
        var signal = ShardSignal("0", 1, 50, ("a", EventType.View, T), ("a", EventType.Claim, T), ("b", EventType.View, T));

        Assert.True(state.Apply(signal, T));
        var json = ToJson(state);
        Assert.False(state.Apply(signal, T));
        Assert.False(state.Apply(ShardSignal("0", 49, 49, ("a", EventType.View, T)), T));
        Assert.Equal(json, ToJson(state));

        Assert.True(state.Apply(ShardSignal("1", 1, 3, ("a", EventType.View, T)), T)); // another partition has its own ranges
        Assert.Equal(new long[] { 2, 0, 0, 1, 0 }, state.Pending["a"].Totals);
        Assert.Equal(new long[] { 2, 0, 0, 1, 0 }, state.Pending["a"].Hours.Single(h => h.Start == Hour12).Counts);
        Assert.Equal(new long[] { 1, 0, 0, 0, 0 }, state.Pending["b"].Totals);
        Assert.Equal(["0", "1"], state.Applied.Keys.Order(StringComparer.Ordinal));
        Assert.Equal("1..50", Ranges(state.Applied, "0"));
        Assert.Equal(2, state.SignalsApplied);

        // Written once sealed: the item documents get exactly these counts (ItemDocument.Apply), however often the
        // sealed buffer is written.
        var flush = state.Seal();
        var a = new ItemDocument { Id = "a" };
        Assert.True(a.Apply("16-3", flush.Number, flush.Items["a"], 48));
        Assert.False(a.Apply("16-3", flush.Number, flush.Items["a"], 48));
        Assert.Equal(new long[] { 2, 0, 0, 1, 0 }, a.Totals);
    }

    [Fact]
    public void Item_shard_applies_an_older_range_that_arrives_late_once()
    {
        var state = new ItemShardState();
        Assert.True(state.Apply(ShardSignal("0", 11, 20, ("a", EventType.View, T)), T));
        Assert.True(state.Apply(ShardSignal("0", 1, 10, ("a", EventType.View, T)), T)); // sent earlier, delivered later
        Assert.Equal("1..20", Ranges(state.Applied, "0"));
        Assert.False(state.Apply(ShardSignal("0", 1, 10, ("a", EventType.View, T)), T));
        Assert.Equal(2, state.Pending["a"].Totals[0]);
    }

    [Fact]
    public void Applied_ranges_merge_when_adjacent_and_reject_any_overlap()
    {
        var applied = new Dictionary<string, List<SequenceRange>>();
        Assert.True(AppliedRanges.TryAdd(applied, "p", 10, 19));
        Assert.True(AppliedRanges.TryAdd(applied, "p", 30, 39));
        Assert.Equal("10..19,30..39", Ranges(applied, "p"));
        Assert.False(AppliedRanges.TryAdd(applied, "p", 19, 25));
        Assert.False(AppliedRanges.TryAdd(applied, "p", 5, 10));
        Assert.False(AppliedRanges.TryAdd(applied, "p", 31, 31));
        Assert.True(AppliedRanges.TryAdd(applied, "p", 20, 29)); // fills the gap: one range
        Assert.Equal("10..39", Ranges(applied, "p"));
        Assert.True(AppliedRanges.TryAdd(applied, "p", 1, 9));
        Assert.Equal("1..39", Ranges(applied, "p"));
        Assert.Throws<ArgumentException>(() => AppliedRanges.TryAdd(applied, "p", 50, 49));
    }

    [Fact]
    public void Item_document_keeps_48_hour_windows_per_item()
    {
        var document = new ItemDocument { Id = "a" };
        for (var h = 0; h < 50; h++)
        {
            Assert.True(document.Apply("16-0", h + 1, ShardSignal("0", 1, 1, ("a", EventType.View, T.AddHours(h))).Items["a"], 48));
        }

        Assert.Equal(48, document.Hours.Count);
        Assert.Equal(Hour12 + 2 * 3600, document.Hours[0].Start);
        Assert.Equal(50, document.Totals[0]);
        Assert.Equal(Hour12 + 49 * 3600, document.NewestHour);

        // An hour past retention still counts in the all-time totals, but in no window.
        Assert.True(document.Apply("16-0", 51, ShardSignal("0", 1, 1, ("a", EventType.View, T)).Items["a"], 48));
        Assert.Equal(51, document.Totals[0]);
        Assert.Equal(48, document.Hours.Count);
        Assert.DoesNotContain(document.Hours, h => h.Start == Hour12);

        // An idle item's windows expire 48 hours after its newest event, before it is written again.
        var newest = DateTimeOffset.FromUnixTimeSeconds(document.NewestHour!.Value);
        Assert.Equal(48, document.HoursAt(newest.AddMinutes(59), 48).Count());
        Assert.Equal([document.NewestHour!.Value], document.HoursAt(newest.AddHours(47), 48).Select(h => h.Start));
        Assert.Empty(document.HoursAt(newest.AddHours(48), 48));
    }

    [Fact]
    public void An_item_document_without_an_hour_window_keeps_no_newest_hour_and_round_trips_through_json_numbers()
    {
        // Only all-time counts (every hour of the delta was past retention and dropped by the writer): nothing may stand
        // for "no hour" that a store keeping JSON numbers as doubles (Cosmos DB) cannot give back.
        var document = new ItemDocument { Id = "a" };
        var delta = new ItemDelta();
        delta.Totals = [0, 2, 0, 0, 0];
        Assert.True(document.Apply("16-0", 1, delta, 48));
        Assert.Null(document.NewestHour);
        var json = System.Text.Json.JsonSerializer.Serialize(document);
        Assert.DoesNotContain("newestHour", json, StringComparison.Ordinal);
        var asDoubles = System.Text.Json.Nodes.JsonNode.Parse(json)!.ToJsonString(); // what a double-based store returns
        var read = System.Text.Json.JsonSerializer.Deserialize<ItemDocument>(asDoubles)!;
        Assert.Equal(2, read.Totals[1]);
        Assert.Null(read.NewestHour);
    }

    [Fact]
    public void Item_document_counts_a_type_declared_after_it_was_created()
    {
        var document = new ItemDocument { Id = "a" };
        document.Apply("16-0", 1, ShardSignal("0", 1, 1, ("a", EventType.View, T)).Items["a"], 48);
        Assert.Equal(EventTypes.Count, document.Totals.Length);

        var wishlist = (EventType)EventTypes.Count; // a sixth type, declared later in the definitions
        var delta = new ItemDelta();
        delta.Add(wishlist, Hour12);
        delta.Add(wishlist, Hour12);
        Assert.True(document.Apply("16-0", 2, delta, 48));
        Assert.Equal(2, PerType.At(document.Totals, (int)wishlist));
        Assert.Equal(2, PerType.At(document.Hours.Single().Counts, (int)wishlist));
        Assert.Equal(1, document.Totals[(int)EventType.View]);
        var board = LeaderboardDocument.Create("wishlist", null);
        board.Offer("16-0", "a", PerType.At(document.Totals, (int)wishlist), 10);
        Assert.Equal([("a", 2L)], board.Top(10).Select(l => (l.ItemId, l.Count)));
    }

    [Fact]
    public void Item_document_applies_a_shards_buffer_once_and_keeps_layouts_apart()
    {
        static ItemDelta Views(int n)
        {
            var d = new ItemDelta();
            for (var i = 0; i < n; i++) d.Add(EventType.View, Hour12);
            return d;
        }
        var document = new ItemDocument { Id = "a" };

        Assert.True(document.Apply("16-3", 5, Views(2), 48));
        Assert.False(document.Apply("16-3", 5, Views(2), 48)); // the same buffer again: a retried write
        Assert.False(document.Apply("16-3", 4, Views(7), 48)); // an older buffer of that shard: written before
        Assert.True(document.Apply("32-19", 1, Views(3), 48)); // the new layout's shard numbers its own buffers
        Assert.False(document.Apply("32-19", 1, Views(3), 48));
        Assert.True(document.Apply("16-3", 6, Views(1), 48)); // the old layout drains its last buffer
        Assert.True(document.Apply("32-19", 2, Views(4), 48));

        Assert.Equal(2 + 3 + 1 + 4, document.Totals[(int)EventType.View]);
        Assert.Equal(10, document.Hours.Single().Counts[(int)EventType.View]);
        Assert.Equal(new Dictionary<string, long> { ["16-3"] = 6, ["32-19"] = 2 }, document.Flushes);

        var json = ToJson(document); // the flush record survives the store round trip
        Assert.False(System.Text.Json.JsonSerializer.Deserialize<ItemDocument>(json)!.Apply("32-19", 2, Views(4), 48));
    }

    [Property(MaxTest = 100)]
    public void Leaderboard_document_top_equals_a_brute_force_top_n_even_across_a_reshard(int seed)
    {
        var rng = new Random(seed);
        var k = rng.Next(1, 6);
        var itemCount = rng.Next(1, 40);
        var counts = new Dictionary<string, long>(StringComparer.Ordinal);
        var board = LeaderboardDocument.Create("view", null);
        var layout = 4;
        var reshardAt = rng.Next(2) == 0 ? rng.Next(1, 30) : int.MaxValue;
        var offeredTo = new HashSet<string>(StringComparer.Ordinal);
        var flushes = rng.Next(1, 40);
        for (var flush = 0; flush < flushes; flush++)
        {
            if (flush == reshardAt) layout = 8;
            // Each shard writes its touched items, then offers each one's count as written (counts only grow).
            var touched = new HashSet<string>(StringComparer.Ordinal);
            for (var e = rng.Next(0, 30); e > 0; e--)
            {
                // Zipf-like: low item numbers are hot.
                var itemId = $"i-{(int)Math.Floor(itemCount * Math.Pow(rng.NextDouble(), 2.5))}";
                counts[itemId] = counts.GetValueOrDefault(itemId) + rng.Next(1, 4);
                touched.Add(itemId);
            }
            foreach (var group in touched.GroupBy(i => ShardRouting.ShardKey(layout, ShardRouting.ShardOf(i, layout))).OrderBy(_ => rng.Next()))
            {
                foreach (var itemId in group) board.Offer(group.Key, itemId, counts[itemId], k);
                offeredTo.Add(group.Key);
            }

            var n = rng.Next(1, k + 1);
            var brute = counts.OrderByDescending(c => c.Value).ThenBy(c => c.Key, StringComparer.Ordinal).Take(n).Select(c => (c.Key, c.Value));
            Assert.Equal(brute, board.Top(n).Select(l => (l.ItemId, l.Count)));
            Assert.All(board.Sections.Values, s => Assert.True(s.Count <= k));
        }
        Assert.Equal(offeredTo.Order(StringComparer.Ordinal), board.Sections.Keys.Order(StringComparer.Ordinal)); // a section per shard that offered, of either layout
    }

    [Fact]
    public void Leaderboard_document_takes_an_items_newest_count_when_two_layouts_hold_it()
    {
        var board = LeaderboardDocument.Create("view", Hour12);
        Assert.Equal($"view@{Hour12}", board.Id);
        Assert.Equal("view@all", LeaderboardDocument.IdOf("view", null));
        board.Offer("4-1", "a", 5, 2);
        board.Offer("4-1", "b", 4, 2);
        board.Offer("4-1", "c", 1, 2); // not in 4-1's top 2
        board.Offer("8-5", "a", 9, 2); // after the reshard, a lives in 8-5 and kept growing
        board.Offer("8-2", "c", 6, 2);

        Assert.Equal([("a", 9L), ("c", 6L), ("b", 4L)], board.Top(3).Select(l => (l.ItemId, l.Count)));
        Assert.Equal([("a", 9L)], board.Top(1).Select(l => (l.ItemId, l.Count)));
        Assert.Equal(3, board.Sections.Count);
    }

    private static List<(string, long)> BruteTop(IEnumerable<(string Item, long Count)> counts, int k) =>
        counts.Where(c => c.Count > 0).OrderByDescending(c => c.Count).ThenBy(c => c.Item, StringComparer.Ordinal).Take(k).ToList();

    [Property(MaxTest = 60)]
    public void Item_shard_buffers_written_to_documents_give_exact_counts_and_leaderboards(int seed)
    {
        // One shard: the signals of three partitions (with redeliveries), sealed by age or size and written in
        // numbered buffers, some written twice (a retry after a crash), into documents and leaderboards as the writer
        // does (ItemShardWriter, which the Functions tests run over a store). Events span 21 hours, inside the 48 kept.
        var rng = new Random(seed);
        var options = new RollupOptions { LeaderboardSize = rng.Next(1, 6), ItemFlushMaxItems = rng.Next(1, 10) };
        var now = T;
        var state = new ItemShardState();
        var documents = new Dictionary<string, ItemDocument>(StringComparer.Ordinal);
        var boards = new Dictionary<(int Type, long? Hour), LeaderboardDocument>();
        var totals = new Dictionary<(string Item, int Type), long>(); // brute force: every event counted once
        var hourly = new Dictionary<(string Item, int Type, long Hour), long>();
        var sent = new List<ItemShardSignal>();
        var watermarks = new Dictionary<string, long>();
        LeaderboardDocument Board(int type, long? hour) =>
            boards.TryGetValue((type, hour), out var b) ? b : boards[(type, hour)] = LeaderboardDocument.Create(((EventType)type).ToString(), hour);
        void Write(SealedItemFlush flush)
        {
            foreach (var (itemId, delta) in flush.Items)
            {
                if (!documents.TryGetValue(itemId, out var document)) documents[itemId] = document = new ItemDocument { Id = itemId };
                document.Apply("1-0", flush.Number, delta, options.ItemHourWindows);
                for (var t = 0; t < EventTypes.Count; t++)
                {
                    if (PerType.At(delta.Totals, t) != 0) Board(t, null).Offer("1-0", itemId, document.Totals[t], options.LeaderboardSize);
                    foreach (var hour in delta.Hours.Where(h => PerType.At(h.Counts, t) != 0))
                    {
                        Board(t, hour.Start).Offer("1-0", itemId, PerType.At(document.Hours.Single(h => h.Start == hour.Start).Counts, t), options.LeaderboardSize);
                    }
                }
            }
        }

        for (var s = rng.Next(1, 40); s > 0; s--)
        {
            now = now.AddMilliseconds(rng.Next(0, 1500));
            if (state.Sealed is { } unwritten)
            {
                Write(unwritten);
                if (rng.Next(4) == 0) Write(unwritten); // retried after a crash before the state was saved
                state.Written(unwritten.Number);
            }
            if (sent.Count > 0 && rng.Next(5) == 0)
            {
                Assert.False(state.Apply(sent[rng.Next(sent.Count)], now)); // redelivered
            }
            else
            {
                var partition = rng.Next(3).ToString(System.Globalization.CultureInfo.InvariantCulture);
                var first = watermarks.GetValueOrDefault(partition) + 1;
                var last = first + rng.Next(0, 100);
                watermarks[partition] = last;
                var events = Enumerable.Range(0, rng.Next(0, 30))
                    .Select(_ => ($"i-{rng.Next(25)}", (EventType)rng.Next(EventTypes.Count), T.AddMinutes(rng.Next(-600, 600))))
                    .ToArray();
                foreach (var (itemId, type, time) in events)
                {
                    totals[(itemId, (int)type)] = totals.GetValueOrDefault((itemId, (int)type)) + 1;
                    var key = (itemId, (int)type, WindowSize.Hour.StartOf(time));
                    hourly[key] = hourly.GetValueOrDefault(key) + 1;
                }
                var signal = ShardSignal(partition, first, last, events);
                sent.Add(signal);
                Assert.True(state.Apply(signal, now));
            }
            if (state.ShouldSeal(now, options)) state.Seal();
        }
        if (state.Sealed is { } lastSealed)
        {
            Write(lastSealed);
            state.Written(lastSealed.Number);
        }
        if (state.Pending.Count > 0)
        {
            var tail = state.Seal();
            Write(tail);
            state.Written(tail.Number);
        }
        Assert.False(state.HasUnwritten);

        Assert.Equal(totals.Keys.Select(k => k.Item).Distinct().Order(StringComparer.Ordinal), documents.Keys.Order(StringComparer.Ordinal));
        foreach (var (itemId, document) in documents)
        {
            for (var t = 0; t < EventTypes.Count; t++)
            {
                Assert.Equal(totals.GetValueOrDefault((itemId, t)), PerType.At(document.Totals, t));
            }
            Assert.Equal(hourly.Keys.Where(k => k.Item == itemId).Select(k => k.Hour).Distinct().Order(), document.Hours.Select(h => h.Start));
            Assert.All(document.Hours, h => Assert.All(Enumerable.Range(0, EventTypes.Count), t =>
                Assert.Equal(hourly.GetValueOrDefault((itemId, t, h.Start)), PerType.At(h.Counts, t))));
        }
        for (var t = 0; t < EventTypes.Count; t++)
        {
            var type = t;
            Assert.Equal(
                BruteTop(totals.Where(c => c.Key.Type == type).Select(c => (c.Key.Item, c.Value)), options.LeaderboardSize),
                boards.TryGetValue((type, null), out var all) ? all.Top(options.LeaderboardSize).Select(l => (l.ItemId, l.Count)) : []);
            foreach (var hour in hourly.Keys.Where(k => k.Type == type).Select(k => k.Hour).Distinct())
            {
                Assert.Equal(
                    BruteTop(hourly.Where(c => c.Key.Type == type && c.Key.Hour == hour).Select(c => (c.Key.Item, c.Value)), options.LeaderboardSize),
                    boards[(type, hour)].Top(options.LeaderboardSize).Select(l => (l.ItemId, l.Count)));
            }
            Assert.Equal(hourly.Keys.Where(k => k.Type == type).Select(k => k.Hour).Distinct().Order(),
                boards.Keys.Where(k => k.Type == type && k.Hour is not null).Select(k => k.Hour!.Value).Order()); // no board without counts
        }
    }

    [Fact]
    public void Top_k_merge_of_shards_takes_the_overall_best()
    {
        var merged = TopK.Merge(
        [
            [new LeaderEntry { ItemId = "a", Count = 5 }, new LeaderEntry { ItemId = "c", Count = 9 }],
            [new LeaderEntry { ItemId = "b", Count = 5 }, new LeaderEntry { ItemId = "d", Count = 1 }],
        ], 3);
        Assert.Equal([("c", 9L), ("a", 5L), ("b", 5L)], merged.Select(l => (l.ItemId, l.Count)));
    }

    [Fact]
    public void Global_totals_apply_each_partition_range_once()
    {
        var state = new GlobalTotalsState();
        var signal = new GlobalTotalsSignal { SourcePartition = "0", FirstSequenceNumber = 1, LastSequenceNumber = 10, Counters = new GlobalCounters { Events = 8, ByType = [5, 3, 0, 0, 0], DeadLettered = 1, DuplicatesDropped = 1, Late = 2 } };

        Assert.True(state.Apply(signal));
        Assert.False(state.Apply(signal));
        Assert.True(state.Apply(new GlobalTotalsSignal { SourcePartition = "1", FirstSequenceNumber = 1, LastSequenceNumber = 4, Counters = new GlobalCounters { Events = 2, ByType = [0, 0, 0, 0, 2] } }));
        Assert.False(state.Apply(new GlobalTotalsSignal { SourcePartition = "0", FirstSequenceNumber = 9, LastSequenceNumber = 9, Counters = new GlobalCounters { Events = 100 } }));

        Assert.Equal((10L, 1L, 1L, 2L), (state.Totals.Events, state.Totals.DeadLettered, state.Totals.DuplicatesDropped, state.Totals.Late));
        Assert.Equal(new long[] { 5, 3, 0, 0, 2 }, state.Totals.ByType);
        Assert.False(state.Totals.IsEmpty);
        Assert.True(new GlobalCounters().IsEmpty);
        Assert.Equal("1..10", Ranges(state.Applied, "0"));
    }

    [Fact]
    public void Progress_accumulates_deltas_and_advances_applied_through()
    {
        var clock = new FakeTimeProvider(T);
        var progress = PartitionProgress.Create("$Default", "3");
        Assert.Equal(("$Default:3", -1L, false), (progress.Id, progress.AppliedThrough, progress.RollupPending));

        progress.Accumulate(Delta(1, 10, ("a", EventType.View, T)), clock.GetUtcNow());
        clock.Advance(TimeSpan.FromSeconds(1));
        progress.Accumulate(Delta(11, 12, ("a", EventType.View, T)), clock.GetUtcNow());

        Assert.Equal(12, progress.AppliedThrough);
        Assert.Equal((1L, 12L, 12L), (progress.Pending!.FromSequence, progress.Pending.ToSequence, progress.Pending.Messages));
        Assert.Equal(T, progress.PendingSince); // the age of the oldest part
        Assert.True(progress.RollupPending);

        progress.Accumulate(new RollupDelta(), clock.GetUtcNow()); // empty: nothing changes
        Assert.Equal(12, progress.AppliedThrough);
        Assert.Throws<InvalidOperationException>(() => progress.Accumulate(Delta(12, 14, ("a", EventType.View, T)), clock.GetUtcNow()));
    }

    [Fact]
    public void Progress_seals_when_big_or_old_enough()
    {
        var clock = new FakeTimeProvider(T);
        var options = new RollupOptions { FlushMinEvents = 100, FlushMaxAgeSeconds = 5 };
        var progress = PartitionProgress.Create("g", "0");
        Assert.False(progress.ShouldSeal(clock.GetUtcNow(), options)); // nothing pending

        progress.Accumulate(Delta(1, 10, ("a", EventType.View, T)), clock.GetUtcNow());
        clock.Advance(TimeSpan.FromSeconds(4.9));
        Assert.False(progress.ShouldSeal(clock.GetUtcNow(), options));
        clock.Advance(TimeSpan.FromSeconds(0.1));
        Assert.True(progress.ShouldSeal(clock.GetUtcNow(), options)); // old enough

        var big = PartitionProgress.Create("g", "1");
        big.Accumulate(Delta(1, 100, ("a", EventType.View, T)), clock.GetUtcNow());
        Assert.True(big.ShouldSeal(clock.GetUtcNow(), options)); // big enough, however young
    }

    [Fact]
    public void Progress_keeps_one_sealed_range_until_it_is_cleared()
    {
        var clock = new FakeTimeProvider(T);
        var options = new RollupOptions { FlushMinEvents = 1 };
        var progress = PartitionProgress.Create("g", "0");
        progress.Accumulate(Delta(1, 10, ("a", EventType.View, T)), clock.GetUtcNow());

        progress.Seal();
        Assert.Null(progress.Pending);
        Assert.Null(progress.PendingSince);
        Assert.Equal((1L, 10L), (progress.Sealed!.FromSequence, progress.Sealed.ToSequence));

        progress.Accumulate(Delta(11, 15, ("b", EventType.View, T)), clock.GetUtcNow());
        Assert.False(progress.ShouldSeal(clock.GetUtcNow(), options)); // one sealed range at a time
        Assert.Throws<InvalidOperationException>(progress.Seal);

        progress.ClearSealed(9); // not the sealed range: kept
        Assert.NotNull(progress.Sealed);
        progress.ClearSealed(10);
        Assert.Null(progress.Sealed);
        Assert.True(progress.RollupPending); // 11..15 is still pending

        progress.Seal();
        progress.ClearSealed(15);
        Assert.False(progress.RollupPending);
        Assert.Equal(15, progress.AppliedThrough);
    }

    [Fact]
    public void Rollup_options_state_their_rules_naming_the_setting()
    {
        // The attributes the source-generated RollupOptionsValidator runs at start-up (tests/TreasureHunt.Local.Tests).
        static string[] Errors(RollupOptions o)
        {
            var results = new List<System.ComponentModel.DataAnnotations.ValidationResult>();
            System.ComponentModel.DataAnnotations.Validator.TryValidateObject(o, new(o), results, validateAllProperties: true);
            return results.Select(r => r.ErrorMessage!).ToArray();
        }
        Assert.Empty(Errors(new RollupOptions()));
        Assert.Equal(["Rollups:ShardCount must be 1..1024."], Errors(new RollupOptions { ShardCount = 0 }));
        Assert.Equal(["Rollups:ShardCount must be 1..1024."], Errors(new RollupOptions { ShardCount = 1025 }));
        Assert.Equal(["Rollups:FlushMinEvents must be >= 1."], Errors(new RollupOptions { FlushMinEvents = 0 }));
        Assert.Equal(["Rollups:FlushMaxAgeSeconds must be >= 0."], Errors(new RollupOptions { FlushMaxAgeSeconds = -1 }));
        Assert.Equal(["Rollups:LeaderboardSize must be 1..1000."], Errors(new RollupOptions { LeaderboardSize = 0 }));
        Assert.Equal(["Rollups:ItemHourWindows must be >= 1."], Errors(new RollupOptions { ItemHourWindows = 0 }));
        Assert.Equal((16, 48, 100), (new RollupOptions().ShardCount, new RollupOptions().ItemHourWindows, new RollupOptions().LeaderboardSize));
    }

    [Fact]
    public void Successive_flushes_send_each_entity_one_contiguous_range_per_partition()
    {
        // A partition's sealed deltas touch a few of 8 shards each; SentThrough makes every signal to an entity start
        // right after what the partition last sent it, so each shard keeps ONE applied range for the partition.
        // Without it (the old design) a shard gained a gap per flush that skipped it.
        var rng = new Random(7);
        var clock = new FakeTimeProvider(T);
        var progress = PartitionProgress.Create("g", "3");
        var shards = new Dictionary<string, ItemShardState>(StringComparer.Ordinal);
        var withoutSentThrough = new Dictionary<string, ItemShardState>(StringComparer.Ordinal);
        var global = new GlobalTotalsState();
        var delivered = new List<(string Key, ItemShardSignal Signal)>();
        var held = new List<(string Key, ItemShardSignal Signal)>();
        var firstSent = new Dictionary<string, long>(StringComparer.Ordinal);
        ItemShardState Shard(Dictionary<string, ItemShardState> states, string key) => states.TryGetValue(key, out var s) ? s : states[key] = new ItemShardState();
        var sequence = 0L;
        for (var flush = 0; flush < 300; flush++)
        {
            var first = sequence + 1;
            var items = Enumerable.Range(0, rng.Next(1, 4)).Select(_ => ($"i-{rng.Next(200)}", EventType.View, T)).ToArray();
            sequence = first + items.Length + rng.Next(0, 5) - 1;
            var builder = new RollupDeltaBuilder(8);
            var seq = first;
            foreach (var (item, type, time) in items) builder.Add(Item(item, type, time, seq++), EventOutcome.Applied);
            while (seq++ <= sequence) builder.AddDeadLetter();
            progress.Accumulate(builder.Build(first, sequence), clock.GetUtcNow());
            progress.Seal();
            var signals = RollupSignals.From(progress.PartitionId, progress.Sealed!, 8, progress.SentThrough);
            Assert.InRange(signals.Shards.Count, 1, 3);
            foreach (var (key, signal) in signals.Shards)
            {
                firstSent.TryAdd(key, signal.FirstSequenceNumber);
                if (rng.Next(10) == 0) held.Add((key, signal)); // delivered late, after a newer one
                else
                {
                    Assert.True(Shard(shards, key).Apply(signal, T));
                    delivered.Add((key, signal));
                }
            }
            foreach (var (key, signal) in RollupSignals.From(progress.PartitionId, progress.Sealed!, 8).Shards)
            {
                Shard(withoutSentThrough, key).Apply(signal, T);
            }
            Assert.True(global.Apply(signals.Global));
            progress.ClearSealed(sequence, signals);
            if (held.Count > 0 && rng.Next(4) == 0)
            {
                foreach (var (key, signal) in held)
                {
                    Assert.True(Shard(shards, key).Apply(signal, T)); // out of order: fills the gap it left
                    delivered.Add((key, signal));
                }
                held.Clear();
            }
            if (rng.Next(5) == 0)
            {
                var (key, signal) = delivered[rng.Next(delivered.Count)];
                Assert.False(Shard(shards, key).Apply(signal, T)); // redelivery: refused
            }
        }
        foreach (var (key, signal) in held)
        {
            Assert.True(Shard(shards, key).Apply(signal, T));
        }

        Assert.Equal(8, shards.Count);
        Assert.Equal(8 + 1, progress.SentThrough.Count); // one entry per shard of the layout, plus the global entity
        foreach (var (key, state) in shards)
        {
            var range = Assert.Single(state.Applied["3"]); // the bound: one range per partition, after 300 flushes
            Assert.Equal((firstSent[key], progress.SentThrough[key]), (range.From, range.To));
        }
        Assert.Equal("1.." + sequence, Ranges(global.Applied, "3"));
        // The old design: every flush that skipped a shard left a gap there.
        Assert.All(withoutSentThrough.Values, state => Assert.True(state.Applied["3"].Count > 20));
        Assert.Equal(
            shards.Values.Sum(s => s.Pending.Values.Sum(d => d.Totals[0])),
            withoutSentThrough.Values.Sum(s => s.Pending.Values.Sum(d => d.Totals[0]))); // same events either way
    }

    [Fact]
    public void Clearing_a_sealed_range_of_a_new_layout_forgets_the_old_layouts_entities()
    {
        var progress = PartitionProgress.Create("g", "0");
        progress.Accumulate(Delta(1, 10, ("a", EventType.View, T), ("b", EventType.View, T)), T);
        progress.Seal();
        var old = RollupSignals.From("0", progress.Sealed!, 16, progress.SentThrough);
        progress.ClearSealed(10, old);
        Assert.All(old.Shards.Keys, key => Assert.Equal(10, progress.SentThrough[key]));

        var builder = new RollupDeltaBuilder(32); // resharded: 16 → 32
        builder.Add(Item("c", EventType.View, T, 11), EventOutcome.Applied);
        progress.Accumulate(builder.Build(11, 20), T);
        progress.Seal();
        var next = RollupSignals.From("0", progress.Sealed!, 16, progress.SentThrough);
        Assert.Equal(32, next.ShardCount);
        Assert.Equal((11L, 20L), (next.Shards.Values.Single().FirstSequenceNumber, next.Shards.Values.Single().LastSequenceNumber)); // a new entity: from the delta's start
        Assert.Equal((11L, 20L), (next.Global.FirstSequenceNumber, next.Global.LastSequenceNumber));
        progress.ClearSealed(20, next);

        Assert.Equal(next.Shards.Keys.Append(RollupEntityNames.GlobalKey).Order(StringComparer.Ordinal), progress.SentThrough.Keys.Order(StringComparer.Ordinal));
        Assert.All(progress.SentThrough.Values, v => Assert.Equal(20, v));
    }

    [Fact]
    public void A_pending_delta_merged_with_a_batch_of_a_new_layout_is_rehomed_with_the_same_item_deltas()
    {
        var events = Enumerable.Range(0, 200).Select(i => ($"i-{i % 37}", (EventType)(i % EventTypes.Count), T.AddHours(-(i % 3)))).ToArray();
        var pending = new RollupDelta();
        var layout16 = new RollupDeltaBuilder(16);
        var seq = 1L;
        foreach (var (item, type, time) in events[..120]) layout16.Add(Item(item, type, time, seq++), EventOutcome.Applied);
        pending.Merge(layout16.Build(1, 120));
        Assert.Equal(16, pending.ShardCount);
        var layout32 = new RollupDeltaBuilder(32);
        foreach (var (item, type, time) in events[120..]) layout32.Add(Item(item, type, time, seq++), EventOutcome.Applied);
        pending.Merge(layout32.Build(121, 200));

        var direct = new RollupDeltaBuilder(32); // every event built for layout 32 from the start
        seq = 1;
        foreach (var (item, type, time) in events) direct.Add(Item(item, type, time, seq++), EventOutcome.Applied);
        var expected = direct.Build(1, 200);

        Assert.Equal(32, pending.ShardCount);
        Assert.Equal((1L, 200L, 200L), (pending.FromSequence, pending.ToSequence, pending.Messages));
        Assert.Equal(expected.Shards.Keys.Order(), pending.Shards.Keys.Order());
        foreach (var (shard, items) in pending.Shards)
        {
            Assert.All(items.Keys, item => Assert.Equal(shard, ShardRouting.ShardOf(item, 32)));
            Assert.Equal(ToJson(expected.Shards[shard].OrderBy(i => i.Key, StringComparer.Ordinal).ToList()), ToJson(items.OrderBy(i => i.Key, StringComparer.Ordinal).ToList()));
        }
        Assert.Equal(ToJson(expected.Global), ToJson(pending.Global));

        // Rehome alone: same items, new keys; a no-op for the same layout; never to zero shards.
        var again = ToJson(pending);
        pending.Rehome(32);
        Assert.Equal(again, ToJson(pending));
        pending.Rehome(5);
        Assert.Equal(37, pending.Shards.Sum(s => s.Value.Count));
        Assert.All(pending.Shards, s => Assert.All(s.Value.Keys, item => Assert.Equal(s.Key, ShardRouting.ShardOf(item, 5))));
        Assert.Throws<ArgumentOutOfRangeException>(() => pending.Rehome(0));
    }

    [Fact]
    public void Item_shard_seals_by_age_or_size_one_buffer_at_a_time()
    {
        var options = new RollupOptions { ItemFlushSeconds = 1, ItemFlushMaxItems = 3 };
        var state = new ItemShardState();
        Assert.False(state.ShouldSeal(T, options)); // nothing pending
        Assert.False(state.HasUnwritten);

        state.Apply(ShardSignal("0", 1, 1, ("a", EventType.View, T)), T);
        Assert.Equal(T, state.PendingSince);
        state.Apply(ShardSignal("0", 2, 2, ("b", EventType.View, T)), T.AddSeconds(0.5));
        Assert.Equal(T, state.PendingSince); // the age of the oldest part
        Assert.False(state.ShouldSeal(T.AddSeconds(0.99), options));
        Assert.True(state.ShouldSeal(T.AddSeconds(1), options)); // old enough
        var first = state.Seal();
        Assert.Equal((1L, 1L), (first.Number, state.LastSealed));
        Assert.Equal(["a", "b"], first.Items.Keys.Order(StringComparer.Ordinal));
        Assert.Empty(state.Pending);
        Assert.Null(state.PendingSince);
        Assert.True(state.HasUnwritten);

        state.Apply(ShardSignal("0", 3, 3, ("c", EventType.View, T), ("d", EventType.View, T), ("e", EventType.View, T)), T.AddSeconds(1));
        Assert.False(state.ShouldSeal(T.AddSeconds(9), options)); // one sealed buffer at a time
        Assert.Throws<InvalidOperationException>(() => state.Seal());

        Assert.Throws<InvalidOperationException>(() => state.Written(2)); // only the sealed number
        Assert.Throws<InvalidOperationException>(() => state.Written(0));
        Assert.Same(first, state.Sealed);
        state.Written(1);
        Assert.Equal((1L, (SealedItemFlush?)null), (state.LastWritten, state.Sealed));
        Assert.Throws<InvalidOperationException>(() => state.Written(1)); // not twice

        Assert.True(state.ShouldSeal(T.AddSeconds(1), options)); // 3 items: big enough, however young
        Assert.Equal(2, state.Seal().Number);
        state.Written(2);
        Assert.False(state.HasUnwritten);
        Assert.Equal(3, state.SignalsApplied);
    }

    [Property(MaxTest = 50)]
    public void Item_shard_state_stays_bounded_whatever_the_catalog(int seed)
    {
        // Many more items than a buffer holds: pending and sealed each stay within ItemFlushMaxItems plus the items
        // of one signal, and the applied ranges within one per partition (signals arrive in order here). As in the
        // entity with a working store, a sealed buffer is written before the next signal is applied.
        var rng = new Random(seed);
        var options = new RollupOptions { ItemFlushMaxItems = rng.Next(1, 50), ItemFlushSeconds = rng.Next(0, 3) };
        var state = new ItemShardState();
        var now = T;
        var sequences = new long[4];
        var largestSignal = 0;
        var items = 0;
        for (var s = 0; s < 300; s++)
        {
            now = now.AddMilliseconds(rng.Next(0, 800));
            if (state.Sealed is { } sealedBuffer) state.Written(sealedBuffer.Number);
            var p = rng.Next(4);
            var events = Enumerable.Range(0, rng.Next(0, 20)).Select(_ => ($"i-{rng.Next(100_000)}", EventType.View, T)).ToArray();
            var signal = ShardSignal(p.ToString(System.Globalization.CultureInfo.InvariantCulture), sequences[p] + 1, sequences[p] += rng.Next(1, 50), events);
            largestSignal = Math.Max(largestSignal, signal.Items.Count);
            items += signal.Items.Count;
            Assert.True(state.Apply(signal, now));
            if (state.ShouldSeal(now, options)) state.Seal();

            Assert.InRange(state.Sealed?.Items.Count ?? 0, 0, options.ItemFlushMaxItems + largestSignal);
            Assert.InRange(state.Pending.Count, 0, options.ItemFlushMaxItems + largestSignal);
            Assert.All(state.Applied.Values, ranges => Assert.Single(ranges));
        }
        Assert.True(items > 3 * (options.ItemFlushMaxItems + largestSignal)); // the bound is far below what went through
    }
}
