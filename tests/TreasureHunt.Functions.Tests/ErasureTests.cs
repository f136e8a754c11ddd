using System.Net;
using System.Text;
using System.Text.Json;
using Microsoft.Azure.Cosmos;
using Microsoft.Extensions.DependencyInjection;
using Moq;
using TreasureHunt.Core.Aggregation;
using TreasureHunt.Core.Erasure;
using TreasureHunt.Core.Events;
using TreasureHunt.Core.Features;
using TreasureHunt.Core.Parking;
using TreasureHunt.Core.Rollups;
using TreasureHunt.Functions.Rollups;
using TreasureHunt.Functions.Tests.Fakes;
using TreasureHunt.Pipeline.Erasure;
using TreasureHunt.Pipeline.Processing;
using TreasureHunt.Pipeline.Queries;
using TreasureHunt.Pipeline.Versions;

namespace TreasureHunt.Functions.Tests;

/// <summary>
/// Erasure over the real pipeline and in-memory stores: an erase control message in the user's partition
/// deletes the user everywhere in sequence order, and no path — a redelivery, a parked replay, a back-fill — brings
/// the erased events back, while the user's later events start a new profile.
/// </summary>
public sealed class ErasureTests
{
    private const string Partition = "0";
    private static readonly DateTimeOffset Enqueued = TestApp.Now;

    private static string Erase(string userId, string erasureId = "0123456789abcdef0123456789abcdef") =>
        Encoding.UTF8.GetString(EraseControlMessage.Encode(new EraseRequest(erasureId, userId, TestApp.Now)));

    private static PartitionBatch Batch(params (long Sequence, string Body)[] messages) => TestApp.Batch(Partition, messages);

    private static PartitionProgress Progress(TestApp app) => app.Progress.Find("aggregator", Partition)!;

    [Fact]
    public async Task An_erasure_deletes_the_user_and_a_redelivery_of_its_earlier_events_brings_nothing_back()
    {
        using var app = TestApp.WithImmediateRollups();
        var first = Batch((0, TestApp.Event("e1", "alice", "sword")), (1, TestApp.Event("e2", "bob", "sword")), (2, TestApp.Event("e3", "alice", "map")));
        await app.ProcessAsync(first);
        Assert.Equal(2, app.Aggregates["alice"].TotalEvents);

        await app.ProcessAsync(Batch((3, Erase("alice"))));
        Assert.False(app.Aggregates.ContainsKey("alice"));
        Assert.Equal(1, app.Aggregates["bob"].TotalEvents);

        // Event Hubs redelivers from an older checkpoint: the earlier batch, then the whole range with the erasure.
        await app.ProcessAsync(first);
        await app.ProcessAsync(Batch((0, TestApp.Event("e1", "alice", "sword")), (1, TestApp.Event("e2", "bob", "sword")), (2, TestApp.Event("e3", "alice", "map")), (3, Erase("alice"))));
        Assert.False(app.Aggregates.ContainsKey("alice"));
        Assert.Equal(1, app.Aggregates["bob"].TotalEvents);

        var progress = Progress(app);
        Assert.Equal(3, progress.AppliedThrough);
        var tombstone = Assert.Single(progress.Erased);
        Assert.Equal((UserIdHash.Of("alice"), 3L), (tombstone.Key, tombstone.Value.SequenceNumber));
        Assert.Equal(3L, progress.ErasedAt("alice"));
        Assert.Null(progress.ErasedAt("bob"));
        Assert.DoesNotContain("alice", JsonSerializer.Serialize(progress)); // only the hash is kept

        var logged = Assert.Single(app.ErasureLog.Records.Values);
        Assert.Equal((ErasureState.Applied, UserIdHash.Of("alice"), Partition, 3L), (logged.State, logged.UserIdHash, logged.PartitionId, logged.SequenceNumber));
        Assert.Equal("deleted", logged.Stores!["users"]);
        Assert.Equal(3L, (await app.TotalsAsync()).Events); // the item and global rollups are anonymous counts: kept
    }

