using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using TreasureHunt.Core.Events;
using TreasureHunt.Core.Features;
using TreasureHunt.Core.Rollups;
using TreasureHunt.Functions.Tests.Fakes;
using TreasureHunt.Pipeline.Rollups;

namespace TreasureHunt.Functions.Tests;

/// <summary>How many documents <see cref="ItemShardWriter"/> keeps in flight: all of a flush's at once when the store
/// groups concurrent writes into batch requests (bulk execution), so the batches fill instead of waiting on the timer.</summary>
public sealed class ItemShardWriterTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 27, 13, 30, 0, TimeSpan.Zero);
    private static readonly long Hour = new DateTimeOffset(2026, 11, 27, 13, 0, 0, TimeSpan.Zero).ToUnixTimeSeconds();

    private static SealedItemFlush Flush(int items)
    {
        var flush = new SealedItemFlush { Number = 1 };
        for (var i = 0; i < items; i++)
        {
            var delta = new ItemDelta();
            for (var n = 0; n <= i % 3; n++) delta.Add(EventType.Click, Hour);
            flush.Items[$"item{i}"] = delta;
        }
        return flush;
    }

    private static ItemShardWriter Writer(InMemoryItemRollupStore store) =>
        new(store, new Storage.StoreRefusalClassifier(), Options.Create(new RollupOptions()), CompiledDefinitions.Default, new FakeTimeProvider(Now), new Pipeline.Telemetry.PipelineMetrics(), NullLogger<ItemShardWriter>.Instance);

    [Fact]
    public async Task A_store_that_groups_concurrent_writes_gets_every_document_of_the_flush_at_once()
    {
        const int items = 3 * ItemShardWriter.MaxConcurrentWrites;
        var store = new InMemoryItemRollupStore { GroupsConcurrentWrites = true };
        store.HoldItemReadsUntilInFlight(items, TimeSpan.FromSeconds(60)); // times out if the writer keeps fewer in flight

        var (written, leaderboards) = await Writer(store).WriteAsync("16-3", Flush(items), CancellationToken.None);

        Assert.Equal(items, written);
        Assert.Equal(2, leaderboards); // clicks: the hour and all time
        Assert.Equal(items, store.ItemWrites);
        Assert.Equal(3, (await store.GetItemAsync("item44", CancellationToken.None))!.Totals[(int)EventType.Click]);
        var top = (await store.GetLeaderboardAsync(LeaderboardDocument.IdOf(CompiledDefinitions.Default.TypeName(EventType.Click), null), CancellationToken.None))!.Top(3);
        Assert.All(top, e => Assert.Equal(3, e.Count));
    }

    [Fact]
    public async Task A_store_of_single_requests_gets_at_most_the_bounded_number_at_once()
    {
        var store = new InMemoryItemRollupStore { GroupsConcurrentWrites = false };
        store.HoldItemReadsUntilInFlight(ItemShardWriter.MaxConcurrentWrites + 1, TimeSpan.FromSeconds(2)); // never reached: the writer keeps 16 in flight

        await Assert.ThrowsAsync<TimeoutException>(() => Writer(store).WriteAsync("16-3", Flush(3 * ItemShardWriter.MaxConcurrentWrites), CancellationToken.None));
    }
}
