using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Azure.Cosmos;
using TreasureHunt.Testing;

namespace TreasureHunt.IntegrationTests.Storage;

/// <summary>
/// The local Cosmos emulator answers the .NET SDK's bulk execution (<c>AllowBulkExecution</c>: batch requests with
/// HybridRow RecordIO bodies, cosmos-batch.js) and each operation of a batch gets what the same single request gets:
/// creates, conflicts, conditional replaces with a stale ETag (412), reads of missing ids (404), the item size limit
/// (413), and injected faults (429 retried by the SDK per operation).
/// </summary>
[Collection(EmulatorFixture.CollectionName)]
public sealed class BulkExecutionTests(EmulatorFixture emulators) : IAsyncLifetime
{
    private readonly string _database = EmulatorFixture.UniqueName("bulk");
    private CosmosClient _bulk = null!;

    public async Task InitializeAsync()
    {
        var db = (await emulators.Cosmos.CreateDatabaseIfNotExistsAsync(_database)).Database;
        await db.CreateContainerIfNotExistsAsync("single", "/pk");
        await db.CreateContainerIfNotExistsAsync("bulk", "/pk");
        _bulk = EmulatorClients.CreateCosmosClient(emulators.CosmosEndpoint, emulators.CosmosKey, configure: o => o.AllowBulkExecution = true);
    }

    public async Task DisposeAsync()
    {
        using (await emulators.Cosmos.GetDatabase(_database).DeleteStreamAsync()) { }
        _bulk.Dispose();
    }

    private sealed record Doc(string id, string pk, int n, string? text = null);

    /// <summary>One scenario, run through the given container: (label, status code, resource) of each step.</summary>
    private static async Task<List<(string Step, HttpStatusCode Status, string? Body)>> ScenarioAsync(Container container, Func<Task> lowerItemLimit, Func<Task> restoreItemLimit)
    {
        var results = new List<(string, HttpStatusCode, string?)>();
        async Task Run(string step, Task<ResponseMessage> call)
        {
            using var response = await call;
            string? body = null;
            if (response.Content is not null && response.IsSuccessStatusCode)
            {
                var json = await JsonDocument.ParseAsync(response.Content);
                body = json.RootElement.TryGetProperty("n", out var n) ? $"n={n}" : null;
            }
            results.Add((step, response.StatusCode, body));
        }
        PartitionKey Pk(int i) => new($"p{i % 7}");
        Stream Body(Doc d) => new MemoryStream(JsonSerializer.SerializeToUtf8Bytes(d));

        // 150 creates at once (several batches per range), then each created again (409).
        var creates = Enumerable.Range(0, 150).Select(i => new Doc($"d{i}", $"p{i % 7}", i)).ToList();
        var created = await Task.WhenAll(creates.Select(d => container.CreateItemStreamAsync(Body(d), new PartitionKey(d.pk))));
        results.AddRange(created.Select((r, i) => ($"create {i}", r.StatusCode, (string?)null)));
        var conflicts = await Task.WhenAll(creates.Take(20).Select(d => container.CreateItemStreamAsync(Body(d), new PartitionKey(d.pk))));
        results.AddRange(conflicts.Select((r, i) => ($"create again {i}", r.StatusCode, (string?)null)));

        // Reads: existing ones and missing ids (404), all at once.
        var reads = await Task.WhenAll(Enumerable.Range(0, 40).Select(i => container.ReadItemStreamAsync(i % 2 == 0 ? $"d{i}" : $"missing{i}", Pk(i))));
        foreach (var (r, i) in reads.Select((r, i) => (r, i)))
        {
            await Run($"read {i}", Task.FromResult(r));
        }

        // Conditional replaces: the current ETag succeeds, a stale one gets 412 — in the same batches.
        var etags = new Dictionary<string, string>();
        foreach (var i in Enumerable.Range(0, 30))
        {
            using var read = await container.ReadItemStreamAsync($"d{i}", Pk(i));
            etags[$"d{i}"] = read.Headers.ETag;
        }
        var replaced = await Task.WhenAll(Enumerable.Range(0, 30).Select(i => container.ReplaceItemStreamAsync(
            Body(new Doc($"d{i}", $"p{i % 7}", 1000 + i)), $"d{i}", Pk(i), new ItemRequestOptions { IfMatchEtag = etags[$"d{i}"] })));
        results.AddRange(replaced.Select((r, i) => ($"replace {i}", r.StatusCode, (string?)null)));
        var stale = await Task.WhenAll(Enumerable.Range(0, 30).Select(i => container.ReplaceItemStreamAsync(
            Body(new Doc($"d{i}", $"p{i % 7}", 2000 + i)), $"d{i}", Pk(i), new ItemRequestOptions { IfMatchEtag = etags[$"d{i}"] })));
        results.AddRange(stale.Select((r, i) => ($"stale replace {i}", r.StatusCode, (string?)null)));
        foreach (var i in Enumerable.Range(0, 30))
        {
            await Run($"read after replace {i}", container.ReadItemStreamAsync($"d{i}", Pk(i)));
        }

        // Upserts and deletes (one of a missing id: 404).
        var upserts = await Task.WhenAll(Enumerable.Range(140, 20).Select(i => container.UpsertItemStreamAsync(Body(new Doc($"d{i}", $"p{i % 7}", 3000 + i)), Pk(i))));
        results.AddRange(upserts.Select((r, i) => ($"upsert {i}", r.StatusCode, (string?)null)));
        var deletes = await Task.WhenAll(new[] { "d100", "d101", "missing" }.Select((id, i) => container.DeleteItemStreamAsync(id, id == "missing" ? Pk(0) : Pk(100 + i))));
        results.AddRange(deletes.Select((r, i) => ($"delete {i}", r.StatusCode, (string?)null)));

        // The item limit, lowered at run time: an over-size item is refused 413 while a small one in the same batch is stored.
        await lowerItemLimit();
        try
        {
            var sized = await Task.WhenAll(
                container.CreateItemStreamAsync(Body(new Doc("big", "p0", 1, new string('x', 5000))), new PartitionKey("p0")),
                container.CreateItemStreamAsync(Body(new Doc("small", "p0", 2)), new PartitionKey("p0")));
            results.AddRange(sized.Select((r, i) => ($"sized {i}", r.StatusCode, (string?)null)));
        }
        finally
        {
            await restoreItemLimit();
        }
        return results;
    }