    [Fact]
    public async Task An_erasure_deletes_the_dead_letters_that_name_the_user_before_it_and_reports_them()
    {
        using var app = TestApp.WithImmediateRollups();
        static string Rejected(string id, string user) => $"{{\"eventId\":\"{id}\",\"userId\":\"{user}\",\"type\":\"view\"}}"; // no itemId, no timestamp
        await app.ProcessAsync(Batch((0, Rejected("d1", "alice")), (1, Rejected("d2", "bob")), (2, TestApp.Event("e1", "alice", "sword"))));
        Assert.Equal(2, app.DeadLettersWritten.Count);

        // In one batch: another rejected message of alice before the erasure (written with the batch, deleted by its cleanup) and one after.
        await app.ProcessAsync(Batch((3, Rejected("d3", "alice")), (4, Erase("alice")), (5, Rejected("d4", "alice"))));

        // Applied, the cleanup pending: the routes leave alice's earlier dead letters out meanwhile.
        Assert.Equal("pending", Assert.Single(app.ErasureLog.Records.Values).Stores!["deadletters"]);
        var pending = await app.Services.GetRequiredService<PendingErasures>().ReadAsync(default);
        Assert.Equal([1L, 5L], app.DeadLettersWritten.Where(d => !pending.Hides(d)).Select(d => d.SequenceNumber).Order());

        Assert.Equal(1, await app.CleanErasuresAsync());
        Assert.Equal([1L, 5L], app.DeadLettersWritten.Select(d => d.SequenceNumber).Order());
        var logged = Assert.Single(app.ErasureLog.Records.Values);
        Assert.Equal("2 rows deleted", logged.Stores!["deadletters"]);
        Assert.Empty(Progress(app).PendingCleanups);

    }

    [Fact]
    public async Task A_batch_redelivered_after_a_crash_writes_the_users_dead_letter_again_and_deletes_it_again()
    {
        using var app = TestApp.WithImmediateRollups();
        var rejected = "{\"eventId\":\"d1\",\"userId\":\"alice\",\"type\":\"view\"}";
        var batch = Batch((0, rejected), (1, Erase("alice")), (2, TestApp.Event("e1", "bob", "sword")));
        app.Progress.FailNextWrites = 1;
        await Assert.ThrowsAnyAsync<Exception>(() => app.ProcessAsync(batch));
        Assert.Single(app.DeadLettersWritten); // the erasure is not durable (no progress write): the redelivery applies it
        Assert.Null(app.Progress.Find("aggregator", Partition));

        await app.ProcessAsync(batch);
        Assert.Equal(1, await app.CleanErasuresAsync());

        Assert.Empty(app.DeadLettersWritten);
        Assert.Equal("1 rows deleted", app.ErasureLog.Records.Values.Single().Stores!["deadletters"]);
    }

    [Fact]
    public async Task A_crash_after_the_erasure_but_before_the_progress_write_is_redelivered_and_erases_again_in_order()
    {
        using var app = TestApp.WithImmediateRollups();
        var batch = Batch((0, TestApp.Event("e1", "alice", "sword")), (1, Erase("alice")), (2, TestApp.Event("e2", "bob", "sword")));
        app.Progress.FailNextWrites = 1; // the batch's documents and deletions are done, its progress write is not
        await Assert.ThrowsAnyAsync<Exception>(() => app.ProcessAsync(batch));
        Assert.False(app.Aggregates.ContainsKey("alice"));

        await app.ProcessAsync(batch);
        Assert.False(app.Aggregates.ContainsKey("alice"));
        Assert.Equal(1, app.Aggregates["bob"].TotalEvents);
        Assert.Equal(1L, Progress(app).ErasedAt("alice"));
        Assert.Equal(2L, (await app.TotalsAsync()).Events);
    }

