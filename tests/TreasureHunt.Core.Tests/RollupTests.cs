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
        var signals = RollupSignals.From("5", delta);

        Assert.Equal(delta.Shards.Count + 1, signals.Count);
        Assert.All(signals.Shards.Values, s => Assert.Equal(("5", 1L, 30L), (s.SourcePartition, s.FirstSequenceNumber, s.LastSequenceNumber)));
        Assert.Equal(("5", 1L, 30L, 30L), (signals.Global.SourcePartition, signals.Global.FirstSequenceNumber, signals.Global.LastSequenceNumber, signals.Global.Counters.Events));
        Assert.Equal("itemshard", RollupEntityNames.ItemShard);
        Assert.Equal("12", RollupEntityNames.ShardKey(12));
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
        var options = new RollupOptions();
        var state = new ItemShardState();
        var signal = ShardSignal("0", 1, 50, ("a", EventType.View, T), ("a", EventType.Claim, T), ("b", EventType.View, T));

        Assert.True(state.Apply(signal, options));
        var json = ToJson(state);
        Assert.False(state.Apply(signal, options));
        Assert.False(state.Apply(ShardSignal("0", 49, 49, ("a", EventType.View, T)), options));
        Assert.Equal(json, ToJson(state));

        Assert.True(state.Apply(ShardSignal("1", 1, 3, ("a", EventType.View, T)), options)); // another partition has its own ranges
        Assert.Equal(new long[] { 2, 0, 0, 1, 0 }, state.Items["a"].Totals);
        Assert.Equal(["0", "1"], state.Applied.Keys.Order(StringComparer.Ordinal));
        Assert.Equal("1..50", Ranges(state.Applied, "0"));
        Assert.Equal([("a", 2L), ("b", 1L)], state.Leaders(EventType.View, null).OrderBy(l => l, LeaderEntry.Ranking).Select(l => (l.ItemId, l.Count)));
        Assert.Equal([("a", 2L), ("b", 1L)], state.Leaders(EventType.View, Hour12).OrderBy(l => l, LeaderEntry.Ranking).Select(l => (l.ItemId, l.Count)));
        Assert.Empty(state.Leaders(EventType.View, Hour12 - 3600));
    }

    [Fact]
    public void Item_shard_applies_an_older_range_that_arrives_late_once()
    {
        var options = new RollupOptions();
        var state = new ItemShardState();
        Assert.True(state.Apply(ShardSignal("0", 11, 20, ("a", EventType.View, T)), options));
        Assert.True(state.Apply(ShardSignal("0", 1, 10, ("a", EventType.View, T)), options)); // sent earlier, delivered later
        Assert.Equal("1..20", Ranges(state.Applied, "0"));
        Assert.False(state.Apply(ShardSignal("0", 1, 10, ("a", EventType.View, T)), options));
        Assert.Equal(2, state.Items["a"].Totals[0]);
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
    public void Item_shard_keeps_48_hour_windows_per_item()
    {
        var options = new RollupOptions();
        var state = new ItemShardState();
        for (var h = 0; h < 50; h++)
        {
            state.Apply(ShardSignal("0", h + 1, h + 1, ("a", EventType.View, T.AddHours(h))), options);
        }

        Assert.Equal(48, state.Items["a"].Hours.Count);
        Assert.Equal(Hour12 + 2 * 3600, state.Items["a"].Hours[0].Start);
        Assert.Equal(50, state.Items["a"].Totals[0]);
        Assert.Equal(48, state.HourLeaders.Count);
        Assert.Equal(Hour12 + 49 * 3600, state.NewestHour);

        // An hour past retention still counts in the all-time totals, but in no window.
        state.Apply(ShardSignal("0", 100, 100, ("a", EventType.View, T)), options);
        Assert.Equal(51, state.Items["a"].Totals[0]);
        Assert.Equal(48, state.Items["a"].Hours.Count);
        Assert.Equal(51, state.Leaders(EventType.View, null).Single().Count);
    }

    [Property(MaxTest = 120)]
    public void Item_shard_leaderboards_equal_a_brute_force_top_k(int seed)
    {
        var rng = new Random(seed);
        var options = new RollupOptions { LeaderboardSize = rng.Next(1, 6), ItemHourWindows = rng.Next(1, 8) };
        var state = new ItemShardState();
        var watermarks = new Dictionary<string, long>();
        for (var s = rng.Next(1, 40); s > 0; s--)
        {
            var partition = rng.Next(3).ToString(System.Globalization.CultureInfo.InvariantCulture);
            var first = watermarks.GetValueOrDefault(partition) + 1;
            var last = first + rng.Next(0, 100);
            watermarks[partition] = last;
            var events = Enumerable.Range(0, rng.Next(0, 30))
                .Select(_ => ($"i-{rng.Next(25)}", (EventType)rng.Next(EventTypes.Count), T.AddMinutes(rng.Next(-600, 600))))
                .ToArray();
            Assert.True(state.Apply(ShardSignal(partition, first, last, events), options));
        }

        for (var t = 0; t < EventTypes.Count; t++)
        {
            var type = (EventType)t;
            Assert.Equal(
                BruteTop(state.Items.Select(i => (i.Key, i.Value.Totals[t])), options.LeaderboardSize),
                state.Leaders(type, null).OrderBy(l => l, LeaderEntry.Ranking).Select(l => (l.ItemId, l.Count)));
            if (state.NewestHour == long.MinValue) continue;
            for (var hour = state.NewestHour - (options.ItemHourWindows - 1) * 3600L; hour <= state.NewestHour; hour += 3600)
            {
                var counts = state.Items.Select(i =>
                {
                    var index = WindowList.FindIndex(i.Value.Hours, hour);
                    return (i.Key, index < 0 ? 0 : i.Value.Hours[index].Counts[t]);
                });
                Assert.Equal(BruteTop(counts, options.LeaderboardSize), state.Leaders(type, hour).OrderBy(l => l, LeaderEntry.Ranking).Select(l => (l.ItemId, l.Count)));
            }
        }
        Assert.All(state.HourLeaders, h => Assert.InRange(h.Start, state.NewestHour - (options.ItemHourWindows - 1) * 3600L, state.NewestHour));
        Assert.All(state.Items.Values, i => Assert.True(i.Hours.Count <= options.ItemHourWindows));
    }

    private static List<(string, long)> BruteTop(IEnumerable<(string Item, long Count)> counts, int k) =>
        counts.Where(c => c.Count > 0).OrderByDescending(c => c.Count).ThenBy(c => c.Item, StringComparer.Ordinal).Take(k).ToList();

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
}
