using System.Diagnostics;
using System.Net;
using Microsoft.Azure.Cosmos;
using TreasureHunt.Core.Aggregation;
using TreasureHunt.Core.Events;
using TreasureHunt.Testing;
using Xunit.Abstractions;

namespace TreasureHunt.IntegrationTests.Storage;

/// <summary>
/// Transient failures injected between the SDK and the emulator (<see cref="FaultInjectingHandler"/>): 429 and 503
/// before the server, and 503 after the server applied the write. The store must neither lose nor double an event.
/// </summary>
[Collection(EmulatorFixture.CollectionName)]
public sealed class FaultInjectionTests(EmulatorFixture emulators, ITestOutputHelper output)
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Faults_before_and_after_the_server_lose_nothing_and_count_nothing_twice(bool writerCache)
    {
        // About 20% of document calls fail: 429 / 503 before the server, and 503 after the server applied a write.
        var plan = new FaultPlan(seed: writerCache ? 7 : 3) { ThrottledFraction = 0.07, UnavailableFraction = 0.07, AfterWriteFraction = 0.10 };
        await using var cosmos = await CosmosHarness.CreateAsync(emulators, "faults", handler: FaultInjectingHandler.For(plan));
        var store = cosmos.UserStore(writerCache);

        const string partition = "0";
        const int users = 12, batches = 40, batchSize = 15;
        var expected = new Dictionary<string, UserDocument>(StringComparer.Ordinal);
        var redeliveries = 0;
        var notChanged = 0;
        for (var b = 0; b < batches; b++)
        {
            // One Event Hubs batch: consecutive sequence numbers spread over the users, grouped by user in order.
            var byUser = Enumerable.Range(b * batchSize, batchSize)
                .Select(seq => TestEvents.At($"u{seq % users}", partition, seq, 7))
                .GroupBy(e => e.Event.UserId)
                .ToDictionary(g => g.Key, g => g.ToList());
            foreach (var (userId, events) in byUser)
            {
                if (!expected.TryGetValue(userId, out var reference))
                {
                    expected[userId] = reference = UserDocument.Create(userId, TreasureHunt.Core.Features.CompiledDefinitions.Default);
                }
                reference.Apply(events, partition, TreasureHunt.Core.Features.CompiledDefinitions.Default, DeliveryRules.Default, new EventOutcome[events.Count]);
            }
            // As the host does: a failure that outlives the retries fails the batch, which is then redelivered whole.
            for (var attempt = 1; ; attempt++)
            {
                try
                {
                    await Parallel.ForEachAsync(byUser, new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (entry, ct) =>
                    {
                        if (!(await TestEvents.ApplyAsync(store, entry.Key, partition, entry.Value, ct)).Changed)
                        {
                            Interlocked.Increment(ref notChanged);
                        }
                    });
                    break;
                }
                catch (CosmosException e) when (CosmosResilienceIsTransient(e.StatusCode) && attempt < 5)
                {
                    redeliveries++;
                }
            }
        }

        var reader = cosmos.UserStore(false, cosmos.NewClient().GetContainer(cosmos.Options.Database, cosmos.Options.UsersContainer));
        foreach (var (userId, reference) in expected)
        {
            var stored = await reader.GetAsync(userId, default);
            Assert.NotNull(stored);
            Assert.Equal(CosmosHarness.Serialize(reference), CosmosHarness.Serialize(stored));
        }
        Assert.Equal(batches * batchSize, expected.Values.Sum(u => u.TotalEvents)); // every event counted once (no producer duplicates here)
        output.WriteLine($"cache={writerCache}: injected 429×{plan.Throttled}, 503×{plan.Unavailable} before the server, 503×{plan.AfterWrite} after a write; " +
            $"{plan.Passed} calls passed; {redeliveries} batch redeliveries; {notChanged} updates found their events already applied");
        Assert.True(plan.Throttled > 0 && plan.Unavailable > 0 && plan.AfterWrite > 0, "every kind of fault was injected");
        // Every ambiguous write that succeeded on the server was recognised on the retry (412/409 → reload → AlreadyApplied).
        Assert.True(notChanged > 0, "no retried write found its own earlier effect");
    }

    [Theory]
    [InlineData(Fault.Throttled)]
    [InlineData(Fault.Unavailable)]
    [InlineData(Fault.UnavailableAfterWrite)]
    public async Task A_failure_that_outlives_the_retries_surfaces_within_bounded_time_and_the_redelivery_converges(Fault fault)
    {
        var plan = new FaultPlan();
        await using var cosmos = await CosmosHarness.CreateAsync(emulators, "hardfail", maxRetries: 6, handler: FaultInjectingHandler.For(plan));
        var store = cosmos.UserStore(writerCache: true);
        const string user = "u1";
        Assert.True((await TestEvents.ApplyAsync(store, user, "0", TestEvents.Range(user, "0", 0, 9))).Changed); // now cached

        switch (fault)
        {
            case Fault.Throttled: plan.ThrottledFraction = 1; break;
            case Fault.Unavailable: plan.UnavailableFraction = 1; break;
            default: plan.AfterWriteFraction = 1; break;
        }
        var second = TestEvents.Range(user, "0", 10, 19);
        var stopwatch = Stopwatch.StartNew();
        var error = await Assert.ThrowsAsync<CosmosException>(() => TestEvents.ApplyAsync(store, user, "0", second));
        stopwatch.Stop();
        output.WriteLine($"{fault}: {error.StatusCode} surfaced after {plan.Injected} failed attempts in {stopwatch.ElapsedMilliseconds} ms");
        Assert.Equal(fault == Fault.Throttled ? HttpStatusCode.TooManyRequests : HttpStatusCode.ServiceUnavailable, error.StatusCode);
        Assert.Equal(cosmos.Options.MaxRetries + 1, plan.Injected); // bounded: the first call and MaxRetries retries, then it surfaces

        // The host redelivers the batch once the store answers again: counted exactly once either way.
        plan.ThrottledFraction = plan.UnavailableFraction = plan.AfterWriteFraction = 0;
        var redelivery = await TestEvents.ApplyAsync(store, user, "0", second);
        // After a 503 that came after the write, the events are already in the document: nothing left to write.
        Assert.Equal(fault != Fault.UnavailableAfterWrite, redelivery.Changed);
        var stored = await cosmos.UserStore(false).GetAsync(user, default);
        Assert.Equal(CosmosHarness.Serialize(TestEvents.Expected(user, ("0", TestEvents.Range(user, "0", 0, 19)))), CosmosHarness.Serialize(stored));
    }

    private static bool CosmosResilienceIsTransient(HttpStatusCode status) => TreasureHunt.Storage.Cosmos.CosmosResilience.IsTransient(status);
}