    [Fact]
    public async Task A_batch_of_many_erasures_applies_them_concurrently_within_the_bound_logs_them_in_one_write_and_a_redelivery_keeps_it_so()
    {
        const int Parallel = 4;
        using var app = new TestApp(new Dictionary<string, string?> { ["Rollups:FlushMinEvents"] = "1", ["Pipeline:MaxParallelErasures"] = Parallel.ToString() });
        var users = Enumerable.Range(0, 30).Select(i => $"u-{i}").ToList();
        await app.ProcessAsync(Batch([.. users.Select((u, i) => ((long)i, TestApp.Event($"e{i}", u, "sword"))), (30L, TestApp.Event("k1", "keep", "map"))]));

        // Every document delete waits until the bound's worth are in flight: a sequential application would never get there.
        var inFlight = 0;
        var most = 0;
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        app.Users.Setup(u => u.DeleteAsync(It.IsAny<string>(), It.IsAny<CancellationToken>())).Returns(async (string id, CancellationToken _) =>
        {
            var now = Interlocked.Increment(ref inFlight);
            lock (gate) most = Math.Max(most, now);
            if (now >= Parallel) gate.TrySetResult();
            await gate.Task.WaitAsync(TimeSpan.FromSeconds(30), CancellationToken.None);
            Interlocked.Decrement(ref inFlight);
            return app.Aggregates.TryRemove(id, out var _);
        });
        // u-5 is erased twice; u-3 has an event after its erasure (a new profile); keep is never erased.
        var messages = users.Select((u, i) => (31L + i, Erase(u, $"{i:x32}"))).ToList();
        messages.Add((61, Erase("u-5", $"{99:x32}")));
        messages.Add((62, TestApp.Event("e-new", "u-3", "gem")));
        messages.Add((63, TestApp.Event("k2", "keep", "gem")));
        var batch = Batch([.. messages]);
        app.Progress.FailNextWrites = 1; // the first application dies before its progress write: redelivered
        await Assert.ThrowsAnyAsync<Exception>(() => app.ProcessAsync(batch));
        Assert.Equal(Parallel, most);
        await app.ProcessAsync(batch);

        Assert.All(users.Where(u => u != "u-3"), u => Assert.False(app.Aggregates.ContainsKey(u)));
        Assert.Equal(1, app.Aggregates["u-3"].TotalEvents);
        Assert.Equal(2, app.Aggregates["keep"].TotalEvents);
        Assert.Equal(2, app.ErasureLog.BatchedWrites); // one per application of the batch, not one per erasure
        Assert.Equal(31, app.ErasureLog.Records.Count);
        Assert.All(app.ErasureLog.Records.Values, r => Assert.Equal(ErasureState.Applied, r.State));
        // The redelivery found the documents gone; the log still says what the first application deleted.
        Assert.All(users.Select((_, i) => app.ErasureLog.Records[$"{i:x32}"]), r => Assert.Equal("deleted", r.Stores!["users"]));
        Assert.Equal("absent", app.ErasureLog.Records[$"{99:x32}"].Stores!["users"]); // the second erasure of u-5 found nothing
        var progress = Progress(app);
        Assert.Equal(30, progress.Erased.Count);
        Assert.Equal(61L, progress.ErasedAt("u-5"));
        Assert.Equal(33L, (await app.TotalsAsync()).Events);
    }

    [Fact]
    public async Task Events_of_the_user_after_the_erasure_start_a_new_profile()
    {
        using var app = TestApp.WithImmediateRollups();
        await app.ProcessAsync(Batch(
            (0, TestApp.Event("e1", "alice", "sword", "purchase")), (1, TestApp.Event("e2", "alice", "gem")), (2, Erase("alice")),
            (3, TestApp.Event("e3", "alice", "map", "view"))));
        var fresh = app.Aggregates["alice"];
        Assert.Equal(1, fresh.TotalEvents);
        Assert.Equal(3, fresh.Delivery.Watermarks[Partition]);

        await app.ProcessAsync(Batch((4, TestApp.Event("e4", "alice", "map", "view")), (5, TestApp.Event("e1", "alice", "sword", "purchase"))));
        Assert.Equal(3, app.Aggregates["alice"].TotalEvents); // e1 again is a new event of the new profile: its memory is gone too
        Assert.Equal(5L, (await app.TotalsAsync()).Events); // e1..e4 and e1 again: all counted by the (anonymous) rollups
    }

