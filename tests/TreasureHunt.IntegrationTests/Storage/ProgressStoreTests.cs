using TreasureHunt.Core.Rollups;
using TreasureHunt.Testing;

namespace TreasureHunt.IntegrationTests.Storage;

/// <summary>CosmosProgressStore against the Cosmos emulator: create-or-replace with ETags, the pending-rollup query.</summary>
[Collection(EmulatorFixture.CollectionName)]
public sealed class ProgressStoreTests(EmulatorFixture emulators)
{
    private static readonly DateTimeOffset Now = new(2026, 3, 2, 9, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task A_missing_progress_is_new_and_a_stale_writer_gets_a_conflict()
    {
        await using var cosmos = await CosmosHarness.CreateAsync(emulators, "progress");
        var store = cosmos.ProgressStore();

        var fresh = await store.GetAsync("cg", "3", default);
        Assert.Null(fresh.ETag);
        Assert.Equal(-1, fresh.AppliedThrough);
        Assert.Equal("cg:3", fresh.Id);
        Assert.Equal("3", fresh.PartitionId);
        Assert.False(fresh.RollupPending);

        // Two processors both start from "missing": the first create wins, the second is a conflict.
        var a = await store.GetAsync("cg", "3", default);
        var b = await store.GetAsync("cg", "3", default);
        a.Accumulate(Delta(0, 9), Now);
        b.Accumulate(Delta(0, 9), Now);
        Assert.True(await store.TryReplaceAsync(a, default));
        Assert.NotNull(a.ETag);
        Assert.False(await store.TryReplaceAsync(b, default));
        Assert.Null(b.ETag);

        // Replace with the current ETag succeeds (and moves it); with the old one it is a conflict.
        var oldETag = a.ETag;
        a.Accumulate(Delta(10, 19), Now);
        Assert.True(await store.TryReplaceAsync(a, default));
        Assert.NotEqual(oldETag, a.ETag);
        var stale = await store.GetAsync("cg", "3", default);
        stale.ETag = oldETag;
        stale.Seal();
        Assert.False(await store.TryReplaceAsync(stale, default));
        Assert.Equal(oldETag, stale.ETag);

        // What is stored is the winner's document, whole.
        var stored = await store.GetAsync("cg", "3", default);
        Assert.Equal(a.ETag, stored.ETag);
        Assert.Equal(19, stored.AppliedThrough);
        Assert.Null(stored.Sealed);
        Assert.NotNull(stored.Pending);
        Assert.Equal(0, stored.Pending.FromSequence);
        Assert.Equal(19, stored.Pending.ToSequence);
        Assert.Equal(20, stored.Pending.Messages);
        Assert.Equal(Now, stored.PendingSince);
        Assert.Equal(20, stored.Pending.Global.Events);
        Assert.Equal(20, stored.Pending.Shards[ShardRouting.ShardOf("item-7", 16)]["item-7"].Totals[1]);
        Assert.Equal(System.Text.Json.JsonSerializer.Serialize(a, CosmosHarness.Json), System.Text.Json.JsonSerializer.Serialize(stored, CosmosHarness.Json));
    }

    [Fact]
    public async Task Only_pending_rollups_of_the_consumer_group_are_listed_with_usable_etags()
    {
        await using var cosmos = await CosmosHarness.CreateAsync(emulators, "pending");
        var store = cosmos.ProgressStore();

        async Task<PartitionProgress> Write(string group, string partition, bool pending, bool seal = false, bool clear = false)
        {
            var p = await store.GetAsync(group, partition, default);
            if (pending)
            {
                p.Accumulate(Delta(0, 4), Now);
                if (seal) p.Seal();
                if (clear) { p.Seal(); p.ClearSealed(4); }
            }
            Assert.True(await store.TryReplaceAsync(p, default));
            return p;
        }

        await Write("cg", "0", pending: true);
        await Write("cg", "1", pending: false);
        await Write("cg", "2", pending: true, seal: true);
        await Write("cg", "3", pending: true, clear: true); // flushed: no longer pending
        await Write("other", "0", pending: true);           // another consumer group
        await Write("other", "4", pending: true);

        var listed = await store.ListWithPendingRollupsAsync("cg", default);
        Assert.Equal(["0", "2"], listed.Select(p => p.PartitionId).Order(StringComparer.Ordinal));
        Assert.All(listed, p => Assert.Equal("cg", p.ConsumerGroup));
        Assert.All(listed, p => Assert.True(p.RollupPending));
        Assert.NotNull(listed.Single(p => p.PartitionId == "2").Sealed);
        Assert.Equal(["0", "4"], (await store.ListWithPendingRollupsAsync("other", default)).Select(p => p.PartitionId).Order(StringComparer.Ordinal));
        Assert.Empty(await store.ListWithPendingRollupsAsync("nobody", default));

        // The listed documents carry their ETag: the flush timer can write them conditionally.
        var flushed = listed.Single(p => p.PartitionId == "2");
        flushed.ClearSealed(flushed.Sealed!.ToSequence);
        Assert.True(await store.TryReplaceAsync(flushed, default));
        Assert.Equal(["0"], (await store.ListWithPendingRollupsAsync("cg", default)).Select(p => p.PartitionId));
    }

    [Fact]
    public async Task Only_progress_with_pending_erasure_cleanups_of_the_consumer_group_is_listed_with_usable_etags()
    {
        await using var cosmos = await CosmosHarness.CreateAsync(emulators, "cleanup");
        var store = cosmos.ProgressStore();
        async Task Write(string group, string partition, bool erased)
        {
            var p = await store.GetAsync(group, partition, default);
            if (erased) p.RecordErasure($"erasure-{group}-{partition}", "u-1", 5, Now, Now);
            Assert.True(await store.TryReplaceAsync(p, default));
        }
        await Write("cg", "0", erased: true);
        await Write("cg", "1", erased: false);
        await Write("other", "2", erased: true);

        var listed = Assert.Single(await store.ListWithPendingErasureCleanupsAsync("cg", default));
        Assert.Equal(("0", "erasure-cg-0", 5L), (listed.PartitionId, listed.PendingCleanups.Single().ErasureId, listed.PendingCleanups.Single().SequenceNumber));
        listed.PendingCleanups.Clear();
        Assert.True(await store.TryReplaceAsync(listed, default));
        Assert.Empty(await store.ListWithPendingErasureCleanupsAsync("cg", default));
        Assert.Equal(1L * 5, (await store.GetAsync("cg", "0", default)).ErasedAt("u-1")); // the tombstone stays
    }

    /// <summary>A delta for messages from..to: one click on item-7 per message.</summary>
    private static RollupDelta Delta(long from, long to)
    {
        var builder = new RollupDeltaBuilder(16);
        for (var seq = from; seq <= to; seq++)
        {
            var e = TestEvents.At("u", "0", seq);
            builder.Add(e with { Event = e.Event with { ItemId = "item-7", Type = Core.Events.EventType.Click } }, Core.Aggregation.EventOutcome.Applied);
        }
        return builder.Build(from, to);
    }
}
