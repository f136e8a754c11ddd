using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Reflection;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Azure.Cosmos;
using Microsoft.Extensions.Logging;
using TreasureHunt.Core.Aggregation;
using TreasureHunt.Core.Events;
using TreasureHunt.IntegrationTests.Entities;
using TreasureHunt.Local.EventLog;
using TreasureHunt.Local.Worker;
using TreasureHunt.Storage;
using TreasureHunt.Storage.Cosmos;
using TreasureHunt.Testing;
using Xunit.Abstractions;

namespace TreasureHunt.IntegrationTests.Worker;

/// <summary>
/// The built Functions worker (functions/TreasureHunt.Functions) as a process driven through the host's protocol by
/// <see cref="FunctionsWorkerHarness"/>, on the local emulators. Each test names the host or extension source the
/// harness's behaviour follows, so it can be checked against a newer host.
/// </summary>
[Collection(EmulatorFixture.CollectionName)]
public sealed class WorkerHarnessTests(EmulatorFixture emulators, ITestOutputHelper output)
{
    private static readonly string FunctionsOutputDir = typeof(WorkerHarnessTests).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
        .Single(a => a.Key == "FunctionsOutputDir").Value!;

    private static readonly EventHubTriggerBinding.Source Hub = new("localhost", "events", "aggregator");

    // Host: azure-functions-host GrpcWorkerChannel (StartStream, WorkerInitRequest, FunctionsMetadataRequest, FunctionLoadRequest);
    // worker: azure-functions-dotnet-worker GrpcWorker.WorkerInitRequestHandler (capabilities) and FunctionMetadata indexing.
    [Fact]
    public async Task The_worker_starts_from_the_host_command_line_and_loads_exactly_the_build_metadata()
    {
        var run = NewRun("wkhandshake");
        await using var harness = await StartAsync(run);

        // The worker connected with the id it was given and answered as the .NET worker does (GrpcWorker.GetWorkerCapabilities).
        Assert.False(string.IsNullOrEmpty(harness.WorkerId));
        Assert.Equal("True", harness.Capabilities["TypedDataCollection"]);
        Assert.Equal("True", harness.Capabilities["HandlesWorkerTerminateMessage"]);
        Assert.Equal("True", harness.Capabilities["IncludeEmptyEntriesInMessagePayload"]);
        // The ASP.NET Core integration advertises the worker's own HTTP server (capability HttpUri) for the host to proxy to.
        var httpUri = new Uri(harness.Capabilities["HttpUri"]);
        Assert.True(httpUri.IsLoopback, httpUri.ToString());
        Assert.Equal(".NET", (string?)harness.WorkerMetadata?["runtimeName"]); // GrpcWorker.WorkerInitRequestHandler: WorkerMetadata.RuntimeName

        // Worker indexing returns what the SDK wrote into functions.metadata at build time: same functions, same bindings.
        using var built = JsonDocument.Parse(File.ReadAllText(Path.Combine(FunctionsOutputDir, "functions.metadata")));
        var expected = built.RootElement.EnumerateArray().ToDictionary(
            f => f.GetProperty("name").GetString()!,
            f => f.GetProperty("bindings").EnumerateArray()
                .Select(b => $"{b.GetProperty("name").GetString()}:{b.GetProperty("type").GetString()}:{b.GetProperty("direction").GetString()}".ToLowerInvariant())
                .Order(StringComparer.Ordinal).ToArray());
        var indexed = harness.Functions.ToDictionary(
            f => (string)f["name"]!,
            f => ((JsonObject)f["bindings"]!).Select(b => $"{b.Key}:{b.Value!["type"]}:{(string?)b.Value["direction"] ?? "in"}".ToLowerInvariant())
                .Order(StringComparer.Ordinal).ToArray());
        Assert.Equal(expected.Keys.Order(StringComparer.Ordinal), indexed.Keys.Order(StringComparer.Ordinal));
        foreach (var (name, bindings) in expected)
        {
            Assert.True(bindings.SequenceEqual(indexed[name]), $"{name}: built {string.Join(", ", bindings)}; indexed {string.Join(", ", indexed[name])}");
        }

        // The retry policy reaches the host in the metadata (RpcFunctionMetadata.retry_options): without end, 1 s to 1 min.
        var policy = WorkerRetryPolicy.FromMetadata(harness.Function("Aggregate"));
        Assert.Equal(new WorkerRetryPolicy(-1, true, TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(1)), policy);

        // The protocol the harness speaks is the one the worker was built with (same Microsoft.Azure.Functions.Worker.Grpc).
        var workerGrpc = AssemblyName.GetAssemblyName(Path.Combine(FunctionsOutputDir, "Microsoft.Azure.Functions.Worker.Grpc.dll"));
        Assert.Equal(FunctionRpcProtocol.ProtocolAssembly.Version, workerGrpc.Version);
        output.WriteLine($"worker {harness.WorkerId} pid {harness.ProcessId}: {harness.Functions.Count} functions, HttpUri {httpUri}, worker version {harness.WorkerMetadata?["workerVersion"]}");
        await DeleteDatabaseAsync(run);
    }