    [Fact]
    public async Task Erasing_a_user_with_parked_messages_deletes_them_and_a_replay_brings_nothing_back()
    {
        using var app = TestApp.WithImmediateRollups();
        app.Users.Setup(u => u.UpdateAsync("poison", It.IsAny<Func<UserDocument, bool>>(), It.IsAny<CancellationToken>()))
            .ThrowsAsync(new CosmosException("Request size is too large", HttpStatusCode.RequestEntityTooLarge, 0, "test", 0));
        await app.ProcessAsync(Batch((0, TestApp.Event("e1", "poison", "gem")), (1, TestApp.Event("e2", "alice", "gem"))));
        await app.ProcessAsync(Batch((2, TestApp.Event("e3", "poison", "map"))));
        Assert.Equal(2, app.Parked.All.Count);
        Assert.Equal(0, Progress(app).ParkedUsers["poison"]);

        app.Users.Setup(u => u.UpdateAsync("poison", It.IsAny<Func<UserDocument, bool>>(), It.IsAny<CancellationToken>())) // the cause is gone
            .ReturnsAsync((string id, Func<UserDocument, bool> apply, CancellationToken _) => apply(app.Aggregates.GetOrAdd(id, i => UserDocument.Create(i, CompiledDefinitions.Default))));
        Assert.Equal(2L, (await app.TotalsAsync()).Parked);
        var erasure = Batch((3, TestApp.Event("e4", "poison", "map")), (4, Erase("poison")));
        app.Progress.FailNextWrites = 1; // the first application dies before its progress write
        await Assert.ThrowsAnyAsync<Exception>(() => app.ProcessAsync(erasure));
        await app.ProcessAsync(erasure); // the redelivery counts the same rows again (they stay until the cleanup)

        var totals = await app.TotalsAsync();
        Assert.Equal((1L, 0L), (totals.Events, totals.Parked)); // alice's; poison's parked messages are no longer counted as parked
        Assert.Empty(Progress(app).ParkedUsers);
        Assert.False(app.Aggregates.ContainsKey("poison"));
        Assert.Equal(2, app.Parked.All.Count); // the physical deletion is the cleanup's
        var parkedRoute = await app.Services.GetRequiredService<ParkedApi>().GetParkedAsync(new Microsoft.AspNetCore.Http.QueryCollection(
            new Dictionary<string, Microsoft.Extensions.Primitives.StringValues> { ["status"] = "all" }), default);
        Assert.DoesNotContain("poison", parkedRoute.Body); // never shown meanwhile

        app.Progress.FailNextWrites = 1; // the cleanup dies after deleting the rows and logging it, before its progress write
        await Assert.ThrowsAnyAsync<Exception>(() => app.CleanErasuresAsync());
        Assert.Single(Progress(app).PendingCleanups);
        Assert.Equal(1, await app.CleanErasuresAsync()); // done again: finds the rows gone, keeps the first run's account

        Assert.Empty(app.Parked.All); // the held row of this batch was never written, the earlier ones are deleted
        Assert.Empty(Progress(app).PendingCleanups);
        var logged = app.ErasureLog.Records.Values.Single();
        Assert.Equal(("2 rows deleted", 2), (logged.Stores!["parked"], logged.ParkedCounted));

        using (DurableRollupClient.Use(app.Entities.AsClient()))
        {
            var report = await app.Services.GetRequiredService<ParkedReplayer>().ReplayAsync("aggregator", default);
            Assert.Equal((0, 0), (report.Replayed, report.UsersReleased));
        }
        Assert.False(app.Aggregates.ContainsKey("poison"));
        await app.ProcessAsync(Batch((5, TestApp.Event("e5", "poison", "map")))); // no longer held: a new profile
        Assert.Equal(1, app.Aggregates["poison"].TotalEvents);
    }

