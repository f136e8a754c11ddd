using TreasureHunt.Core.Aggregation;
using TreasureHunt.Core.Events;
using TreasureHunt.Core.Features;
using TreasureHunt.Storage.Cosmos;
using TreasureHunt.Testing;

namespace TreasureHunt.IntegrationTests.Storage;

/// <summary>CosmosUserDocumentStore against the Cosmos emulator: idempotent batches, racing writers, not-found reads.</summary>
[Collection(EmulatorFixture.CollectionName)]
public sealed class UserDocumentStoreTests(EmulatorFixture emulators)
{
    private const string User = "user-1";

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_batch_applied_twice_or_in_overlapping_pieces_gives_identical_documents(bool writerCache)
    {
        await using var cosmos = await CosmosHarness.CreateAsync(emulators, "idempotent");
        var all = TestEvents.Range(User, "0", 0, 149);
        var expected = CosmosHarness.Serialize(TestEvents.Expected(User, ("0", all)));

        // Once.
        var once = cosmos.UserStore(writerCache, await cosmos.AddUsersContainerAsync("once"));
        Assert.True((await TestEvents.ApplyAsync(once, User, "0", all)).Changed);

        // Twice: the second delivery changes nothing and writes nothing.
        var twice = cosmos.UserStore(writerCache, await cosmos.AddUsersContainerAsync("twice"));
        var first = await TestEvents.ApplyAsync(twice, User, "0", all);
        var second = await TestEvents.ApplyAsync(twice, User, "0", all);
        Assert.True(first.Changed);
        Assert.False(second.Changed);
        Assert.All(second.Outcomes, o => Assert.True(o is EventOutcome.AlreadyApplied or EventOutcome.Duplicate, $"redelivery outcome {o}"));

        // Overlapping pieces: 0-99, then 50-149, then all of it again.
        var pieces = cosmos.UserStore(writerCache, await cosmos.AddUsersContainerAsync("pieces"));
        Assert.True((await TestEvents.ApplyAsync(pieces, User, "0", TestEvents.Range(User, "0", 0, 99))).Changed);
        var overlap = await TestEvents.ApplyAsync(pieces, User, "0", TestEvents.Range(User, "0", 50, 149));
        Assert.True(overlap.Changed);
        Assert.All(overlap.Outcomes.Take(50), o => Assert.True(o is EventOutcome.AlreadyApplied or EventOutcome.Duplicate, $"seq 50-99 outcome {o}"));
        Assert.False((await TestEvents.ApplyAsync(pieces, User, "0", all)).Changed);

        // Read back through fresh stores (no cache): every document is the one-go aggregate, byte for byte.
        foreach (var container in new[] { "once", "twice", "pieces" })
        {
            var stored = await cosmos.UserStore(false, cosmos.Client.GetContainer(cosmos.Options.Database, container)).GetAsync(User, default);
            Assert.NotNull(stored);
            Assert.NotNull(stored.ETag);
            Assert.Equal(expected, CosmosHarness.Serialize(stored));
        }

        // The data exercises what makes the aggregate more than counters.
        var outcomes = first.Outcomes;
        Assert.Contains(EventOutcome.Duplicate, outcomes);
        Assert.Contains(EventOutcome.AppliedLate, outcomes);
        var aggregate = TestEvents.Expected(User, ("0", all));
        Assert.Equal(CompiledDefinitions.Default.UserFeature("recentItems")!.K, aggregate.Feature("recentItems")!.Ids!.Count);
        Assert.Equal(148, aggregate.TotalEvents);
        Assert.Equal(149, aggregate.Delivery.Watermarks["0"]);
    }

