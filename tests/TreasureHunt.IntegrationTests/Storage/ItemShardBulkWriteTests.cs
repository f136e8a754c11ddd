using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using TreasureHunt.Core.Events;
using TreasureHunt.Core.Features;
using TreasureHunt.Core.Rollups;
using TreasureHunt.Pipeline.Rollups;
using TreasureHunt.Storage;
using TreasureHunt.Storage.Cosmos;
using TreasureHunt.Testing;

namespace TreasureHunt.IntegrationTests.Storage;

/// <summary>
/// The item shard writer through the bulk-enabled client (<c>Cosmos:BulkExecution</c>) against the Cosmos emulator and
/// the real SDK: a flush's item reads and conditional writes travel in batch requests, each operation keeping its own
/// ETag and answer, so two shards racing on the same items and leaderboards (a reshard draining) and a retried buffer
/// still count every delta exactly once.
/// </summary>
[Collection(EmulatorFixture.CollectionName)]
public sealed class ItemShardBulkWriteTests(EmulatorFixture emulators)
{
    private static readonly DateTimeOffset Now = new(2026, 11, 27, 13, 30, 0, TimeSpan.Zero);
    private static readonly long Hour = new DateTimeOffset(2026, 11, 27, 13, 0, 0, TimeSpan.Zero).ToUnixTimeSeconds();
    private const int Items = 150;

    /// <summary>Item i gets i % 3 + 1 clicks in the hour.</summary>
    private static SealedItemFlush Flush(long number)
    {
        var flush = new SealedItemFlush { Number = number };
        for (var i = 0; i < Items; i++)
        {
            var delta = new ItemDelta();
            for (var n = 0; n <= i % 3; n++) delta.Add(EventType.Click, Hour);
            flush.Items[$"item{i}"] = delta;
        }
        return flush;
    }

    private static ItemShardWriter Writer(CosmosItemRollupStore store) =>
        new(store, new StoreRefusalClassifier(), Options.Create(new RollupOptions()), CompiledDefinitions.Default, new FixedTime(Now), new TreasureHunt.Pipeline.Telemetry.PipelineMetrics(), NullLogger<ItemShardWriter>.Instance);

    [Fact]
    public async Task Two_shards_racing_through_bulk_batches_and_a_retried_buffer_count_every_delta_once()
    {
        await using var cosmos = await CosmosHarness.CreateAsync(emulators, "itembulk");
        // Two layouts' shards of the same items, each in its own process with its own bulk client and writer cache.
        var (first, second) = (cosmos.BulkItemRollups(writerCache: true), cosmos.BulkItemRollups(writerCache: true));
        Assert.True(first.GroupsConcurrentWrites);
        var (a, b) = (Writer(first), Writer(second));
        var before = await StatsAsync();

        for (var number = 1; number <= 2; number++)
        {
            var written = await Task.WhenAll(a.WriteAsync("16-3", Flush(number), default), b.WriteAsync("8-1", Flush(number), default));
            Assert.All(written, w => Assert.Equal((Items, 2), w)); // every item; the click leaderboards of the hour and all time
        }
        // Buffer 2 again, as after a crash between the write and the entity's commit: every item skips it.
        await a.WriteAsync("16-3", Flush(2), default);
        var after = await StatsAsync();

        var store = cosmos.ItemRollups();
        for (var i = 0; i < Items; i++)
        {
            var item = await store.GetItemAsync($"item{i}", default);
            Assert.Equal(2 * 2 * (i % 3 + 1), item!.Totals[(int)EventType.Click]); // two shards, two buffers each
        }
        foreach (var hour in new long?[] { null, Hour })
        {
            var board = await store.GetLeaderboardAsync(LeaderboardDocument.IdOf(CompiledDefinitions.Default.TypeName(EventType.Click), hour), default);
            Assert.All(board!.Top(10), e => Assert.Equal(12, e.Count));
        }

        // The writes went in batch requests: far fewer HTTP requests than operations (reads, creates, replaces, 412s).
        long Delta(params string[] path) => path.Aggregate(after, (e, p) => e.GetProperty(p)).GetInt64() - path.Aggregate(before, (e, p) => e.GetProperty(p)).GetInt64();
        var (requests, operations) = (Delta("batch", "requests"), Delta("batch", "operations"));
        Assert.True(operations >= 4 * Items && requests * 5 < operations, $"{requests} batch requests carried {operations} operations");
    }

    /// <summary>The writer's clock, held at <see cref="Now"/> (its hour windows are kept relative to it).</summary>
    private sealed class FixedTime(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }

    private async Task<JsonElement> StatsAsync()
    {
        using var http = new HttpClient(EmulatorClients.CreateEmulatorHandler(), disposeHandler: true);
        http.DefaultRequestHeaders.Add("x-th-emulator-key", LocalEmulators.WellKnownCosmosKey);
        return await http.GetFromJsonAsync<JsonElement>(new Uri(emulators.CosmosEndpoint, "/_th/stats"));
    }
}