    [Fact]
    public async Task A_cleanup_killed_midway_is_resumed_by_the_next_run_and_no_route_shows_the_user_meanwhile()
    {
        using var app = TestApp.WithImmediateRollups();
        app.Users.Setup(u => u.UpdateAsync("poison", It.IsAny<Func<UserDocument, bool>>(), It.IsAny<CancellationToken>()))
            .ThrowsAsync(new CosmosException("Request size is too large", HttpStatusCode.RequestEntityTooLarge, 0, "test", 0));
        const string Rejected = "{\"eventId\":\"d1\",\"userId\":\"poison\",\"type\":\"view\"}";
        await app.ProcessAsync(Batch((0, TestApp.Event("e1", "poison", "gem")), (1, Rejected), (2, TestApp.Event("e2", "bob", "gem"))));
        app.Users.Setup(u => u.UpdateAsync("poison", It.IsAny<Func<UserDocument, bool>>(), It.IsAny<CancellationToken>()))
            .ReturnsAsync((string id, Func<UserDocument, bool> apply, CancellationToken _) => apply(app.Aggregates.GetOrAdd(id, i => UserDocument.Create(i, CompiledDefinitions.Default))));
        await app.ProcessAsync(Batch((3, Erase("poison")), (4, TestApp.Event("e3", "poison", "map"))));
        Assert.Equal((1, 1), (app.Parked.All.Count, app.DeadLettersWritten.Count));

        app.Parked.FailAfterNextDelete = true; // the cleanup dies right after deleting the parked rows
        await Assert.ThrowsAnyAsync<Exception>(() => app.CleanErasuresAsync());
        Assert.Empty(app.Parked.All);
        Assert.Single(Progress(app).PendingCleanups); // still to do: the dead letter, the log
        Assert.Equal("pending", app.ErasureLog.Records.Values.Single().Stores!["deadletters"]);
        var pending = await app.Services.GetRequiredService<PendingErasures>().ReadAsync(default);
        Assert.True(pending.Hides(app.DeadLettersWritten.Single())); // not shown meanwhile

        using (var cancelled = new CancellationTokenSource())
        {
            await cancelled.CancelAsync(); // a host stopping before the next run finishes
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => app.CleanErasuresAsync(cancelled.Token));
        }
        Assert.Single(Progress(app).PendingCleanups);