    [Theory]
    [InlineData(false, false)]
    [InlineData(true, false)]
    [InlineData(true, true)]
    public async Task Two_writers_racing_on_one_user_lose_no_update(bool writerCache, bool bulkExecution)
    {
        await using var cosmos = await CosmosHarness.CreateAsync(emulators, "race");
        // Two processes: each its own client and store (and cache); each writes one source partition's batches in order.
        // With bulk execution each update's read and conditional write travel in batch requests (a 412 per operation).
        var writers = new[]
        {
            (Partition: "0", Store: bulkExecution ? cosmos.BulkUserStore(writerCache)
                : new CosmosUserDocumentStore(new CosmosDocuments<UserDocument>(cosmos.Users, cosmos.Resilience(), true), CompiledDefinitions.Default, writerCache ? CosmosHarness.NewCache() : null)),
            (Partition: "1", Store: bulkExecution ? cosmos.BulkUserStore(writerCache) : new CosmosUserDocumentStore(
                new CosmosDocuments<UserDocument>(cosmos.NewClient().GetContainer(cosmos.Options.Database, cosmos.Options.UsersContainer), cosmos.Resilience(), true),
                CompiledDefinitions.Default,
                writerCache ? CosmosHarness.NewCache() : null)),
        };
        var batches = bulkExecution ? 60 : 150; // a lone bulk operation waits for the SDK's 100 ms batching timer
        const int perBatch = 2;
        var applyCalls = 0;
        using var start = new Barrier(writers.Length);
        var tasks = writers.Select(w => Task.Run(async () =>
        {
            start.SignalAndWait();
            for (var b = 0; b < batches; b++)
            {
                // Distinct event ids per partition; 13 s apart so both partitions' events interleave in time.
                var events = Enumerable.Range(b * perBatch, perBatch).Select(s => Distinct(TestEvents.At(User, w.Partition, s, 13))).ToList();
                var slots = new EventOutcome[events.Count];
                var changed = await w.Store.UpdateAsync(User, aggregate =>
                {
                    Interlocked.Increment(ref applyCalls);
                    aggregate.Apply(events, w.Partition, CompiledDefinitions.Default, DeliveryRules.Default, slots);
                    return slots.Any(o => o is EventOutcome.Applied or EventOutcome.AppliedLate);
                }, default);
                Assert.True(changed);
                Assert.All(slots, o => Assert.True(o is EventOutcome.Applied or EventOutcome.AppliedLate, $"outcome {o}"));
            }
        })).ToArray();
        await Task.WhenAll(tasks);

        var stored = await cosmos.UserStore(false).GetAsync(User, default);
        Assert.NotNull(stored);
        var total = 2L * batches * perBatch;
        Assert.Equal(total, stored.TotalEvents);
        Assert.Equal(batches * perBatch - 1, stored.Delivery.Watermarks["0"]);
        Assert.Equal(batches * perBatch - 1, stored.Delivery.Watermarks["1"]);
        Assert.Equal(total, stored.Feature("events")!.Tiles!["hour"].Counts!.Sum()); // all within the 48 hour tiles kept
        // The writers did collide (ETag conflicts, each followed by a reload and a re-apply).
        Assert.True(applyCalls > 2 * batches, $"no conflict happened ({applyCalls} applies for {2 * batches} updates)");
    }

    [Fact]
    public async Task Concurrent_updates_of_one_user_through_one_cached_store_lose_and_double_nothing()
    {
        // Two partition processors of one host share the store (and its writer cache) and meet on the same user.
        await using var cosmos = await CosmosHarness.CreateAsync(emulators, "samestore");
        var store = cosmos.UserStore(writerCache: true);
        const int batches = 150, perBatch = 2;
        using var start = new Barrier(2);
        await Task.WhenAll(new[] { "0", "1" }.Select(partition => Task.Run(async () =>
        {
            start.SignalAndWait();
            for (var b = 0; b < batches; b++)
            {
                var events = Enumerable.Range(b * perBatch, perBatch).Select(s => Distinct(TestEvents.At(User, partition, s, 13))).ToList();
                Assert.True((await TestEvents.ApplyAsync(store, User, partition, events)).Changed);
            }
        })));

        var stored = await cosmos.UserStore(false).GetAsync(User, default);
        Assert.NotNull(stored);
        Assert.Equal(2L * batches * perBatch, stored.TotalEvents);
        Assert.Equal(batches * perBatch - 1, stored.Delivery.Watermarks["0"]);
        Assert.Equal(batches * perBatch - 1, stored.Delivery.Watermarks["1"]);
    }

    [Fact]
    public async Task A_missing_user_reads_as_not_found()
    {
        await using var cosmos = await CosmosHarness.CreateAsync(emulators, "missing");
        Assert.Null(await cosmos.UserStore(false).GetAsync("nobody", default));
        Assert.Null(await cosmos.UserStore(true).GetAsync("nobody", default));

        // An update whose apply reports no change writes nothing: the user stays missing.
        Assert.False(await cosmos.UserStore(true).UpdateAsync("nobody", _ => false, default));
        Assert.Null(await cosmos.UserStore(false).GetAsync("nobody", default));
    }

    /// <summary>All distinct event ids (the race tests count every event; duplicates are covered elsewhere).</summary>
    private static SequencedEvent Distinct(SequencedEvent e) => e with { Event = e.Event with { EventId = $"{e.Event.UserId}-{e.SequenceNumber}-{e.Event.EventId}" } };

    [Theory]
    [InlineData(".")]
    [InlineData("..")]
    public async Task A_dot_segment_id_is_refused_before_anything_is_written(string userId)
    {
        await using var cosmos = await CosmosHarness.CreateAsync(emulators, "dotid");
        var store = cosmos.UserStore(false, cosmos.Users);
        await Assert.ThrowsAsync<DocumentIdRefusedException>(() => store.UpdateAsync(userId, _ => true, default));
        var query = cosmos.Users.GetItemQueryIterator<System.Text.Json.JsonElement>("SELECT c.id FROM c");
        Assert.Empty((await query.ReadNextAsync()).Resource);
    }
}
