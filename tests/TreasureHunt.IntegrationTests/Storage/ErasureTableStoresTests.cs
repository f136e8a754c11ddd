using Azure.Data.Tables;
using TreasureHunt.Core.Erasure;
using TreasureHunt.Core.Parking;
using TreasureHunt.Storage.Tables;
using TreasureHunt.Testing;

namespace TreasureHunt.IntegrationTests.Storage;

/// <summary>What an erasure does in Table storage, against Azurite: the erasure log round-trips and lists by time; a user's parked rows are deleted whatever their status, and only that user's of that partition.</summary>
[Collection(EmulatorFixture.CollectionName)]
public sealed class ErasureTableStoresTests(EmulatorFixture emulators) : IAsyncLifetime
{
    private static readonly DateTimeOffset At = new(2026, 12, 1, 10, 0, 0, TimeSpan.Zero);
    private readonly TableServiceClient _service = emulators.CreateTableServiceClient();
    private readonly List<string> _tables = [];

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var name in _tables) await _service.DeleteTableAsync(name);
    }

    private async Task<TableClient> NewTableAsync(string prefix)
    {
        var name = EmulatorFixture.UniqueName(prefix);
        await _service.CreateTableIfNotExistsAsync(name);
        _tables.Add(name);
        return _service.GetTableClient(name);
    }

    [Fact]
    public async Task The_erasure_log_round_trips_and_lists_what_was_applied_since_a_time()
    {
        var log = new TableErasureLog(await NewTableAsync("erasures"));
        var requested = new ErasureRecord(new string('a', 32), UserIdHash.Of("u-1"), At, ErasureState.Requested);
        var applied = new ErasureRecord(new string('b', 32), UserIdHash.Of("u-2"), At, ErasureState.Applied, "3", 4711, At.AddMinutes(5),
            new Dictionary<string, string> { ["users"] = "deleted", ["parked"] = "2 rows deleted" }, ParkedCounted: 2);
        await log.WriteAsync(requested, default);
        await log.WriteAsync(applied, default);

        var read = await log.GetAsync(applied.ErasureId, default);
        Assert.NotNull(read);
        Assert.Equal((applied.UserIdHash, ErasureState.Applied, "3", 4711L, At.AddMinutes(5), 2), (read.UserIdHash, read.State, read.PartitionId, read.SequenceNumber, read.AppliedAt, read.ParkedCounted));
        Assert.Equal(applied.Stores, read.Stores);
        Assert.Equal(ErasureState.Requested, (await log.GetAsync(requested.ErasureId, default))!.State);
        Assert.Null(await log.GetAsync(new string('c', 32), default));
        Assert.Equal([applied.ErasureId], (await log.ListAppliedSinceAsync(At, default)).Select(r => r.ErasureId));
        Assert.Empty(await log.ListAppliedSinceAsync(At.AddMinutes(6), default));
    }

    [Fact]
    public async Task The_erasure_log_writes_a_batchs_rows_in_transactions_and_reads_many_ids_at_once()
    {
        var log = new TableErasureLog(await NewTableAsync("erasures"));
        var records = Enumerable.Range(0, 130).Select(i => new ErasureRecord($"{i:x32}", UserIdHash.Of($"u-{i}"), At, ErasureState.Applied, "1", 100 + i, At.AddSeconds(i),
            new Dictionary<string, string> { ["users"] = "deleted" }, ParkedCounted: i % 3)).ToList();
        await log.WriteManyAsync(records, default); // two transactions: 100 and 30

        var wanted = records.Where((_, i) => i % 4 == 0).Select(r => r.ErasureId).Append(new string('f', 32)).ToList(); // 33 known (3 queries), 1 unknown
        var read = await log.GetManyAsync(wanted, default);

        Assert.Equal(33, read.Count);
        Assert.All(records.Where((_, i) => i % 4 == 0), r =>
        {
            var got = read[r.ErasureId];
            Assert.Equal((r.UserIdHash, r.SequenceNumber, r.AppliedAt, r.ParkedCounted), (got.UserIdHash, got.SequenceNumber, got.AppliedAt, got.ParkedCounted));
            Assert.Equal(r.Stores, got.Stores);
        });
        Assert.Equal(130, (await log.ListAppliedSinceAsync(At, default)).Count);
        Assert.Empty(await log.GetManyAsync([], default));
    }

    [Fact]
    public async Task Deleting_a_users_parked_rows_deletes_all_of_its_rows_of_the_partition_and_nothing_else()
    {
        var store = new TableParkedStore(await NewTableAsync("parked"));
        ParkedMessage Row(string partition, long seq, string? user) =>
            new(partition, seq, At, user, user is null ? ParkReason.DeadLetterRefused : ParkReason.UserHeld, "test", new byte[] { 1, 2, 3 }, At);
        var rows = Enumerable.Range(0, 120).Select(i => Row("1", i, "u-1")).Concat([Row("1", 500, "u-2"), Row("1", 501, null), Row("2", 7, "u-1")]).ToList();
        await store.WriteAsync(rows, default);
        await store.ResolveAsync([rows[0]], ParkedStatus.Replayed, At, default); // a replayed row holds the body too

        Assert.Equal(120, await store.DeleteForUserAsync("1", "u-1", default)); // more than one transaction
        var left = await store.ListAsync(null, onlyParked: false, 1000, default);
        Assert.Equal([("1", 500L), ("1", 501L), ("2", 7L)], left.Select(r => (r.PartitionId, r.SequenceNumber)).OrderBy(r => r.PartitionId).ThenBy(r => r.SequenceNumber));
        Assert.Equal(0, await store.DeleteForUserAsync("1", "u-1", default)); // again: nothing
    }

    [Fact]
    public async Task The_cleanup_deletes_the_erased_users_rows_before_its_erasure_in_one_partition_and_nothing_else()
    {
        var store = new TableParkedStore(await NewTableAsync("parked"));
        ParkedMessage Row(string partition, long seq, string? user) =>
            new(partition, seq, At, user, user is null ? ParkReason.DeadLetterRefused : ParkReason.UserHeld, "test", new byte[] { 1, 2, 3 }, At);
        var rows = Enumerable.Range(0, 120).Select(i => Row("1", i, "u-1"))
            .Concat([Row("1", 150, "u-1"), Row("1", 160, "u-3"), Row("1", 500, "u-2"), Row("1", 501, null), Row("2", 7, "u-1")]).ToList();
        await store.WriteAsync(rows, default);
        await store.ResolveAsync([rows[0]], ParkedStatus.Replayed, At, default); // a replayed row holds the body too
        var erasures = new[]
        {
            new PendingErasureCleanup { ErasureId = "e1", UserIdHash = UserIdHash.Of("u-1"), SequenceNumber = 130, EnqueuedTime = At },
            new PendingErasureCleanup { ErasureId = "e3", UserIdHash = UserIdHash.Of("u-3"), SequenceNumber = 161, EnqueuedTime = At },
            new PendingErasureCleanup { ErasureId = "e4", UserIdHash = UserIdHash.Of("u-4"), SequenceNumber = 170, EnqueuedTime = At },
        };

        var deleted = await store.DeleteErasedAsync("1", erasures, default); // more than one transaction
        Assert.Equal((120, 1, 0), (deleted["e1"], deleted["e3"], deleted["e4"]));
        var left = await store.ListAsync(null, onlyParked: false, 1000, default);
        // u-1's row after its erasure is its new profile's; partition 2 is not this erasure's.
        Assert.Equal([("1", 150L), ("1", 500L), ("1", 501L), ("2", 7L)], left.Select(r => (r.PartitionId, r.SequenceNumber)).OrderBy(r => r.PartitionId).ThenBy(r => r.SequenceNumber));
        Assert.All((await store.DeleteErasedAsync("1", erasures, default)).Values, n => Assert.Equal(0, n)); // again: nothing
    }
}