        Assert.Equal(1, await app.CleanErasuresAsync());
        Assert.Empty(app.DeadLettersWritten);
        Assert.Empty(Progress(app).PendingCleanups);
        var stores = app.ErasureLog.Records.Values.Single().Stores!;
        Assert.Equal(("1 rows deleted", "0 rows deleted"), (stores["deadletters"], stores["parked"])); // the killed run deleted the row before it could say so
        Assert.Equal(0, await app.CleanErasuresAsync()); // nothing left to do
        Assert.Equal(1, app.Aggregates["poison"].TotalEvents); // the event after the erasure: a new profile, untouched by the cleanup
        Assert.Equal(1, app.Aggregates["bob"].TotalEvents);
    }

    [Fact]
    public async Task The_parked_route_leaves_out_rows_of_a_pending_cleanup_and_still_shows_top_rows()
    {
        using var app = TestApp.WithImmediateRollups();
        ParkedMessage Row(long seq, string user) => new(Partition, seq, TestApp.Now, user, ParkReason.UserHeld, "test", Encoding.UTF8.GetBytes(user), TestApp.Now);
        await app.Parked.WriteAsync([Row(0, "gone"), Row(1, "gone"), Row(2, "gone"), Row(3, "kept"), Row(4, "kept"), Row(11, "gone")], default);
        var progress = await app.Progress.GetAsync("aggregator", Partition, default);
        progress.RecordErasure(new string('e', 32), "gone", 10, TestApp.Now, TestApp.Now);
        Assert.True(await app.Progress.TryReplaceAsync(progress, default));

        var answer = await app.Services.GetRequiredService<ParkedApi>().GetParkedAsync(new Microsoft.AspNetCore.Http.QueryCollection(
            new Dictionary<string, Microsoft.Extensions.Primitives.StringValues> { ["top"] = "3" }), default);
        var items = JsonDocument.Parse(answer.Body).RootElement.GetProperty("items").EnumerateArray().Select(r => r.GetProperty("sequenceNumber").GetInt64());
        Assert.Equal([3L, 4L, 11L], items); // the row after the erasure is the new profile's
    }

    [Fact]
    public async Task A_parked_row_older_than_the_tombstone_is_never_replayed()
    {
        using var app = TestApp.WithImmediateRollups();
        app.Users.Setup(u => u.UpdateAsync("poison", It.IsAny<Func<UserDocument, bool>>(), It.IsAny<CancellationToken>()))
            .ThrowsAsync(new CosmosException("Request size is too large", HttpStatusCode.RequestEntityTooLarge, 0, "test", 0));
        var stale = Batch((0, TestApp.Event("e1", "poison", "gem")));
        await app.ProcessAsync(stale);
        var row = app.Parked.All.Single();
        app.Users.Setup(u => u.UpdateAsync("poison", It.IsAny<Func<UserDocument, bool>>(), It.IsAny<CancellationToken>()))
            .ReturnsAsync((string id, Func<UserDocument, bool> apply, CancellationToken _) => apply(app.Aggregates.GetOrAdd(id, i => UserDocument.Create(i, CompiledDefinitions.Default))));
        await app.ProcessAsync(Batch((1, Erase("poison"))));

        // A row that escaped the erasure (written by a racing attempt), with its user held again.
        await app.Parked.WriteAsync([row], default);
        var progress = await app.Progress.GetAsync("aggregator", Partition, default);
        progress.ParkedUsers["poison"] = 0;
        Assert.True(await app.Progress.TryReplaceAsync(progress, default));

        using (DurableRollupClient.Use(app.Entities.AsClient()))
        {
            var report = await app.Services.GetRequiredService<ParkedReplayer>().ReplayAsync("aggregator", default);
            Assert.Equal((0, 1), (report.Replayed, report.Erased));
        }
        Assert.False(app.Aggregates.ContainsKey("poison"));
        Assert.Empty(app.Parked.All);
    }

    [Fact]
    public async Task An_erasure_deletes_the_shadow_versions_documents_and_a_backfill_from_the_history_brings_nothing_back()
    {
        using var app = TestApp.WithImmediateRollups();
        var history = new List<RawMessage>
        {
            new(TestApp.Utf8(TestApp.Event("e1", "alice", "sword")), 0, Enqueued),
            new(TestApp.Utf8(TestApp.Event("e2", "bob", "sword")), 1, Enqueued),
            new(TestApp.Utf8(TestApp.Event("e3", "alice", "map")), 2, Enqueued),
        };
        await app.ProcessAsync(new PartitionBatch(Partition, history));
        await app.Services.GetRequiredService<DefinitionsStartupCheck>().RunAsync(default);
        var definitions = FeatureDefinitionsReader.ReadDefault();
        definitions.Version = 2;
        var registration = await app.Services.GetRequiredService<DefinitionsAdmin>().RegisterShadowAsync(definitions, default);
        var compiled = FeatureDefinitionsReader.Compile(registration.Parse());
        var target = new DefinitionsVersion(registration.Version, registration.Status, compiled, app.UserStores.For(registration.UsersContainer, compiled), registration.UsersContainer);
        app.Clock.Advance(TimeSpan.FromSeconds(10));
        var backfill = app.Services.GetRequiredService<HistoryBackfill>();
        await backfill.RunAsync(target, registration, new ListHistorySource(Partition, history), "aggregator", new BackfillSettings(2), null, default);
        var shadow = app.UserStores.Stores[registration.UsersContainer];
        Assert.True(shadow.Documents.ContainsKey("alice"));

        var erase = new RawMessage(TestApp.Utf8(Erase("alice")), 3, Enqueued);
        await app.ProcessAsync(new PartitionBatch(Partition, [erase]));
        Assert.False(shadow.Documents.ContainsKey("alice")); // the live processor deleted it in the shadow container too
        Assert.True(shadow.Documents.ContainsKey("bob"));
        Assert.Equal("deleted", app.ErasureLog.Records.Values.Single().Stores![registration.UsersContainer]);

        async Task<(RegisteredDefinitions Registration, DefinitionsVersion Target)> ShadowAsync(int version)
        {
            var definitions = FeatureDefinitionsReader.ReadDefault();
            definitions.Version = version;
            var registration = await app.Services.GetRequiredService<DefinitionsAdmin>().RegisterShadowAsync(definitions, default);
            var compiled = FeatureDefinitionsReader.Compile(registration.Parse());
            app.Clock.Advance(TimeSpan.FromSeconds(10));
            return (registration, new DefinitionsVersion(registration.Version, registration.Status, compiled, app.UserStores.For(registration.UsersContainer, compiled), registration.UsersContainer));
        }

        // A new version back-filled from the start of the history, which holds alice's events before her erasure.
        var (registration3, target3) = await ShadowAsync(3);
        var seen = new List<bool>();
        var store3 = app.UserStores.Stores[registration3.UsersContainer];
        await backfill.RunAsync(target3, registration3, new ListHistorySource(Partition, [.. history, erase]), "aggregator", new BackfillSettings(1),
            new SynchronousProgress(_ => seen.Add(store3.Documents.ContainsKey("alice"))), default);
        Assert.DoesNotContain(true, seen); // not even until the back-fill reached the erase message
        Assert.False(store3.Documents.ContainsKey("alice"));
        Assert.Equal(1, JsonDocument.Parse(store3.Documents["bob"]).RootElement.GetProperty("features").GetProperty("events").GetProperty("n").EnumerateArray().Sum(n => n.GetInt32()));

        // The same history compacted (the local event log without alice's records before her erasure): the back-fill
        // reads across the gaps in the sequence numbers.
        var (registration4, target4) = await ShadowAsync(4);
        await backfill.RunAsync(target4, registration4, new ListHistorySource(Partition, [history[1], erase]), "aggregator", new BackfillSettings(1), null, default);
        var store4 = app.UserStores.Stores[registration4.UsersContainer];
        Assert.False(store4.Documents.ContainsKey("alice"));
        Assert.Equal(1, JsonDocument.Parse(store4.Documents["bob"]).RootElement.GetProperty("features").GetProperty("events").GetProperty("n").EnumerateArray().Sum(n => n.GetInt32()));
    }

    [Fact]
    public async Task The_routes_request_an_erasure_in_the_users_partition_and_report_it_per_store()
    {
        using var app = TestApp.WithImmediateRollups();
        await app.ProcessAsync(Batch((0, TestApp.Event("e1", "alice", "sword"))));
        var api = app.Services.GetRequiredService<ErasureApi>();

        var accepted = await api.RequestAsync("alice", default);
        Assert.Equal(202, accepted.StatusCode);
        var erasureId = JsonDocument.Parse(accepted.Body).RootElement.GetProperty("erasureId").GetString()!;
        var requested = JsonDocument.Parse((await api.GetAsync(erasureId, default)).Body).RootElement;
        Assert.Equal(("requested", UserIdHash.Of("alice")), (requested.GetProperty("state").GetString(), requested.GetProperty("userIdHash").GetString()));

        Assert.True(app.ErasureSender.Sent.TryDequeue(out var sent));
        Assert.True(EraseControlMessage.TryRead(sent, out var request, out _));
        Assert.Equal(("alice", erasureId), (request!.UserId, request.ErasureId));
        await app.ProcessAsync(new PartitionBatch(Partition, [new RawMessage(sent, 1, Enqueued)]));

        var applied = await api.GetAsync(erasureId, default);
        Assert.Equal(200, applied.StatusCode);
        Assert.DoesNotContain("alice", applied.Body);
        var view = JsonDocument.Parse(applied.Body).RootElement;
        Assert.Equal(("applied", 1L, "deleted"), (view.GetProperty("state").GetString(), view.GetProperty("sequenceNumber").GetInt64(), view.GetProperty("stores").GetProperty("users").GetString()));
        Assert.Equal(404, (await app.Services.GetRequiredService<QueryApi>().GetProfileAsync("alice", default)).StatusCode);

        Assert.Equal(400, (await api.RequestAsync("..", default)).StatusCode);
        Assert.Equal(400, (await api.GetAsync("not-an-id", default)).StatusCode);
        Assert.Equal(404, (await api.GetAsync(new string('a', 32), default)).StatusCode);
    }

    [Fact]
    public void Only_a_body_that_starts_with_the_control_prefix_is_a_control_message()
    {
        var request = new EraseRequest("0123456789abcdef0123456789abcdef", "alice", TestApp.Now);
        Assert.True(EraseControlMessage.TryRead(EraseControlMessage.Encode(request), out var read, out _));
        Assert.Equal(request, read);

        // An event that carries the field is still an event (the field is ignored), wherever it is not first.
        var parsed = new BatchParser().Parse(Batch(
            (0, TestApp.Event("e1", "alice", "sword").TrimEnd('}') + ",\"$control\":\"erase\"}"),
            (1, """{"$control":"erase","userId":"bob"}"""),
            (2, """ {"$control":"erase","erasureId":"x","userId":"bob","requestedAt":"2026-11-27T13:30:00Z"}""")));
        Assert.Single(parsed.ByUser["alice"]);
        Assert.Empty(parsed.Erasures);
        Assert.Equal([1L, 2L], parsed.DeadLetters.Select(d => d.SequenceNumber)); // a malformed control message, and one not at the first byte
    }

    [Fact]
    public void Tombstones_expire_after_the_retention_and_release_an_older_hold()
    {
        var progress = PartitionProgress.Create("aggregator", Partition);
        progress.ParkedUsers["alice"] = 4;
        progress.RecordErasure("alice", 9, TestApp.Now.AddDays(-40));
        progress.RecordErasure("bob", 12, TestApp.Now);
        Assert.Empty(progress.ParkedUsers);
        progress.ForgetErasuresBefore(TestApp.Now.AddDays(-30));
        Assert.Null(progress.ErasedAt("alice"));
        Assert.Equal(12L, progress.ErasedAt("bob"));
    }

    [Fact]
    public async Task After_a_restore_the_erasure_log_deletes_the_user_again_by_its_hash_and_restores_the_tombstone()
    {
        using var app = TestApp.WithImmediateRollups();
        var live = app.UserStores.For("users", CompiledDefinitions.Default);
        app.Users.Setup(u => u.UpdateAsync(It.IsAny<string>(), It.IsAny<Func<UserDocument, bool>>(), It.IsAny<CancellationToken>()))
            .Returns((string id, Func<UserDocument, bool> apply, CancellationToken ct) => live.UpdateAsync(id, apply, ct));
        app.Users.Setup(u => u.DeleteAsync(It.IsAny<string>(), It.IsAny<CancellationToken>())).Returns((string id, CancellationToken ct) => live.DeleteAsync(id, ct));
        await app.ProcessAsync(Batch((0, TestApp.Event("e1", "alice", "sword")), (1, TestApp.Event("e2", "bob", "sword"))));
        var store = app.UserStores.Stores["users"];
        var before = (Alice: store.Documents["alice"], Progress: await app.Progress.GetAsync("aggregator", Partition, default));
        await app.ProcessAsync(Batch((2, Erase("alice"))));
        Assert.False(store.Documents.ContainsKey("alice"));

        // A point-in-time restore to before the erasure: the document and the progress come back, the log (Table storage) does not.
        store.Documents["alice"] = before.Alice;
        var restored = await app.Progress.GetAsync("aggregator", Partition, default);
        restored.Erased.Clear();
        restored.ParkedUsers["alice"] = 0;
        Assert.True(await app.Progress.TryReplaceAsync(restored, default));

        var reapplier = app.Services.GetRequiredService<ErasureReapplier>();
        var report = await reapplier.ReapplyAsync(TestApp.Now.AddMinutes(-1), "aggregator", default);
        Assert.Equal(new ReapplyReport(1, 1, 1, 2), report);
        Assert.False(store.Documents.ContainsKey("alice"));
        Assert.True(store.Documents.ContainsKey("bob"));
        var progress = Progress(app);
        Assert.Equal(2L, progress.ErasedAt("alice"));
        Assert.Empty(progress.ParkedUsers);
        Assert.Equal(new ReapplyReport(1, 0, 0, 1), await reapplier.ReapplyAsync(TestApp.Now.AddMinutes(-1), "aggregator", default)); // again: nothing more
        Assert.Equal(new ReapplyReport(0, 0, 0, 0), await reapplier.ReapplyAsync(TestApp.Now.AddMinutes(1), "aggregator", default)); // applied before the restore point
    }

    private sealed class SynchronousProgress(Action<BackfillProgress> report) : IProgress<BackfillProgress>
    {
        public void Report(BackfillProgress value) => report(value);
    }
}
