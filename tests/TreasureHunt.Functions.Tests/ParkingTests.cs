using System.Net;
using System.Text;
using Azure;
using Microsoft.Azure.Cosmos;
using Microsoft.Extensions.DependencyInjection;
using Moq;
using TreasureHunt.Core.Aggregation;
using TreasureHunt.Core.Events;
using TreasureHunt.Core.Features;
using TreasureHunt.Core.Parking;
using TreasureHunt.Core.Ports;
using TreasureHunt.Functions.Rollups;
using TreasureHunt.Functions.Tests.Fakes;
using TreasureHunt.Pipeline.Processing;
using TreasureHunt.Pipeline.Queries;

namespace TreasureHunt.Functions.Tests;

/// <summary>
/// Never lose, never stall: a store's permanent refusal parks the smallest unit (the user, the dead letter) and the
/// rest of the batch proceeds; a transient failure holds the partition; a replay applies parked messages exactly once.
/// The real pipeline over in-memory stores; refusals are the SDKs' own exception types.
/// </summary>
public sealed class ParkingTests
{
    private const string Partition = "3";
    private static readonly DateTimeOffset Enqueued = TestApp.Now;

    private static CosmosException TooLarge() => new("Request size is too large", HttpStatusCode.RequestEntityTooLarge, 0, "test", 0);

    private static CosmosException Throttled() => new("Request rate is large", HttpStatusCode.TooManyRequests, 3200, "test", 0);

    private static void RefuseUser(TestApp app, string userId, Func<Exception> error) =>
        app.Users.Setup(u => u.UpdateAsync(userId, It.IsAny<Func<UserDocument, bool>>(), It.IsAny<CancellationToken>())).ThrowsAsync(error());

    private static void AcceptUser(TestApp app, string userId) =>
        app.Users.Setup(u => u.UpdateAsync(userId, It.IsAny<Func<UserDocument, bool>>(), It.IsAny<CancellationToken>()))
            .ReturnsAsync((string id, Func<UserDocument, bool> apply, CancellationToken _) => apply(app.Aggregates.GetOrAdd(id, i => UserDocument.Create(i, CompiledDefinitions.Default))));

    private static PartitionBatch Batch(params (long Sequence, string Body)[] messages) => TestApp.Batch(Partition, messages);

    [Fact]
    public async Task A_refused_user_is_parked_whole_with_its_raw_messages_and_the_rest_of_the_batch_proceeds()
    {
        using var app = TestApp.WithImmediateRollups();
        RefuseUser(app, "poison", TooLarge);
        var poison1 = TestApp.Event("e2", "poison", "gem");
        var summary = await app.ProcessAsync(Batch((10, TestApp.Event("e1", "alice", "sword")), (11, poison1), (12, TestApp.Event("e3", "bob", "sword")), (13, TestApp.Event("e4", "poison", "map"))));

        Assert.Equal(2, summary.Parked);
        Assert.Equal(1, app.Aggregates["alice"].TotalEvents);
        Assert.Equal(1, app.Aggregates["bob"].TotalEvents);
        Assert.False(app.Aggregates.ContainsKey("poison"));
        var rows = app.Parked.All;
        Assert.Equal([11L, 13L], rows.Select(r => r.SequenceNumber));
        Assert.All(rows, r => Assert.Equal((ParkReason.DocumentRefused, "poison", Partition, ParkedStatus.Parked), (r.Reason, r.UserId, r.PartitionId, r.Status)));
        Assert.Equal(poison1, Encoding.UTF8.GetString(rows[0].Body.Span)); // the message exactly as delivered
        Assert.Contains("413", rows[0].Detail);

        var progress = app.Progress.Find("aggregator", Partition)!;
        Assert.Equal(13, progress.AppliedThrough); // the batch is done: nothing stalls
        Assert.Equal(11, progress.ParkedUsers["poison"]);
        var totals = await app.TotalsAsync();
        Assert.Equal((2L, 2L), (totals.Events, totals.Parked));
    }