    [Fact]
    public async Task Every_operation_of_a_bulk_batch_gets_what_the_same_single_request_gets()
    {
        var before = await StatsAsync(emulators.Emulators);
        var single = await ScenarioAsync(emulators.Cosmos.GetContainer(_database, "single"), () => SetLimitsAsync(new { maxItemBytes = 4096 }), () => SetLimitsAsync(new { maxItemBytes = 2 * 1024 * 1024 }));
        var middle = await StatsAsync(emulators.Emulators);
        var bulk = await ScenarioAsync(_bulk.GetContainer(_database, "bulk"), () => SetLimitsAsync(new { maxItemBytes = 4096 }), () => SetLimitsAsync(new { maxItemBytes = 2 * 1024 * 1024 }));
        var after = await StatsAsync(emulators.Emulators);

        Assert.Equal(single, bulk);
        Assert.Contains(bulk, r => r.Status == HttpStatusCode.PreconditionFailed);
        Assert.Contains(bulk, r => r.Status == HttpStatusCode.NotFound);
        Assert.Contains(bulk, r => r.Status == HttpStatusCode.Conflict);
        Assert.Contains(bulk, r => r.Status == HttpStatusCode.RequestEntityTooLarge);
        Assert.Contains(bulk, r => r.Step == "sized 1" && r.Status == HttpStatusCode.Created);

        // The bulk client sent its operations in batch requests: far fewer HTTP requests than operations.
        var batchRequests = after.GetProperty("batch").GetProperty("requests").GetInt64() - middle.GetProperty("batch").GetProperty("requests").GetInt64();
        var batchOperations = after.GetProperty("batch").GetProperty("operations").GetInt64() - middle.GetProperty("batch").GetProperty("operations").GetInt64();
        Assert.Equal(0, middle.GetProperty("batch").GetProperty("operations").GetInt64() - before.GetProperty("batch").GetProperty("operations").GetInt64());
        Assert.True(batchRequests > 0 && batchOperations >= 300 && batchRequests * 5 < batchOperations, $"{batchRequests} batch requests carried {batchOperations} operations");
    }

