using System.Text.Json;
using Microsoft.Azure.Cosmos;
using TreasureHunt.Core.Aggregation;
using TreasureHunt.Core.Costs;
using TreasureHunt.Core.Rollups;
using TreasureHunt.Storage.Tables;
using TreasureHunt.Testing;

namespace TreasureHunt.IntegrationTests.Storage;

/// <summary>Every Cosmos call adds its RequestCharge (and, when estimating, the size-based estimate) to the ambient usage.</summary>
[Collection(EmulatorFixture.CollectionName)]
public sealed class RequestUnitMeteringTests(EmulatorFixture emulators)
{
    private const string User = "metered";

    [Fact]
    public async Task The_usage_scope_records_the_charged_and_the_estimated_request_units()
    {
        await using var cosmos = await CosmosHarness.CreateAsync(emulators, "ruestimate", estimateRequestUnits: true);
        var store = cosmos.UserStore(writerCache: false);
        var events = TestEvents.Range(User, "0", 0, 29);
        var body = JsonSerializer.SerializeToUtf8Bytes(TestEvents.Expected(User, ("0", events)), CosmosHarness.Json).Length;

        // First update of a new user: a point read (404) and a create.
        InvocationUsage created;
        using (InvocationUsage.Begin(out created))
        {
            Assert.True((await TestEvents.ApplyAsync(store, User, "0", events)).Changed);
        }
        Assert.True(created.RequestUnitsEstimated);
        Assert.Equal(2.0, created.ChargedRequestUnits); // what the emulator reported: a flat 1 RU per call
        Assert.Equal(RequestUnitEstimator.Read(0) + RequestUnitEstimator.Write(body), created.RequestUnits, 9);
        Assert.True(created.RequestUnits > 6, $"a {body} B write is estimated above 6 RU, got {created.RequestUnits}");
        Assert.Equal(1, created.StoreWrites);
        Assert.Equal(0, created.StoreReads);
        // FinOps attribution, read from the bytes that were sent: the parts (each feature, delivery, the rest of the
        // document) add up to the body and to its estimated RU.
        var expected = TestEvents.Expected(User, ("0", events));
        var parts = created.FeatureCosts!;
        Assert.Equal(expected.Features.Keys.Append("delivery").Append("document").Order(StringComparer.Ordinal), parts.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(body, parts.Values.Sum(p => p.Bytes));
        Assert.Equal(JsonSerializer.SerializeToUtf8Bytes(expected.Delivery, CosmosHarness.Json).Length + "\"delivery\":".Length, parts["delivery"].Bytes);
        Assert.Equal(created.RequestUnits - RequestUnitEstimator.Read(0), parts.Values.Sum(p => p.RequestUnits), 6);

        // A point read: estimated from the bytes the service returned (system properties included).
        using var raw = await cosmos.Users.ReadItemStreamAsync(User, new PartitionKey(User));
        var returned = ((MemoryStream)await CopyAsync(raw.Content)).Length;
        InvocationUsage read;
        using (InvocationUsage.Begin(out read))
        {
            Assert.NotNull(await store.GetAsync(User, default));
        }
        Assert.Equal(1.0, read.ChargedRequestUnits);
        Assert.Equal(RequestUnitEstimator.Read(returned), read.RequestUnits, 9);
        Assert.Equal(1, read.StoreReads);

        // A replace that loses the race (412) is billed too: recorded, but not counted as a store write.
        InvocationUsage conflict;
        using (InvocationUsage.Begin(out conflict))
        {
            var aggregate = (await store.GetAsync(User, default))!;
            Assert.Null(await cosmos.UserDocuments().TryReplaceAsync(aggregate, User, User, "\"stale-etag\"", default));
        }
        Assert.Equal(2.0, conflict.ChargedRequestUnits);
        Assert.Equal(RequestUnitEstimator.Read(returned) + RequestUnitEstimator.Write(body), conflict.RequestUnits, 9);
        Assert.Equal(0, conflict.StoreWrites);

        // A query page (progress store listing) is metered as well.
        var progress = cosmos.ProgressStore();
        var p = PartitionProgress.Create("cg", "0");
        p.RollupPending = true;
        Assert.True(await progress.TryReplaceAsync(p, default));
        InvocationUsage listed;
        using (InvocationUsage.Begin(out listed))
        {
            Assert.Single(await progress.ListWithPendingRollupsAsync("cg", default));
        }
        Assert.True(listed.ChargedRequestUnits >= 2, $"query + point read, got {listed.ChargedRequestUnits}");
        Assert.True(listed.RequestUnits > listed.ChargedRequestUnits, "the query page's estimate is 1 RU + the read of its bytes");

        // The figure reaches the cost ledger labelled as estimated.
        var tables = emulators.CreateTableServiceClient();
        var tableName = EmulatorFixture.UniqueName("ruledger");
        await tables.CreateTableIfNotExistsAsync(tableName);
        try
        {
            var ledger = new TableCostLedger(tables.GetTableClient(tableName));
            var start = new DateTimeOffset(2026, 3, 2, 10, 15, 0, TimeSpan.Zero);
            await ledger.WriteAsync([new CostRecord
            {
                InvocationId = "inv-1", Function = "aggregate", Trigger = "eventHub", Start = start, DurationMs = 12.5,
                CosmosRu = created.RequestUnits, RuEstimated = created.RequestUnitsEstimated, StoreWrites = created.StoreWrites,
                Usd = CostBreakdown.Zero,
            }], default);
            var row = Assert.Single(await ledger.QueryAsync(start.AddMinutes(-1), start.AddMinutes(1), default));
            Assert.True(row.RuEstimated);
            Assert.Equal(created.RequestUnits, row.CosmosRu);
        }
        finally
        {
            await tables.DeleteTableAsync(tableName);
        }
    }

    [Fact]
    public async Task Without_estimating_the_usage_is_what_the_service_charged()
    {
        await using var cosmos = await CosmosHarness.CreateAsync(emulators, "rucharged", estimateRequestUnits: false);
        var store = cosmos.UserStore(writerCache: false);
        InvocationUsage usage;
        using (InvocationUsage.Begin(out usage))
        {
            await TestEvents.ApplyAsync(store, User, "0", TestEvents.Range(User, "0", 0, 9));
            await TestEvents.ApplyAsync(store, User, "0", TestEvents.Range(User, "0", 10, 19));
            Assert.Null(await store.GetAsync("nobody", default));
        }
        Assert.False(usage.RequestUnitsEstimated);
        Assert.Equal(5.0, usage.ChargedRequestUnits); // read 404 + create, read + replace, read 404
        Assert.Equal(usage.ChargedRequestUnits, usage.RequestUnits);
        Assert.Equal(2, usage.StoreWrites);

        // Outside any scope nothing is recorded and nothing fails.
        Assert.Null(InvocationUsage.Current);
        Assert.NotNull(await store.GetAsync(User, default));
    }

    private static async Task<Stream> CopyAsync(Stream content)
    {
        var buffer = new MemoryStream();
        await content.CopyToAsync(buffer);
        return buffer;
    }
}