    [Fact]
    public async Task A_second_replay_while_one_runs_is_answered_409_and_a_later_one_runs()
    {
        using var app = TestApp.WithImmediateRollups();
        RefuseUser(app, "poison", TooLarge);
        await app.ProcessAsync(Batch((0, TestApp.Event("e1", "poison", "gem"))));
        var entered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var updates = 0;
        app.Users.Setup(u => u.UpdateAsync("poison", It.IsAny<Func<UserDocument, bool>>(), It.IsAny<CancellationToken>()))
            .Returns(async (string id, Func<UserDocument, bool> apply, CancellationToken _) =>
            {
                if (Interlocked.Increment(ref updates) == 1) // only the first replay waits (a second one must not hang the test)
                {
                    entered.TrySetResult();
                    await release.Task;
                }
                return apply(app.Aggregates.GetOrAdd(id, i => UserDocument.Create(i, CompiledDefinitions.Default)));
            });
        var api = app.Services.GetRequiredService<ParkedApi>();
        using var rollups = DurableRollupClient.Use(app.Entities.AsClient());

        var first = api.ReplayAsync("aggregator", default);
        await entered.Task;
        var second = await api.ReplayAsync("aggregator", default);
        Assert.Equal(409, second.StatusCode);
        Assert.StartsWith("application/problem+json", second.ContentType);
        Assert.Contains("already running", second.Body);

        release.SetResult();
        Assert.Equal(200, (await first).StatusCode);
        Assert.Equal(1, app.Aggregates["poison"].TotalEvents);
        Assert.Equal(200, (await api.ReplayAsync("aggregator", default)).StatusCode); // the guard is released
    }

    [Fact]
    public async Task A_held_users_later_messages_are_parked_behind_the_first_without_touching_its_document()
    {
        using var app = TestApp.WithImmediateRollups();
        RefuseUser(app, "poison", TooLarge);
        await app.ProcessAsync(Batch((0, TestApp.Event("e1", "poison", "gem"))));
        AcceptUser(app, "poison"); // the cause is gone, but the user stays held until a replay: order is kept
        await app.ProcessAsync(Batch((1, TestApp.Event("e2", "poison", "map")), (2, TestApp.Event("e3", "alice", "map"))));

        Assert.False(app.Aggregates.ContainsKey("poison"));
        var held = Assert.Single(app.Parked.All, r => r.SequenceNumber == 1);
        Assert.Equal(ParkReason.UserHeld, held.Reason);
        Assert.Equal(0, app.Progress.Find("aggregator", Partition)!.ParkedUsers["poison"]);
        Assert.Equal((1L, 2L), ((await app.TotalsAsync()).Events, (await app.TotalsAsync()).Parked));
    }

    [Fact]
    public async Task A_replay_applies_the_parked_messages_in_order_exactly_once_and_releases_the_user()
    {
        using var app = TestApp.WithImmediateRollups();
        RefuseUser(app, "poison", TooLarge);
        await app.ProcessAsync(Batch((0, TestApp.Event("e1", "poison", "gem")), (1, TestApp.Event("e2", "alice", "gem"))));
        await app.ProcessAsync(Batch((2, TestApp.Event("e3", "poison", "map", "purchase"))));
        var stillRefused = await app.ReplayAsync();
        Assert.Single(stillRefused.StillRefused); // the cause is still there: nothing moves
        Assert.Equal(0, stillRefused.Replayed);

        AcceptUser(app, "poison");
        var report = await app.ReplayAsync();
        Assert.Equal((2, 1, 0), (report.Replayed, report.UsersReleased, report.StillRefused.Count));
        Assert.Equal(2, app.Aggregates["poison"].TotalEvents);
        Assert.Equal(2, app.Aggregates["poison"].Delivery.Watermarks[Partition]);
        Assert.Empty(app.Progress.Find("aggregator", Partition)!.ParkedUsers);
        Assert.All(app.Parked.All, r => Assert.Equal(ParkedStatus.Replayed, r.Status));
        var totals = await app.TotalsAsync();
        Assert.Equal((3L, 0L, 1L), (totals.Events, totals.Parked, totals.ByType[(int)EventType.Purchase]));

        var again = await app.ReplayAsync(); // nothing left: a second run changes nothing
        Assert.Equal((0, 0), (again.Replayed, again.UsersReleased));
        await app.ProcessAsync(Batch((3, TestApp.Event("e4", "poison", "map")))); // released: applied normally now
        Assert.Equal(3, app.Aggregates["poison"].TotalEvents);
        Assert.Equal(4L, (await app.TotalsAsync()).Events);
    }

    [Fact]
    public async Task A_replay_that_dies_before_marking_its_rows_counts_nothing_twice_when_run_again()
    {
        using var app = TestApp.WithImmediateRollups();
        RefuseUser(app, "poison", TooLarge);
        await app.ProcessAsync(Batch((0, TestApp.Event("e1", "poison", "gem")), (1, TestApp.Event("e2", "poison", "gem"))));
        AcceptUser(app, "poison");

        // The replay applies the user and sends the rollups, then dies before its rows are marked replayed.
        var failing = new FailingResolveStore(app.Parked);
        using (DurableRollupClient.Use(app.Entities.AsClient()))
        {
            var replayer = ActivatorUtilities.CreateInstance<ParkedReplayer>(app.Services, (IParkedStore)failing);
            await Assert.ThrowsAsync<IOException>(() => replayer.ReplayAsync("aggregator", default));
        }
        var report = await app.ReplayAsync();

        Assert.Equal(2, report.Replayed);
        Assert.Equal(2, app.Aggregates["poison"].TotalEvents);
        var totals = await app.TotalsAsync();
        Assert.Equal((2L, 0L), (totals.Events, totals.Parked)); // the entities ignored the re-sent ranges
    }