    [Fact]
    public async Task Injected_faults_apply_per_operation_and_the_sdk_retries_the_throttled_ones()
    {
        var stateDir = Path.Combine(Path.GetTempPath(), "th-tests", EmulatorFixture.UniqueName("bulkfaults"));
        await using var faulty = new LocalEmulators(null, stateDir, emulators.Emulators.BlobPort + 60, faultRate: 0.3, faultSeed: 5);
        await faulty.EnsureStartedAsync();
        await SetLimitsAsync(new { faultRate = 0.0 }, faulty.CosmosEndpoint);
        using var setup = EmulatorClients.CreateCosmosClient(faulty.CosmosEndpoint, faulty.CosmosKey);
        var db = (await setup.CreateDatabaseIfNotExistsAsync("bulkfaults")).Database;
        await db.CreateContainerIfNotExistsAsync("c", "/pk");
        await SetLimitsAsync(new { faultRate = 0.3 }, faulty.CosmosEndpoint);

        using var bulk = EmulatorClients.CreateCosmosClient(faulty.CosmosEndpoint, faulty.CosmosKey, configure: o => o.AllowBulkExecution = true);
        var container = bulk.GetContainer("bulkfaults", "c");
        var before = await StatsAsync(faulty);
        var pending = Enumerable.Range(0, 300).ToList();
        var statuses = new List<HttpStatusCode>();
        for (var round = 0; round < 20 && pending.Count > 0; round++)
        {
            var responses = await Task.WhenAll(pending.Select(i => container.UpsertItemStreamAsync(
                new MemoryStream(JsonSerializer.SerializeToUtf8Bytes(new Doc($"f{i}", $"p{i % 5}", i))), new PartitionKey($"p{i % 5}"))));
            statuses.AddRange(responses.Select(r => r.StatusCode));
            // 429s are retried by the SDK inside bulk; what is left to the caller is a 503 (as for a single request).
            Assert.All(responses, r => Assert.Contains(r.StatusCode, new[] { HttpStatusCode.OK, HttpStatusCode.Created, HttpStatusCode.ServiceUnavailable }));
            pending = pending.Where((_, k) => !responses[k].IsSuccessStatusCode).ToList();
        }
        var after = await StatsAsync(faulty);
        await SetLimitsAsync(new { faultRate = 0.0 }, faulty.CosmosEndpoint);

        Assert.Empty(pending);
        Assert.True(after.GetProperty("faults").GetProperty("429").GetInt64() > before.GetProperty("faults").GetProperty("429").GetInt64());
        Assert.True(after.GetProperty("batch").GetProperty("operations").GetInt64() > 300); // retried operations were sent again
        foreach (var i in new[] { 0, 77, 299 })
        {
            using var read = await setup.GetContainer("bulkfaults", "c").ReadItemStreamAsync($"f{i}", new PartitionKey($"p{i % 5}"));
            Assert.Equal(HttpStatusCode.OK, read.StatusCode);
            var doc = await JsonSerializer.DeserializeAsync<Doc>(read.Content);
            Assert.Equal(i, doc!.n);
        }
    }

    private Task SetLimitsAsync(object limits) => SetLimitsAsync(limits, emulators.CosmosEndpoint);

    private static async Task SetLimitsAsync(object limits, Uri endpoint)
    {
        using var http = EmulatorHttp();
        using var response = await http.PutAsJsonAsync(new Uri(endpoint, "/_th/limits"), limits);
        response.EnsureSuccessStatusCode();
    }

    private static async Task<JsonElement> StatsAsync(LocalEmulators emulators)
    {
        using var http = EmulatorHttp();
        return await http.GetFromJsonAsync<JsonElement>(new Uri(emulators.CosmosEndpoint, "/_th/stats"));
    }

    private static HttpClient EmulatorHttp()
    {
        var http = new HttpClient(EmulatorClients.CreateEmulatorHandler(), disposeHandler: true);
        http.DefaultRequestHeaders.Add("x-th-emulator-key", LocalEmulators.WellKnownCosmosKey);
        return http;
    }
}
