using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Azure;
using Azure.Core;
using Azure.Data.Tables;
using Microsoft.Azure.Cosmos;
using TreasureHunt.Core.Events;
using TreasureHunt.Core.Parking;
using TreasureHunt.Storage;
using TreasureHunt.Storage.Tables;
using TreasureHunt.Testing;

namespace TreasureHunt.IntegrationTests.Storage;

/// <summary>
/// The local emulators answer what Azure would: Cosmos (cosmos-server.js) checks the master-key signature, refuses
/// items and requests over 2 MB (413) and server-side code (403); Azurite's table service (azurite-server.js) refuses
/// entities over 1 MiB, properties over 64 KiB, transactions over 100 operations or 4 MiB or across partitions; and
/// each refusal is classified as a refusal (parked), never as something to retry. Fault injection answers 429/503.
/// </summary>
[Collection(EmulatorFixture.CollectionName)]
public sealed class EmulatorLimitsTests(EmulatorFixture emulators) : IAsyncLifetime
{
    private readonly StoreRefusalClassifier _classifier = new();
    private readonly string _database = EmulatorFixture.UniqueName("limits");
    private readonly TableServiceClient _tables = emulators.CreateTableServiceClient();
    private readonly List<string> _createdTables = [];
    private Container _container = null!;

    public async Task InitializeAsync()
    {
        var db = (await emulators.Cosmos.CreateDatabaseIfNotExistsAsync(_database)).Database;
        _container = (await db.CreateContainerIfNotExistsAsync("items", "/pk")).Container;
    }

    public async Task DisposeAsync()
    {
        using (await emulators.Cosmos.GetDatabase(_database).DeleteStreamAsync()) { }
        foreach (var name in _createdTables) await _tables.DeleteTableAsync(name);
    }