    [Fact]
    public async Task A_row_parked_by_an_attempt_that_never_committed_is_superseded_not_replayed()
    {
        using var app = TestApp.WithImmediateRollups();
        // An attempt parked message 0 and died before its progress write; the redelivery applied it normally.
        await app.Parked.WriteAsync([new ParkedMessage(Partition, 0, Enqueued, "alice", ParkReason.DocumentRefused, "413",
            Encoding.UTF8.GetBytes(TestApp.Event("e1", "alice", "gem")), Enqueued)], default);
        await app.ProcessAsync(Batch((0, TestApp.Event("e1", "alice", "gem"))));

        var report = await app.ReplayAsync();

        Assert.Equal((0, 1), (report.Replayed, report.Superseded));
        Assert.Equal(1, app.Aggregates["alice"].TotalEvents);
        Assert.Equal(1L, (await app.TotalsAsync()).Events);
        Assert.Equal(ParkedStatus.Superseded, Assert.Single(app.Parked.All).Status);
    }

    [Fact]
    public async Task A_transient_failure_holds_the_partition_retries_without_parking_and_reports_the_hold()
    {
        using var app = TestApp.WithImmediateRollups();
        RefuseUser(app, "alice", Throttled);
        var batch = Batch((0, TestApp.Event("e1", "alice", "gem")), (1, TestApp.Event("e2", "bob", "gem")));
        var holds = app.Services.GetRequiredService<PartitionHolds>();

        await Assert.ThrowsAsync<CosmosException>(() => app.ProcessAsync(batch));
        app.Clock.Advance(TimeSpan.FromSeconds(30));
        await Assert.ThrowsAsync<CosmosException>(() => app.ProcessAsync(batch));

        var held = Assert.Single(holds.Current());
        Assert.Equal((Partition, 0L, 2, 30.0), (held.PartitionId, held.FirstSequenceNumber, held.Attempts, held.HeldSeconds));
        Assert.Contains("Request rate is large", held.LastError);
        Assert.Empty(app.Parked.All);
        Assert.Null(app.Progress.Find("aggregator", Partition)); // nothing checkpointed past the batch

        AcceptUser(app, "alice");
        app.Clock.Advance(TimeSpan.FromSeconds(5));
        await app.ProcessAsync(batch);
        Assert.Empty(holds.Current());
        Assert.Equal((2L, 35.0), (holds.Totals().Retries, holds.Totals().LongestHoldSeconds));
        Assert.Equal(1, app.Aggregates["alice"].TotalEvents);
    }

    [Fact]
    public async Task An_unknown_error_holds_the_partition_rather_than_parking()
    {
        using var app = TestApp.WithImmediateRollups();
        RefuseUser(app, "alice", () => new CosmosException("Unauthorized", HttpStatusCode.Unauthorized, 0, "test", 0));
        await Assert.ThrowsAsync<CosmosException>(() => app.ProcessAsync(Batch((0, TestApp.Event("e1", "alice", "gem")))));
        Assert.Empty(app.Parked.All);
        Assert.Single(app.Services.GetRequiredService<PartitionHolds>().Current());
    }

    [Fact]
    public async Task A_document_id_the_store_cannot_address_parks_that_user_instead_of_holding_the_partition()
    {
        using var app = TestApp.WithImmediateRollups();
        RefuseUser(app, "poison", () => new Storage.Cosmos.DocumentIdRefusedException("a document id may not be '..'"));
        AcceptUser(app, "alice");
        var summary = await app.ProcessAsync(Batch((0, TestApp.Event("e1", "poison", "gem")), (1, TestApp.Event("e2", "alice", "gem"))));

        Assert.Equal((1, 1), (summary.Applied, summary.Parked));
        var row = Assert.Single(app.Parked.All);
        Assert.Equal((ParkReason.DocumentRefused, "poison"), (row.Reason, row.UserId));
        Assert.Contains("document id", row.Detail, StringComparison.Ordinal);
        Assert.Empty(app.Services.GetRequiredService<PartitionHolds>().Current());
    }

