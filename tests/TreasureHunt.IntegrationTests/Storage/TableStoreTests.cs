using Azure.Data.Tables;
using TreasureHunt.Core.Costs;
using TreasureHunt.Core.Events;
using TreasureHunt.Core.Parking;
using TreasureHunt.Storage.Tables;
using TreasureHunt.Testing;

namespace TreasureHunt.IntegrationTests.Storage;

/// <summary>The Azure Table stores against Azurite: cost ledger, dead letters, checkpoints.</summary>
[Collection(EmulatorFixture.CollectionName)]
public sealed class TableStoreTests(EmulatorFixture emulators) : IAsyncLifetime
{
    private static readonly DateTimeOffset Day = new(2026, 3, 2, 0, 0, 0, TimeSpan.Zero);
    private readonly TableServiceClient _service = emulators.CreateTableServiceClient();
    private readonly List<string> _tables = [];

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var name in _tables)
        {
            await _service.DeleteTableAsync(name);
        }
    }

    [Fact]
    public async Task The_cost_ledger_round_trips_and_range_queries_by_hour()
    {
        var table = await NewTableAsync("costledger");
        var ledger = new TableCostLedger(table);
        var records = new List<CostRecord>();
        for (var hour = 10; hour <= 14; hour++)
        {
            foreach (var minute in new[] { 0, 5, 30, 59 })
            {
                records.Add(Cost($"h{hour}-m{minute}", Day.AddHours(hour).AddMinutes(minute).AddMilliseconds(250)));
            }
        }
        // More than one transaction's worth (100) in one hour partition.
        records.AddRange(Enumerable.Range(0, 230).Select(i => Cost($"bulk-{i:D3}", Day.AddHours(12).AddSeconds(7 + i * 15))));
        records.Add(Cost("exactly-13", Day.AddHours(13)));

        InvocationUsage usage;
        using (InvocationUsage.Begin(out usage))
        {
            await ledger.WriteAsync(records, default);
        }
        Assert.Equal(records.Count, usage.TableOperations);
        Assert.Equal(records.Count, await CountRowsAsync(table));

        // Every field round-trips; a query over [from, to) crosses hour partitions and cuts inside them.
        Assert.Equal(Sorted(records), Sorted(await ledger.QueryAsync(Day, Day.AddDays(1), default)));
        var from = Day.AddHours(11).AddMinutes(30);
        var to = Day.AddHours(13);
        var expected = records.Where(r => r.Start >= from && r.Start < to).ToList();
        Assert.Equal(2 + 4 + 230, expected.Count);
        Assert.Equal(Sorted(expected), Sorted(await ledger.QueryAsync(from, to, default)));
        Assert.Empty(await ledger.QueryAsync(Day.AddHours(15), Day.AddHours(16), default));

        // Rows are partitioned by start hour and a bucket of the invocation id (yyyyMMddHH-bb), row key = invocation id.
        var row = Assert.Single(table.Query<TableEntity>(e => e.RowKey == "h12-m30"));
        Assert.Equal(TableCostLedger.PartitionKeyOf(records.Single(r => r.InvocationId == "h12-m30")), row.PartitionKey);
        Assert.StartsWith("2026030212-", row.PartitionKey);
        // The bulk hour is spread over many partitions, each far below ~2,000 entities/s.
        Assert.True(table.Query<TableEntity>(e => e.RowKey.CompareTo("bulk-") > 0 && e.RowKey.CompareTo("bulk-~") < 0).Select(e => e.PartitionKey).Distinct().Count() > 8);

        // Writing an invocation again (a retried flush) replaces its row.
        var rewritten = records[0] with { DurationMs = 99, Succeeded = false };
        await ledger.WriteAsync([rewritten], default);
        Assert.Equal(records.Count, await CountRowsAsync(table));
        Assert.Equal(rewritten, Assert.Single(await ledger.QueryAsync(rewritten.Start, rewritten.Start.AddMilliseconds(1), default)));
    }

    [Fact]
    public async Task Dead_letters_round_trip_newest_first_with_a_limit_and_are_written_once()
    {
        var table = await NewTableAsync("deadletters");
        var store = new TableDeadLetterStore(table);
        var letters = new List<DeadLetter>();
        var reasons = Enum.GetValues<DeadLetterReason>();
        for (var hour = 10; hour <= 14; hour++)
        {
            for (var i = 0; i < 6; i++)
            {
                var n = letters.Count;
                letters.Add(Letter(reasons[n % reasons.Length], partition: (n % 4).ToString(), seq: 1000 + n, Day.AddHours(hour).AddMinutes(i * 9).AddMilliseconds(n)));
            }
        }
        // Two messages enqueued at the same instant (ordered by partition, then sequence number) ...
        letters.Add(Letter(DeadLetterReason.BadId, "1", 5000, Day.AddHours(11).AddMinutes(20)));
        letters.Add(Letter(DeadLetterReason.BadId, "0", 5001, Day.AddHours(11).AddMinutes(20)));
        // ... a truncated 8 KB payload with non-ASCII text, and 230 in one hour partition (several transactions).
        letters.Add(new DeadLetter(DeadLetterReason.TooLarge, "message is 300000 bytes", "2", 7000, Day.AddHours(12).AddMinutes(1),
            string.Concat(Enumerable.Repeat("trésor-🗝-", 700))[..4000], PayloadTruncated: true));
        letters.AddRange(Enumerable.Range(0, 230).Select(i => Letter(DeadLetterReason.NotJson, "3", 10_000 + i, Day.AddHours(12).AddSeconds(3 + i * 13))));

        await store.WriteAsync(letters, default);
        Assert.Equal(letters.Count, await CountRowsAsync(table));

        // A dead letter written twice (a redelivered batch) is one row.
        await store.WriteAsync(letters.Take(40).ToList(), default);
        await store.WriteAsync(letters, default);
        Assert.Equal(letters.Count, await CountRowsAsync(table));

        var newestFirst = letters.OrderByDescending(d => d.EnqueuedTime).ThenBy(d => d.PartitionId, StringComparer.Ordinal).ThenBy(d => d.SequenceNumber).ToList();
        Assert.Equal(newestFirst, await store.QueryAsync(Day, Day.AddDays(1), 10_000, default));

        var from = Day.AddHours(11).AddMinutes(20);
        var to = Day.AddHours(13).AddMinutes(30);
        var inRange = newestFirst.Where(d => d.EnqueuedTime >= from && d.EnqueuedTime < to).ToList();
        Assert.Equal(inRange, await store.QueryAsync(from, to, 10_000, default));
        Assert.Equal(inRange.Take(7), await store.QueryAsync(from, to, 7, default));
        Assert.Equal(inRange.Take(150), await store.QueryAsync(from, to, 150, default));
        Assert.Empty(await store.QueryAsync(Day.AddDays(1), Day.AddDays(2), 10, default));

        // PartitionKey = bucket of the source partition + (9999999999 - yyyyMMddHH): the newest hour sorts first.
        var row = Assert.Single(table.Query<TableEntity>(e => e.PartitionKey == "02-7973969787"), e => e.GetInt64("SequenceNumber") == 7000);
        Assert.Equal("too_large", row.GetString("Reason"));
    }

    [Fact]
    public async Task An_erasure_deletes_the_dead_letters_naming_the_user_through_the_index_and_retention_drops_the_index()
    {
        var table = await NewTableAsync("deadletters");
        var store = new TableDeadLetterStore(table);
        DeadLetter Of(string user, string partition, long seq, DateTimeOffset enqueued) =>
            new(DeadLetterReason.MissingField, "no itemId", partition, seq, enqueued, $$"""{"eventId":"e{{seq}}","userId":"{{user}}"}""", PayloadTruncated: false);
        var erasedAt = Day.AddHours(12);
        DeadLetter[] letters =
        [
            Of("alice", "3", 10, Day.AddHours(10)),             // before the erasure, its partition
            Of("alice", "3", 11, Day.AddHours(11)),
            Of("alice", "5", 900, Day.AddHours(11).AddMinutes(30)), // another partition, enqueued before it
            Of("alice", "3", 13, erasedAt.AddMinutes(1)),        // after it: the new profile's
            Of("alice", "5", 901, erasedAt.AddMinutes(2)),
            Of("bob", "3", 12, Day.AddHours(11)),
            Letter(DeadLetterReason.NotJson, "3", 14, Day.AddHours(11)), // names nobody: no index row
        ];
        await store.WriteAsync(letters, default);
        await store.WriteAsync(letters, default); // rewritten by a redelivery: still one index row each
        // One index row per letter with a user id, in its own partition keyed by the id's hash (never the id).
        var index = table.Query<TableEntity>(e => e.PartitionKey.CompareTo("user-") >= 0 && e.PartitionKey.CompareTo("user.") < 0).ToList();
        Assert.Equal(6, index.Count);
        Assert.Equal(5, index.Count(e => e.PartitionKey == "user-" + TreasureHunt.Core.Erasure.UserIdHash.Of("alice")));
        Assert.DoesNotContain(index, e => e.PartitionKey.Contains("alice", StringComparison.Ordinal) || e.RowKey.Contains("alice", StringComparison.Ordinal));
        Assert.Equal(letters.OrderByDescending(d => d.EnqueuedTime).ThenBy(d => d.PartitionId, StringComparer.Ordinal).ThenBy(d => d.SequenceNumber),
            await store.QueryAsync(Day, Day.AddDays(1), 100, default)); // the index never shows up as a dead letter

        var hash = TreasureHunt.Core.Erasure.UserIdHash.Of("alice");
        Assert.Equal(3, await store.DeleteForUserAsync(hash, "3", 12, erasedAt, default));
        Assert.Equal(0, await store.DeleteForUserAsync(hash, "3", 12, erasedAt, default)); // applied again: nothing left

        var left = await store.QueryAsync(Day, Day.AddDays(1), 100, default);
        Assert.Equal([12L, 13L, 14L, 901L], left.Select(d => d.SequenceNumber).Order());
        Assert.Equal(3, table.Query<TableEntity>(e => e.PartitionKey.CompareTo("user-") >= 0 && e.PartitionKey.CompareTo("user.") < 0).Count());

        // Retention deletes the old hours' letters and their index rows; the newer ones keep theirs.
        await store.DeleteOlderThanAsync(erasedAt, default);
        Assert.Equal([13L, 901L], (await store.QueryAsync(Day, Day.AddDays(1), 100, default)).Select(d => d.SequenceNumber).Order());
        Assert.Equal(2, table.Query<TableEntity>(e => e.PartitionKey.CompareTo("user-") >= 0 && e.PartitionKey.CompareTo("user.") < 0).Count());
    }

    [Fact]
    public async Task The_cost_query_reads_pre_aggregated_rows_and_equals_the_invocations_it_sums()
    {
        var table = await NewTableAsync("costledger");
        var ledger = new TableCostLedger(table);
        // 3 days of invocations, every 7 minutes 13 seconds, two functions; written as the ledger buffer writes them.
        var records = Enumerable.Range(0, 600).Select(i => Cost($"inv-{i}", Day.AddSeconds(i * 433))).ToList();
        await ledger.WriteAsync(records, default);
        foreach (var period in new[] { CostPeriods.Minute, CostPeriods.Hour })
        {
            var totals = records.GroupBy(r => (Start: CostPeriods.Floor(r.Start, period), r.Function, r.Trigger))
                .Select(g => g.Skip(1).Aggregate(CostTotal.From(g.First()) with { Start = g.Key.Start }, (t, r) => t.Add(r)))
                .ToList();
            await ledger.WriteTotalsAsync("writer-a", period, totals, default);
        }

        foreach (var (from, to) in new[]
        {
            (Day, Day.AddDays(3)),                                                      // whole hours only
            (Day.AddHours(5).AddMinutes(17).AddSeconds(3), Day.AddDays(2).AddMinutes(41).AddSeconds(59)), // hours, minutes, partial minutes
            (Day.AddHours(7).AddMinutes(2), Day.AddHours(7).AddMinutes(55)),            // minutes only
            (Day.AddHours(7).AddMinutes(13).AddSeconds(10), Day.AddHours(7).AddMinutes(13).AddSeconds(50)),
        })
        {
            var expected = CostSummarizer.Summarize(records, from, to, CostGrouping.Function);
            var actual = CostSummarizer.Summarize(await ledger.QueryTotalsAsync(from, to, default), from, to, CostGrouping.Function);
            Assert.Equal((expected.Invocations, expected.Events, expected.Ru), (actual.Invocations, actual.Events, actual.Ru));
            Assert.Equal((double)expected.Usd.Total, (double)actual.Usd.Total, 12);
            Assert.Equal(expected.Groups.Select(g => (g.Key, g.Invocations, g.Events)), actual.Groups.Select(g => (g.Key, g.Invocations, g.Events)));
        }

        // A 3-day query reads the hour rows only: one per hour and function, not 600 invocation rows.
        var hourRows = records.Where(r => r.Start < Day.AddDays(3)).Select(r => (CostPeriods.Floor(r.Start, CostPeriods.Hour), r.Function)).Distinct().Count();
        Assert.InRange(hourRows, 73, 144);
        Assert.Equal(hourRows, (await ledger.QueryTotalsAsync(Day, Day.AddDays(3), default)).Count);
        // Writing a writer's totals again replaces them: no double count.
        await ledger.WriteTotalsAsync("writer-a", CostPeriods.Hour, [CostTotal.From(records[0]) with { Start = Day }], default);
        var hour0 = await ledger.QueryTotalsAsync(Day, Day.AddHours(1), default);
        Assert.Equal(1 + records.Count(r => r.Start < Day.AddHours(1) && r.Function != records[0].Function), hour0.Sum(t => t.Invocations));
    }

    [Fact]
    public async Task Feature_costs_are_read_from_the_pre_aggregated_rows_and_equal_the_invocations_they_sum()
    {
        var table = await NewTableAsync("costledger");
        var ledger = new TableCostLedger(table);
        var records = Enumerable.Range(0, 300).Select(i => Cost($"inv-{i}", Day.AddSeconds(i * 433)) with
        {
            Features = new Dictionary<string, FeatureCost> { ["events"] = new(1, 200 + i, 3.5), ["value"] = new(1, 40, 0.5) },
        }).ToList();
        await ledger.WriteAsync(records, default);
        foreach (var period in new[] { CostPeriods.Minute, CostPeriods.Hour })
        {
            var totals = records.GroupBy(r => (Start: CostPeriods.Floor(r.Start, period), r.Function, r.Trigger))
                .Select(g => g.Skip(1).Aggregate(CostTotal.From(g.First()) with { Start = g.Key.Start }, (t, r) => t.Add(r)))
                .ToList();
            await ledger.WriteTotalsAsync("writer-a", period, totals, default);
        }
        var (from, to) = (Day.AddHours(2).AddMinutes(17).AddSeconds(3), Day.AddHours(30).AddMinutes(5));

        var expected = CostSummarizer.ByFeature(records.Where(r => r.Start >= from && r.Start < to).Select(CostTotal.From));
        var actual = CostSummarizer.ByFeature(await ledger.QueryTotalsAsync(from, to, default));

        Assert.Equal(["events", "value"], actual.Select(f => f.Feature));
        Assert.Equal(expected.Select(f => (f.Feature, f.Writes, f.Bytes)), actual.Select(f => (f.Feature, f.Writes, f.Bytes)));
        Assert.Equal(expected.Select(f => Math.Round(f.Ru, 3)), actual.Select(f => Math.Round(f.Ru, 3)));
        Assert.Equal(expected.Select(f => (double)f.CosmosUsd), actual.Select(f => (double)f.CosmosUsd), new DoubleTolerance(1e-12));
    }

    [Fact]
    public async Task Counting_parked_rows_reads_their_keys_not_their_bodies()
    {
        var name = (await NewTableAsync("parked")).Name;
        var received = new ResponseBytes();
        var options = new TableClientOptions();
        options.AddPolicy(received, Azure.Core.HttpPipelinePosition.PerCall);
        var store = new TableParkedStore(new TableServiceClient(emulators.StorageConnectionString, options).GetTableClient(name));
        var parked = Enumerable.Range(0, 60).Select(i => new ParkedMessage(
            (i % 3).ToString(System.Globalization.CultureInfo.InvariantCulture), i, Day, "poison", ParkReason.UserHeld, "held", new byte[60_000], Day)).ToList();
        await store.WriteAsync(parked, default);
        await store.ResolveAsync(parked.Take(10).ToList(), ParkedStatus.Replayed, Day, default);

        received.Total = 0;
        Assert.Equal(50, await store.CountParkedAsync(1000, default));
        Assert.Equal(20, await store.CountParkedAsync(20, default));

        // 50 rows of 60 KB bodies: listing them moves ~4 MB (base64); counting them moves their keys only.
        Assert.InRange(received.Total, 1, 50 * 1024);
    }

    private sealed class ResponseBytes : Azure.Core.Pipeline.HttpPipelineSynchronousPolicy
    {
        public long Total;

        public override void OnReceivedResponse(Azure.Core.HttpMessage message)
        {
            if (message.Response.ContentStream is { CanSeek: true } body) Interlocked.Add(ref Total, body.Length);
        }
    }

    private sealed class DoubleTolerance(double tolerance) : IEqualityComparer<double>
    {
        public bool Equals(double x, double y) => Math.Abs(x - y) <= tolerance;

        public int GetHashCode(double obj) => 0;
    }

    [Fact]
    public async Task Retention_deletes_ledger_rows_and_dead_letters_of_hours_before_the_cutoff()
    {
        var ledgerTable = await NewTableAsync("costledger");
        var ledger = new TableCostLedger(ledgerTable);
        var records = Enumerable.Range(0, 48).Select(i => Cost($"r-{i:D2}", Day.AddHours(i).AddMinutes(30))).ToList();
        await ledger.WriteAsync(records, default);
        foreach (var period in new[] { CostPeriods.Minute, CostPeriods.Hour })
        {
            await ledger.WriteTotalsAsync("w", period, records.Select(r => CostTotal.From(r) with { Start = CostPeriods.Floor(r.Start, period) }).ToList(), default);
        }
        var lettersTable = await NewTableAsync("deadletters");
        var letters = new TableDeadLetterStore(lettersTable);
        await letters.WriteAsync(Enumerable.Range(0, 48).Select(i => Letter(DeadLetterReason.NotJson, (i % 5).ToString(), i, Day.AddHours(i).AddMinutes(30))).ToList(), default);

        var cutoff = Day.AddHours(24).AddMinutes(10); // hours 0..23 ended before it; hour 24 is kept
        Assert.Equal(24 * 3, await ledger.DeleteOlderThanAsync(cutoff, default));
        Assert.Equal(24, await letters.DeleteOlderThanAsync(cutoff, default));

        Assert.Equal(24 * 3, await CountRowsAsync(ledgerTable));
        Assert.Equal(24, await CountRowsAsync(lettersTable));
        Assert.Equal(records.Skip(24).Select(r => r.InvocationId).Order(), (await ledger.QueryAsync(Day, Day.AddDays(2), default)).Select(r => r.InvocationId).Order());
        Assert.Equal(24, (await ledger.QueryTotalsAsync(Day, Day.AddDays(2), default)).Sum(t => t.Invocations));
        Assert.Equal(24, (await letters.QueryAsync(Day, Day.AddDays(2), 1000, default)).Count);
        Assert.Equal(0, await ledger.DeleteOlderThanAsync(cutoff, default)); // idempotent
    }

    [Fact]
    public async Task Checkpoints_round_trip_per_consumer_group_and_partition()
    {
        var store = new TableCheckpointStore(await NewTableAsync("checkpoints"));
        Assert.Null(await store.GetAsync("cg", "0", default));

        await store.SetAsync("cg", "0", 41, default);
        await store.SetAsync("cg", "1", 7, default);
        await store.SetAsync("other", "0", 1234567890123, default);
        Assert.Equal(41, await store.GetAsync("cg", "0", default));
        Assert.Equal(7, await store.GetAsync("cg", "1", default));
        Assert.Equal(1234567890123, await store.GetAsync("other", "0", default));
        Assert.Null(await store.GetAsync("cg", "2", default));

        await store.SetAsync("cg", "0", 42, default);
        Assert.Equal(42, await store.GetAsync("cg", "0", default));
        Assert.Equal(1234567890123, await store.GetAsync("other", "0", default));
    }

    private async Task<TableClient> NewTableAsync(string prefix)
    {
        var name = EmulatorFixture.UniqueName(prefix);
        _tables.Add(name);
        await _service.CreateTableIfNotExistsAsync(name);
        return _service.GetTableClient(name);
    }

    private static async Task<int> CountRowsAsync(TableClient table)
    {
        var count = 0;
        await foreach (var _ in table.QueryAsync<TableEntity>(select: ["PartitionKey"]))
        {
            count++;
        }
        return count;
    }

    private static List<CostRecord> Sorted(IEnumerable<CostRecord> records) => records.OrderBy(r => r.InvocationId, StringComparer.Ordinal).ToList();

    private static CostRecord Cost(string id, DateTimeOffset start) => new()
    {
        InvocationId = id,
        Function = id.Length % 2 == 0 ? "aggregate" : "flushRollups",
        Trigger = id.Length % 2 == 0 ? "eventHub" : "timer",
        Start = start,
        DurationMs = 12.75,
        Events = id.Length * 10,
        CosmosRu = 42.25,
        RuEstimated = true,
        TableOps = 3,
        EntitySignals = 2,
        StoreWrites = 9,
        MemoryMb = 2048,
        Succeeded = true,
        Usd = new CostBreakdown(0.000125m, 0.0000002m, 0.0000105m, 0.000003m),
    };

    private static DeadLetter Letter(DeadLetterReason reason, string partition, long seq, DateTimeOffset enqueued) =>
        new(reason, $"detail of {seq}", partition, seq, enqueued, $$"""{"eventId":"e{{seq}}","userId":""}""", PayloadTruncated: false);
}