    // Binding shapes: Microsoft.Azure.WebJobs.Extensions.EventHubs EventHubTriggerBindingStrategy (binding data) and
    // azure-functions-host GrpcMessageConversionExtensions.ToRpc (collection_string, collection_sint64, JSON).
    [Fact]
    public async Task Aggregate_binds_a_local_log_batch_and_writes_the_users_exactly_once_and_http_reads_them_through_the_worker()
    {
        var run = NewRun("wkaggregate");
        // No rollup flush in this test: the harness does not serve the Durable Task sidecar the flush would signal through.
        run.Settings["Rollups__FlushMinEvents"] = "1000000";
        run.Settings["Rollups__FlushMaxAgeSeconds"] = "3600";
        await using var harness = await StartAsync(run);
        using var log = new LocalEventLog(Path.Combine(run.StateDir, "log"), 2);
        var now = DateTimeOffset.UtcNow;
        var expected = new Dictionary<string, int>();
        var messages = new List<ReadOnlyMemory<byte>>();
        for (var i = 0; i < 60; i++)
        {
            var user = $"u-{i % 7}";
            expected[user] = expected.GetValueOrDefault(user) + 1;
            messages.Add(Encoding.UTF8.GetBytes(
                $$"""{"eventId":"e-{{i}}","userId":"{{user}}","itemId":"t-{{i % 5}}","type":"view","value":1,"timestamp":"{{now.AddMinutes(-1):O}}"}"""));
        }
        await log.AppendAsync(messages, now, CancellationToken.None);

        var invoker = Invoker(harness, ClosedPortUri());
        var attempts = new List<EventHubBatchInvoker.Attempt>();
        invoker.Attempted += attempts.Add;
        foreach (var partition in log.Partitions)
        {
            var batch = new PartitionBatch(partition.PartitionId, partition.Read(0, 1000));
            Assert.NotEmpty(batch.Messages);
            await invoker.InvokeAsync(batch, CancellationToken.None);
            // Redelivery of the same batch (at-least-once): the per-partition progress makes it a no-op.
            await invoker.InvokeAsync(batch, CancellationToken.None);
        }
        Assert.All(attempts, a => Assert.True(a.Outcome.Succeeded, a.Outcome.ExceptionMessage));
        Assert.All(attempts, a => Assert.Equal(0, a.RetryCount));

        // The same users through the app's HTTP API: each request forwarded to the worker's own server (ASP.NET Core integration).
        const string key = "worker-test-key";
        var api = await harness.ServeHttpAsync(0, key, Durable(ClosedPortUri()), CancellationToken.None);
        using var http = new HttpClient { BaseAddress = api };
        foreach (var (user, count) in expected)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, $"api/users/{user}/profile");
            request.Headers.Add("x-functions-key", key);
            using var response = await http.SendAsync(request);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            using var profile = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
            Assert.Equal(count, profile.RootElement.GetProperty("totals").GetProperty("view").GetProperty("count").GetInt64());
        }
        // The route's role: a reader route without the key is refused (by the worker's role check: every trigger is
        // anonymous to the host); liveness is served; a path no function routes is 404; a route with another method is 404 (no route matched).
        Assert.Equal(HttpStatusCode.Unauthorized, (await http.GetAsync($"api/users/u-1/profile")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("api/health")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync("api/nothing/here")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await http.PostAsync("api/health", null)).StatusCode);
        // An unknown user is the function's own answer (problem details from the worker), not the harness's.
        using (var unknown = new HttpRequestMessage(HttpMethod.Get, "api/users/nobody/profile"))
        {
            unknown.Headers.Add("x-functions-key", key);
            using var response = await http.SendAsync(unknown);
            Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        }

        var stored = await UsersAsync(run);
        Assert.Equal(expected.Keys.Order(), stored.Keys.Order());
        foreach (var (user, count) in expected)
        {
            stored[user].Bind(TreasureHunt.Core.Features.CompiledDefinitions.Default);
            Assert.Equal(count, stored[user].Feature("events")!.Counts![0]);
        }
        output.WriteLine($"{messages.Count} events in {attempts.Count} invocations ({log.Partitions.Count} partitions, each delivered twice): {stored.Count} users match");
    }

    // Retries: [ExponentialBackoffRetry(-1, ...)] in the metadata; the host re-invokes with a RetryContext and the Event Hubs
    // trigger checkpoints only after the retries complete (learn.microsoft.com functions-bindings-error-pages#retries).
    [Fact]
    public async Task A_failing_batch_is_retried_with_its_retry_context_and_never_completes()
    {
        var run = NewRun("wkretry");
        run.Settings["Rollups__FlushMinEvents"] = "1"; // every batch flushes: through a durable endpoint that refuses connections
        await using var harness = await StartAsync(run);
        var now = DateTimeOffset.UtcNow;
        var body = Encoding.UTF8.GetBytes($$"""{"eventId":"e-1","userId":"u-1","itemId":"t-1","type":"view","timestamp":"{{now.AddMinutes(-1):O}}"}""");
        var batch = new PartitionBatch("0", [new RawMessage(body, 0, now)]);

        var invoker = Invoker(harness, ClosedPortUri());
        var attempts = new List<EventHubBatchInvoker.Attempt>();
        using var stop = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        invoker.Attempted += a =>
        {
            attempts.Add(a);
            if (attempts.Count == 3)
            {
                stop.Cancel();
            }
        };
        var watch = Stopwatch.StartNew();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => invoker.InvokeAsync(batch, stop.Token));
        Assert.Equal([0, 1, 2], attempts.Select(a => a.RetryCount));
        Assert.All(attempts, a => Assert.False(a.Outcome.Succeeded));
        // Backoff between attempts: 1 s, then 2 s (minimumInterval doubling up to maximumInterval).
        Assert.True(watch.Elapsed >= TimeSpan.FromSeconds(3), $"three attempts took {watch.Elapsed}");
        output.WriteLine($"attempts failed with {attempts[0].Outcome.ExceptionType}: {attempts[0].Outcome.ExceptionMessage}");
        await DeleteDatabaseAsync(run);
    }

    // Start-up: the worker's Program.cs validates every options class before it connects (ValidateOnStart); the host
    // reports a worker process that exits during start-up with its output.
    [Fact]
    public async Task A_worker_that_fails_start_up_on_a_bad_setting_is_reported_with_the_setting()
    {
        var run = NewRun("wkbadsetting");
        run.Settings["Rollups__ShardCount"] = "0";
        var failure = await Assert.ThrowsAsync<WorkerStartupException>(() => StartAsync(run));
        Assert.Contains("exited during start-up", failure.Message, StringComparison.Ordinal);
        Assert.Contains("Rollups:ShardCount", failure.Message, StringComparison.Ordinal);
    }

    // A crash: the host restarts a worker that died and the partition's batch is delivered again from its checkpoint.
    [Fact]
    public async Task A_killed_worker_fails_its_invocation_and_a_restarted_one_takes_the_redelivered_batch()
    {
        var run = NewRun("wkkill");
        run.Settings["Rollups__FlushMinEvents"] = "1000000";
        run.Settings["Rollups__FlushMaxAgeSeconds"] = "3600";
        await using var harness = await StartAsync(run);
        var firstPid = harness.ProcessId;
        var now = DateTimeOffset.UtcNow;
        var messages = Enumerable.Range(0, 40).Select(i => new RawMessage(
            Encoding.UTF8.GetBytes($$"""{"eventId":"k-{{i}}","userId":"u-{{i % 4}}","itemId":"t-1","type":"view","timestamp":"{{now.AddMinutes(-1):O}}"}"""), i, now)).ToList();
        var batch = new PartitionBatch("0", messages);
        var invoker = Invoker(harness, ClosedPortUri());

        var api = await harness.ServeHttpAsync(0, null, Durable(ClosedPortUri()), CancellationToken.None);
        using var http = new HttpClient { BaseAddress = api };
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("api/health")).StatusCode);

        harness.KillWorker();
        await Assert.ThrowsAsync<WorkerUnavailableException>(() => invoker.InvokeAsync(batch, CancellationToken.None));
        // Without a worker the harness answers 503 (Service Unavailable) until one is back.
        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await http.GetAsync("api/health")).StatusCode);

        await harness.StartWorkerAsync(CancellationToken.None);
        Assert.NotEqual(firstPid, harness.ProcessId);
        // The restarted worker advertises a new HttpUri: the forwarder follows it.
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("api/health")).StatusCode);
        await invoker.InvokeAsync(batch, CancellationToken.None);
        var stored = await UsersAsync(run);
        Assert.Equal(4, stored.Count);
        Assert.All(stored.Values, u =>
        {
            u.Bind(TreasureHunt.Core.Features.CompiledDefinitions.Default);
            Assert.Equal(10, u.Feature("events")!.Counts![0]);
        });
    }

    // The reliability tests' load (their generator and ground truth) through the worker process, with a SIGKILL in the
    // middle of a batch and a restart: the pump checkpoints a partition only after a successful invocation, as the Event
    // Hubs trigger does, so the killed batch is delivered again. User aggregates only: rollups need the durable sidecar.
    [Fact]
    public async Task The_reliability_load_through_the_worker_with_a_sigkill_mid_stream_matches_the_ground_truth()
    {
        var run = NewRun("wkload");
        run.Settings["Rollups__FlushMinEvents"] = "1000000";
        run.Settings["Rollups__FlushMaxAgeSeconds"] = "3600";
        await using var harness = await StartAsync(run);
        var (messages, truth) = Reliability.ReliabilityTests.Generate(6_000, new TreasureHunt.Tools.Load.LoadProfile(Users: 600, Items: 200, DuplicateRate: 0, BadRate: 0, Seed: 23));
        using var log = new LocalEventLog(Path.Combine(run.StateDir, "log"), 4);
        await log.AppendAsync([.. messages.Select(m => (ReadOnlyMemory<byte>)m)], DateTimeOffset.UtcNow, CancellationToken.None);

        var invoker = Invoker(harness, ClosedPortUri());
        var checkpoints = log.Partitions.ToDictionary(p => p.PartitionId, _ => -1L);
        var killed = false;
        var redelivered = 0;
        var watch = Stopwatch.StartNew();
        while (checkpoints.Any(c => c.Value + 1 < log.Partitions.Single(p => p.PartitionId == c.Key).NextSequenceNumber))
        {
            foreach (var partition in log.Partitions)
            {
                var next = checkpoints[partition.PartitionId] + 1;
                if (next >= partition.NextSequenceNumber)
                {
                    continue;
                }
                var batch = new PartitionBatch(partition.PartitionId, partition.Read(next, 500));
                var invocation = invoker.InvokeAsync(batch, CancellationToken.None);
                if (!killed && partition.PartitionId == "2" && next > 0)
                {
                    // SIGKILL while the worker writes this batch (or just after): it must be neither lost nor doubled.
                    await Task.Delay(150);
                    harness.KillWorker();
                    killed = true;
                }
                try
                {
                    await invocation;
                    checkpoints[partition.PartitionId] = batch.LastSequenceNumber;
                }
                catch (WorkerUnavailableException)
                {
                    redelivered++;
                    await harness.StartWorkerAsync(CancellationToken.None);
                }
            }
        }
        Assert.True(killed);
        output.WriteLine($"{messages.Count} events through the worker in {watch.Elapsed.TotalSeconds:0.0} s (busy machine), {redelivered} batch(es) redelivered after the kill");

        var stored = await UsersAsync(run);
        Assert.Equal(truth.Users.Count, stored.Count);
        foreach (var (userId, expected) in truth.Users)
        {
            var actual = stored[userId];
            actual.Bind(TreasureHunt.Core.Features.CompiledDefinitions.Default);
            Assert.True(expected.Counts.SequenceEqual(actual.Feature("events")!.Counts!), $"counts of a user differ: {string.Join(",", actual.Feature("events")!.Counts!)} != {string.Join(",", expected.Counts)}");
            var values = actual.Feature("value")!.Sums!;
            for (var t = 0; t < 5; t++)
            {
                Assert.True(Math.Abs(expected.Values[t] - values[t]) <= 1e-6 * Math.Max(1, Math.Abs(expected.Values[t])), $"value sum of type {t}");
            }
            Assert.Equal(expected.First, actual.FirstEventTime);
            Assert.Equal(expected.Last, actual.LastEventTime);
        }
    }

    // Durable entities through the worker: the worker's DurableTaskClient signals the harness's sidecar
    // (TaskHubSidecarService.SignalEntity), the DurableTask.Core backend on Azurite queues the operations and hands each
    // batch to the worker's entity trigger (EntityBatchRequest in, EntityBatchResult back), and the totals query reads the
    // entity through the sidecar (GetEntity). Sources: azure-functions-durable-extension DurableTaskFunctionsMiddleware
    // (entity trigger input and result), DurableTaskClientConverter (client binding).
    [Fact]
    public async Task Rollups_flush_through_the_sidecar_and_the_worker_runs_the_entity_batches()
    {
        var run = NewRun("wkentities");
        run.Settings["Rollups__FlushMinEvents"] = "1"; // every batch flushes its rollup delta to the entities
        var (messages, truth) = Reliability.ReliabilityTests.Generate(2_000, new TreasureHunt.Tools.Load.LoadProfile(Users: 200, Items: 60, DuplicateRate: 0, BadRate: 0, Seed: 29));
        var loggers = TestOutputLoggerProvider.CreateFactory(output);
        FunctionsWorkerHarness? harness = null;
        await using var entities = new TreasureHunt.LocalEntities.LocalEntityHost(emulators.StorageConnectionString, run.Settings["TaskHubName"],
            new TreasureHunt.Core.Rollups.RollupOptions(), loggers, partitionCount: 2,
            entities: () => [WorkerEntity.Registration(harness!, "itemshard"), WorkerEntity.Registration(harness!, "globaltotals")]);
        harness = await FunctionsWorkerHarness.StartAsync(
            new WorkerHarnessOptions
            {
                WorkerDirectory = FunctionsOutputDir,
                AppSettings = WorkerAppSettings.FromSample(Path.Combine(emulators.Emulators.RepoRoot, "local.settings.sample.json"), run.Settings),
                DurableBackend = new DurableTaskBackend(entities.Service, entities.Service),
            },
            loggers, CancellationToken.None);
        await using var _ = harness;
        await entities.StartAsync(CancellationToken.None);

        using var log = new LocalEventLog(Path.Combine(run.StateDir, "log"), 2);
        await log.AppendAsync([.. messages.Select(m => (ReadOnlyMemory<byte>)m)], DateTimeOffset.UtcNow, CancellationToken.None);
        var invoker = new EventHubBatchInvoker(harness, "Aggregate", Hub, harness.DurableClient, TimeProvider.System, loggers.CreateLogger<EventHubBatchInvoker>());
        foreach (var partition in log.Partitions)
        {
            for (long next = 0; next < partition.NextSequenceNumber;)
            {
                var batch = new PartitionBatch(partition.PartitionId, partition.Read(next, 500));
                await invoker.InvokeAsync(batch, CancellationToken.None);
                next = batch.LastSequenceNumber + 1;
            }
        }

        // GET /api/totals through the worker's HTTP path reads the globaltotals entity through the sidecar.
        const string key = "worker-test-key";
        var api = await harness.ServeHttpAsync(0, key, harness.DurableClient, CancellationToken.None);
        using var http = new HttpClient { BaseAddress = api };
        http.DefaultRequestHeaders.Add("x-functions-key", key);
        var deadline = Stopwatch.StartNew();
        JsonElement totals = default;
        while (deadline.Elapsed < TimeSpan.FromMinutes(2))
        {
            using var response = await http.GetAsync("api/totals");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            totals = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();
            if (totals.GetProperty("events").GetInt64() == truth.Events)
            {
                break;
            }
            await Task.Delay(500);
        }
        Assert.Equal(truth.Events, totals.GetProperty("events").GetInt64());
        string[] types = ["view", "click", "share", "claim", "purchase"];
        for (var t = 0; t < 5; t++)
        {
            Assert.Equal(truth.ByType[t], totals.GetProperty("byType").GetProperty(types[t]).GetInt64());
        }
        // Item stats: the item shards (run in the worker) write their buffers to the item documents; busiest items first.
        var items = truth.Items.OrderByDescending(i => i.Value.Sum()).ThenBy(i => i.Key, StringComparer.Ordinal).Take(10).Select(i => i.Key).ToList();
        foreach (var itemId in items)
        {
            JsonElement stats = default;
            while (deadline.Elapsed < TimeSpan.FromMinutes(2))
            {
                using var response = await http.GetAsync($"api/items/{itemId}/stats");
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    stats = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();
                    if (Enumerable.Range(0, 5).All(t => stats.GetProperty("totals").GetProperty(types[t]).GetInt64() == truth.Items[itemId][t]))
                    {
                        break;
                    }
                }
                await Task.Delay(500);
            }
            for (var t = 0; t < 5; t++)
            {
                Assert.Equal(truth.Items[itemId][t], stats.GetProperty("totals").GetProperty(types[t]).GetInt64());
            }
        }
        output.WriteLine($"{truth.Events} events: totals and the {items.Count} busiest items through the worker's entities equal the ground truth after {deadline.Elapsed.TotalSeconds:0.0} s");
        await entities.StopAsync();
        await entities.DeleteTaskHubAsync();
        await DeleteDatabaseAsync(run);
    }

    private sealed record Run(string Name, string StateDir, Dictionary<string, string> Settings);

    private Run NewRun(string prefix)
    {
        var name = TestNames.UniqueName(prefix);
        var stateDir = Path.Combine(Path.GetTempPath(), "th-tests", name);
        Directory.CreateDirectory(stateDir);
        var settings = new Dictionary<string, string>
        {
            ["AzureWebJobsStorage"] = emulators.StorageConnectionString,
            ["Tables__ConnectionString"] = emulators.StorageConnectionString,
            ["Tables__CostLedgerTable"] = name + "cost",
            ["Tables__DeadLettersTable"] = name + "dead",
            ["Tables__CheckpointsTable"] = name + "ckpt",
            ["Cosmos__Endpoint"] = emulators.CosmosEndpoint.ToString(),
            ["Cosmos__Key"] = emulators.CosmosKey,
            ["Cosmos__Database"] = name,
            ["TaskHubName"] = name.Replace("-", "", StringComparison.Ordinal),
            ["Logging__LogLevel__Default"] = "Warning",
            // Every HTTP trigger is anonymous to the host; the worker checks the route's role (the tests read as the reader).
            ["Access__ReaderKey"] = "worker-test-key",
        };
        return new Run(name, stateDir, settings);
    }

    private Task<FunctionsWorkerHarness> StartAsync(Run run) => FunctionsWorkerHarness.StartAsync(
        new WorkerHarnessOptions
        {
            WorkerDirectory = FunctionsOutputDir,
            AppSettings = WorkerAppSettings.FromSample(Path.Combine(emulators.Emulators.RepoRoot, "local.settings.sample.json"), run.Settings),
        },
        TestOutputLoggerProvider.CreateFactory(output),
        CancellationToken.None);

    private static DurableClientBinding Durable(Uri rpc) => new(rpc, "unused", "AzureWebJobsStorage", new Uri(rpc, "runtime/webhooks/durabletask/"));

    private EventHubBatchInvoker Invoker(FunctionsWorkerHarness harness, Uri durableRpc) => new(
        harness, "Aggregate", Hub, Durable(durableRpc), TimeProvider.System, TestOutputLoggerProvider.CreateFactory(output).CreateLogger<EventHubBatchInvoker>());

    private async Task<Dictionary<string, UserDocument>> UsersAsync(Run run)
    {
        var options = new CosmosOptions { Endpoint = emulators.CosmosEndpoint.ToString(), Key = emulators.CosmosKey, Database = run.Name };
        using var cosmos = CosmosClientFactory.Create(options);
        var documents = new CosmosDocuments<UserDocument>(cosmos.GetContainer(run.Name, options.UsersContainer), CosmosResilience.Create(3), false);
        var users = (await documents.QueryAsync(new QueryDefinition("SELECT * FROM c"), null, default)).ToDictionary(u => u.UserId);
        await cosmos.GetDatabase(run.Name).DeleteAsync();
        return users;
    }

    private async Task DeleteDatabaseAsync(Run run)
    {
        using var response = await emulators.Cosmos.GetDatabase(run.Name).DeleteStreamAsync();
    }

    /// <summary>A loopback URI nothing listens on: the durable endpoint of a backend that is down.</summary>
    private static Uri ClosedPortUri()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return new Uri($"http://127.0.0.1:{port}/");
    }
}