    [Fact]
    public async Task Dead_letters_refused_together_are_written_one_by_one_and_only_the_refused_one_is_parked_then_replayed()
    {
        using var app = TestApp.WithImmediateRollups();
        var refuseSeq = 2L;
        app.DeadLetters.Setup(d => d.WriteAsync(It.IsAny<IReadOnlyList<DeadLetter>>(), It.IsAny<CancellationToken>()))
            .Returns((IReadOnlyList<DeadLetter> rows, CancellationToken _) =>
            {
                if (rows.Count > 1) throw new RequestFailedException(413, "The request body is too large", "RequestBodyTooLarge", null);
                if (rows[0].SequenceNumber == refuseSeq) throw new RequestFailedException(400, "The entity is too large", "EntityTooLarge", null);
                app.DeadLettersWritten.AddRange(rows);
                return Task.CompletedTask;
            });
        await app.ProcessAsync(Batch((0, "{bad"), (1, "[]"), (2, "{bad too"), (3, TestApp.Event("e1", "alice", "gem"))));

        Assert.Equal([0L, 1L], app.DeadLettersWritten.Select(d => d.SequenceNumber));
        var parked = Assert.Single(app.Parked.All);
        Assert.Equal((ParkReason.DeadLetterRefused, 2L, (string?)null), (parked.Reason, parked.SequenceNumber, parked.UserId));
        Assert.Equal([2L], app.Progress.Find("aggregator", Partition)!.ParkedDeadLetters);
        var totals = await app.TotalsAsync();
        Assert.Equal((1L, 2L, 1L), (totals.Events, totals.DeadLettered, totals.Parked));

        refuseSeq = -1; // the cause is fixed
        var report = await app.ReplayAsync();
        Assert.Equal(1, report.Replayed);
        Assert.Equal([0L, 1L, 2L], app.DeadLettersWritten.Select(d => d.SequenceNumber));
        Assert.Empty(app.Progress.Find("aggregator", Partition)!.ParkedDeadLetters);
        totals = await app.TotalsAsync();
        Assert.Equal((1L, 3L, 0L), (totals.Events, totals.DeadLettered, totals.Parked));
    }

    [Fact]
    public async Task A_sequence_gap_is_recorded_as_parked_before_the_progress_moves_over_it()
    {
        using var app = TestApp.WithImmediateRollups();
        await app.ProcessAsync(Batch((0, TestApp.Event("e1", "alice", "gem"))));
        await app.ProcessAsync(Batch((5, TestApp.Event("e2", "alice", "gem"))));

        var gap = Assert.Single(app.Parked.All);
        Assert.Equal((ParkReason.SequenceGap, 1L, 4L), (gap.Reason, gap.SequenceNumber, gap.ThroughSequenceNumber));
        var progress = app.Progress.Find("aggregator", Partition)!;
        Assert.Equal(5, progress.AppliedThrough);
        Assert.Equal((1L, 4L), (progress.LastParkedGap!.From, progress.LastParkedGap.To));
        Assert.Equal(1, (await app.ReplayAsync()).GapsNotReplayable);
    }

    /// <summary>A parked store whose first ResolveAsync fails (the replay dies before marking its rows).</summary>
    private sealed class FailingResolveStore(InMemoryParkedStore inner) : IParkedStore
    {
        private int _failures = 1;

        public Task WriteAsync(IReadOnlyList<ParkedMessage> messages, CancellationToken cancellationToken) => inner.WriteAsync(messages, cancellationToken);

        public Task<IReadOnlyList<ParkedMessage>> ListAsync(string? partitionId, bool onlyParked, int top, CancellationToken cancellationToken) =>
            inner.ListAsync(partitionId, onlyParked, top, cancellationToken);

        public Task<IReadOnlyList<ParkedMessage>> ListForUserAsync(string partitionId, string userId, CancellationToken cancellationToken) =>
            inner.ListForUserAsync(partitionId, userId, cancellationToken);

        public Task<int> CountParkedAsync(int upTo, CancellationToken cancellationToken) => inner.CountParkedAsync(upTo, cancellationToken);

        public Task<int> DeleteForUserAsync(string partitionId, string userId, CancellationToken cancellationToken) =>
            inner.DeleteForUserAsync(partitionId, userId, cancellationToken);

        public Task<IReadOnlyDictionary<string, int>> DeleteErasedAsync(string partitionId, IReadOnlyCollection<Core.Erasure.PendingErasureCleanup> erasures, CancellationToken cancellationToken) =>
            inner.DeleteErasedAsync(partitionId, erasures, cancellationToken);

        public Task ResolveAsync(IReadOnlyList<ParkedMessage> messages, ParkedStatus status, DateTimeOffset at, CancellationToken cancellationToken) =>
            Interlocked.Decrement(ref _failures) >= 0 ? throw new IOException("died before marking") : inner.ResolveAsync(messages, status, at, cancellationToken);
    }
}