    [Fact]
    public async Task Cosmos_refuses_an_item_over_2_MB_with_413_and_that_is_a_refusal()
    {
        var small = new { id = "small", pk = "a", text = new string('x', 1000) };
        await _container.CreateItemAsync(small, new PartitionKey("a"));
        var big = new { id = "big", pk = "a", text = new string('x', 2 * 1024 * 1024) };
        var e = await Assert.ThrowsAsync<CosmosException>(() => _container.CreateItemAsync(big, new PartitionKey("a")));
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, e.StatusCode);
        Assert.True(_classifier.IsRefusal(e, out var detail), detail);
        Assert.Contains("413", detail);
    }

    [Fact]
    public async Task Cosmos_queries_page_through_every_document_once_and_the_linear_time_rewrite_changes_no_result()
    {
        // Fix 8 of cosmos-server.js (linear-queries.js): the package's engine, with and without the rewrite, page by page.
        var node = new System.Diagnostics.ProcessStartInfo("node") { RedirectStandardOutput = true, RedirectStandardError = true };
        node.ArgumentList.Add(Path.Combine(emulators.Emulators.RepoRoot, "infra", "local", "emulators", "linear-queries-check.js"));
        using (var check = System.Diagnostics.Process.Start(node)!)
        {
            var text = await check.StandardOutput.ReadToEndAsync() + await check.StandardError.ReadToEndAsync();
            await check.WaitForExitAsync();
            Assert.True(check.ExitCode == 0, text);
        }

        // Through the SDK: a cross-partition query in 100-item pages returns each of 1,000 documents exactly once.
        var ids = Enumerable.Range(0, 1000).Select(i => $"q-{i:D4}").ToList();
        foreach (var chunk in ids.Chunk(50))
        {
            await Task.WhenAll(chunk.Select(id => _container.CreateItemAsync(new { id, pk = "q" + id[^1], n = 1 }, new PartitionKey("q" + id[^1]))));
        }
        var seen = new List<string>();
        var pages = 0;
        using (var iterator = _container.GetItemQueryIterator<JsonElement>("SELECT c.id FROM c WHERE STARTSWITH(c.id, 'q-')", requestOptions: new QueryRequestOptions { MaxItemCount = 100 }))
        {
            while (iterator.HasMoreResults)
            {
                var page = await iterator.ReadNextAsync();
                Assert.True(page.Count <= 100);
                seen.AddRange(page.Select(d => d.GetProperty("id").GetString()!));
                pages++;
            }
        }
        Assert.Equal(ids, seen.Order(StringComparer.Ordinal));
        Assert.True(pages >= 10, $"{pages} pages");
    }

    [Fact]
    public async Task Cosmos_requires_the_emulator_key()
    {
        using var wrongKey = EmulatorClients.CreateCosmosClient(emulators.CosmosEndpoint, Convert.ToBase64String(new byte[64]));
        var e = await Assert.ThrowsAsync<CosmosException>(() => wrongKey.GetContainer(_database, "items").ReadItemAsync<JsonElement>("small", new PartitionKey("a")));
        Assert.Equal(HttpStatusCode.Unauthorized, e.StatusCode);

        using var http = new HttpClient(EmulatorClients.CreateEmulatorHandler());
        using var anonymous = await http.GetAsync(new Uri(emulators.CosmosEndpoint, $"/dbs/{_database}"));
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        Assert.False(_classifier.IsRefusal(e, out _)); // a wrong key holds the partition; it must not park the stream
    }

    // The emulator numbers databases in order, so one database in 64 has the base64 digit 63 in its _rid, which Azure
    // writes as '-' (plain base64 has '/'; the SDKs' ResourceId encodes it as '-'), and one the digit 62 ('+'). The SDK
    // reads a container's partition key ranges by RID (dbs/{rid}/colls/{rid}/pkranges) and signs that read: a RID must
    // be in Azure's form for the URL the SDK sends and the resource link it signs to agree.
    [Fact]
    public async Task Cosmos_serves_RID_based_reads_of_the_SDK_whatever_base64_digits_a_RID_holds()
    {
        var seen = new HashSet<char>();
        for (var attempt = 0; attempt < 64 && !seen.Contains('-'); attempt++)
        {
            var name = EmulatorFixture.UniqueName("ridchars");
            var database = (await emulators.Cosmos.CreateDatabaseAsync(name)).Database;
            try
            {
                using var read = await database.ReadStreamAsync();
                using var json = await JsonDocument.ParseAsync(read.Content);
                var rid = json.RootElement.GetProperty("_rid").GetString()!;
                var digits6263 = rid.Where(c => c is '/' or '-' or '+').ToArray();
                if (digits6263.Length == 0) continue;

                // Creating and reading an item makes the SDK read the new container's partition key ranges by RID.
                var container = (await database.CreateContainerAsync("items", "/pk")).Container;
                await container.CreateItemAsync(new { id = "one", pk = "a" }, new PartitionKey("a"));
                var item = await container.ReadItemAsync<JsonElement>("one", new PartitionKey("a"));
                Assert.Equal(HttpStatusCode.OK, item.StatusCode);
                Assert.DoesNotContain('/', rid);
                seen.UnionWith(digits6263);
            }
            finally
            {
                using (await database.DeleteStreamAsync()) { }
            }
        }
        Assert.Contains('-', seen);
    }

    [Fact]
    public async Task Cosmos_refuses_stored_procedures_user_defined_functions_and_triggers()
    {
        var scripts = _container.Scripts;
        var udf = await Assert.ThrowsAsync<CosmosException>(() => scripts.CreateUserDefinedFunctionAsync(
            new Microsoft.Azure.Cosmos.Scripts.UserDefinedFunctionProperties { Id = "evil", Body = "function () { return process.pid; }" }));
        Assert.Equal(HttpStatusCode.Forbidden, udf.StatusCode);
        var sproc = await Assert.ThrowsAsync<CosmosException>(() => scripts.CreateStoredProcedureAsync(
            new Microsoft.Azure.Cosmos.Scripts.StoredProcedureProperties { Id = "evil", Body = "function () { }" }));
        Assert.Equal(HttpStatusCode.Forbidden, sproc.StatusCode);
        var trigger = await Assert.ThrowsAsync<CosmosException>(() => scripts.CreateTriggerAsync(
            new Microsoft.Azure.Cosmos.Scripts.TriggerProperties { Id = "evil", Body = "function () { }", TriggerType = Microsoft.Azure.Cosmos.Scripts.TriggerType.Pre, TriggerOperation = Microsoft.Azure.Cosmos.Scripts.TriggerOperation.All }));
        Assert.Equal(HttpStatusCode.Forbidden, trigger.StatusCode);
    }

    [Fact]
    public async Task Cosmos_caps_request_bodies_at_2_MB()
    {
        var query = new QueryDefinition($"SELECT * FROM c WHERE c.text = '{new string('y', 2 * 1024 * 1024 + 10)}'");
        using var iterator = _container.GetItemQueryIterator<JsonElement>(query, requestOptions: new QueryRequestOptions { PartitionKey = new PartitionKey("a") });
        var e = await Assert.ThrowsAsync<CosmosException>(() => iterator.ReadNextAsync());
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, e.StatusCode);
    }

    [Fact]
    public async Task Tables_refuse_an_entity_over_1_MiB_and_a_property_over_64_KiB()
    {
        var table = await NewTableAsync("limits");
        var property = await Assert.ThrowsAsync<RequestFailedException>(() => table.AddEntityAsync(new TableEntity("p", "r1") { ["Text"] = new string('x', 32 * 1024 + 1) }));
        Assert.Equal((400, "PropertyValueTooLarge"), (property.Status, property.ErrorCode));
        Assert.True(_classifier.IsRefusal(property, out _));

        var entity = new TableEntity("p", "r2");
        for (var i = 0; i < 17; i++) entity[$"Bin{i}"] = new byte[64 * 1000];
        var tooLarge = await Assert.ThrowsAsync<RequestFailedException>(() => table.AddEntityAsync(entity));
        Assert.Equal((400, "EntityTooLarge"), (tooLarge.Status, tooLarge.ErrorCode));

        await table.AddEntityAsync(new TableEntity("p", "ok") { ["Text"] = new string('x', 32 * 1024), ["Bin"] = new byte[64 * 1024] }); // at the limits: accepted
    }

    [Fact]
    public async Task Tables_refuse_transactions_over_100_operations_over_4_MiB_or_across_partitions()
    {
        var table = await NewTableAsync("limits");
        var many = Enumerable.Range(0, 101).Select(i => new TableTransactionAction(TableTransactionActionType.UpsertReplace, new TableEntity("p", $"r{i}")));
        var tooMany = await Assert.ThrowsAnyAsync<RequestFailedException>(() => table.SubmitTransactionAsync(many));
        Assert.Equal(400, tooMany.Status);
        Assert.False(_classifier.IsRefusal(tooMany, out _)); // our own bug, not poison: hold

        var across = new[] { new TableEntity("p1", "r"), new TableEntity("p2", "r") }.Select(e => new TableTransactionAction(TableTransactionActionType.UpsertReplace, e));
        var crossing = await Assert.ThrowsAnyAsync<RequestFailedException>(() => table.SubmitTransactionAsync(across));
        Assert.Equal((400, "CommandsInBatchActOnDifferentPartitions"), (crossing.Status, crossing.ErrorCode));

        // The case from the issue: 100 dead letters whose 8 KB payloads of control characters escape to ~48 KB each.
        var payload = new string('\u0001', DeadLetter.MaxPayloadBytes);
        var letters = Enumerable.Range(0, 100).Select(i => new DeadLetter(DeadLetterReason.NotJson, "control characters", "0", i, DateTimeOffset.UtcNow, payload, false)).ToList();
        var deadLetters = new TableDeadLetterStore(await NewTableAsync("dead"));
        var refused = await Assert.ThrowsAnyAsync<RequestFailedException>(() => deadLetters.WriteAsync(letters, default));
        Assert.Equal((413, "RequestBodyTooLarge"), (refused.Status, refused.ErrorCode));
        Assert.True(_classifier.IsRefusal(refused, out _)); // the processor then writes them one by one
        foreach (var letter in letters.Take(3)) await deadLetters.WriteAsync([letter], default);
    }

    [Fact]
    public async Task Parked_rows_keep_whole_bodies_and_split_their_transactions_under_the_limits()
    {
        var store = new TableParkedStore(await NewTableAsync("parked"));
        var now = DateTimeOffset.UtcNow;
        var body = Encoding.UTF8.GetBytes(new string('é', 150_000)); // 300 KB: five binary properties
        var rows = Enumerable.Range(0, 30).Select(i => new ParkedMessage("4", 100 + i, now, "u-1", ParkReason.DocumentRefused, "413", body, now)).ToList();
        await store.WriteAsync(rows, default); // 9 MB in all: several transactions, each under 4 MiB
        await store.WriteAsync(rows.Take(2).ToList(), default); // parked twice (a redelivery): still one row each

        var listed = await store.ListForUserAsync("4", "u-1", default);
        Assert.Equal(rows.Select(r => r.SequenceNumber), listed.Select(r => r.SequenceNumber));
        Assert.True(listed[7].Body.Span.SequenceEqual(body));
        await store.ResolveAsync(listed.Take(10).ToList(), ParkedStatus.Replayed, now, default);
        Assert.Equal(20, (await store.ListAsync("4", onlyParked: true, 1000, default)).Count);
        Assert.Equal(30, (await store.ListAsync(null, onlyParked: false, 1000, default)).Count);
    }

    [Fact]
    public async Task Fault_injection_answers_the_configured_fraction_with_429_or_503()
    {
        var stateDir = Path.Combine(Path.GetTempPath(), "th-tests", EmulatorFixture.UniqueName("faulty"));
        await using var faulty = new LocalEmulators(null, stateDir, emulators.Emulators.BlobPort + 50, faultRate: 0.5, faultSeed: 3);
        try
        {
            await faulty.EnsureStartedAsync();
            var options = new TableClientOptions();
            options.Retry.MaxRetries = 0; // see every injected fault
            var service = new TableServiceClient(faulty.StorageConnectionString, options);
            var table = service.GetTableClient("faults");
            await table.CreateIfNotExistsAsync(); // table management is never faulted
            var statuses = new List<int>();
            for (var i = 0; i < 200; i++)
            {
                try { await table.UpsertEntityAsync(new TableEntity("p", $"r{i}")); statuses.Add(204); }
                catch (RequestFailedException e) { statuses.Add(e.Status); }
            }
            var faults = statuses.Count(s => s is 429 or 503);
            Assert.InRange(faults, 60, 140);
            Assert.Contains(429, statuses);
            Assert.Contains(503, statuses);
            Assert.All(statuses, s => Assert.Contains(s, new[] { 204, 429, 503 }));

            using var http = new HttpClient();
            http.DefaultRequestHeaders.Add("x-th-emulator-key", LocalEmulators.WellKnownStorageKey);
            var stats = await http.GetFromJsonAsync<JsonElement>($"http://127.0.0.1:{faulty.TablePort}/_th/stats");
            Assert.Equal(faults, stats.GetProperty("faults").GetProperty("429").GetInt32() + stats.GetProperty("faults").GetProperty("503").GetInt32());
        }
        finally
        {
            await faulty.DisposeAsync();
            try { Directory.Delete(stateDir, recursive: true); } catch (IOException) { }
        }
    }

    private async Task<TableClient> NewTableAsync(string prefix)
    {
        var name = EmulatorFixture.UniqueName(prefix);
        _createdTables.Add(name);
        await _tables.CreateTableIfNotExistsAsync(name);
        return _tables.GetTableClient(name);
    }
}
