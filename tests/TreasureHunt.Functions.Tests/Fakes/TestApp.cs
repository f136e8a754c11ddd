using System.Collections.Concurrent;
using System.Collections.Immutable;
using System.Text;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Moq;
using TreasureHunt.Core.Aggregation;
using TreasureHunt.Core.Costs;
using TreasureHunt.Core.Events;
using TreasureHunt.Core.Ports;
using TreasureHunt.Core.Rollups;
using TreasureHunt.Functions.Rollups;
using TreasureHunt.Pipeline;
using TreasureHunt.Pipeline.FinOps;

namespace TreasureHunt.Functions.Tests.Fakes;

/// <summary>
/// The Functions app's services over test doubles: the real pipeline (AddTreasureHuntPipeline) and the app's
/// DurableRollupClient, with Moq'd users / dead-letter / cost-ledger / health ports, an in-memory progress store,
/// an in-memory item rollup store, an in-memory entity backend (running the real entities) and a fake clock.
/// </summary>
public sealed class TestApp : IDisposable
{
    public static readonly DateTimeOffset Now = new(2026, 11, 27, 13, 30, 0, TimeSpan.Zero);

    public TestApp(IDictionary<string, string?>? settings = null, params (string Name, IHealthCheck Check)[] stores)
    {
        var values = new Dictionary<string, string?>
        {
            [Pipeline.Processing.ConsumerGroupName.Setting] = "aggregator",
            ["Rollups:FlushMinEvents"] = "2000",
            ["Rollups:FlushMaxAgeSeconds"] = "5",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            values[key] = value;
        }
        Configuration = new ConfigurationBuilder().AddInMemoryCollection(values).Build();

        Users.Setup(u => u.GetAsync(It.IsAny<string>(), It.IsAny<CancellationToken>()))
            .ReturnsAsync((string id, CancellationToken _) => Aggregates.TryGetValue(id, out var a) ? a : null);
        Users.Setup(u => u.UpdateAsync(It.IsAny<string>(), It.IsAny<Func<UserDocument, bool>>(), It.IsAny<CancellationToken>()))
            .ReturnsAsync((string id, Func<UserDocument, bool> apply, CancellationToken _) =>
                apply(Aggregates.GetOrAdd(id, userId => UserDocument.Create(userId, Services!.GetRequiredService<TreasureHunt.Core.Features.CompiledDefinitions>()))));
        Users.Setup(u => u.DeleteAsync(It.IsAny<string>(), It.IsAny<CancellationToken>()))
            .ReturnsAsync((string id, CancellationToken _) => Aggregates.TryRemove(id, out var _));
        DeadLetters.Setup(d => d.WriteAsync(It.IsAny<IReadOnlyList<DeadLetter>>(), It.IsAny<CancellationToken>()))
            .Callback((IReadOnlyList<DeadLetter> rows, CancellationToken _) => DeadLettersWritten.AddRange(rows))
            .Returns(Task.CompletedTask);
        // The erasure's delete, as the table store's index does it: the letters whose payload names the user, before the erasure.
        DeadLetters.Setup(d => d.DeleteForUserAsync(It.IsAny<string>(), It.IsAny<string>(), It.IsAny<long>(), It.IsAny<DateTimeOffset>(), It.IsAny<CancellationToken>()))
            .ReturnsAsync((string hash, string partitionId, long beforeSequence, DateTimeOffset through, CancellationToken _) =>
            {
                lock (DeadLettersWritten)
                {
                    // A dead letter written twice is one row in the store (IDeadLetterStore): count rows, not writes.
                    var doomed = DeadLettersWritten.Where(d =>
                        TreasureHunt.Core.Erasure.DeadLetterUserId.TryRead(d.Payload, out var user) && TreasureHunt.Core.Erasure.UserIdHash.Of(user) == hash
                        && (d.PartitionId == partitionId ? d.SequenceNumber < beforeSequence : d.EnqueuedTime <= through)).ToList();
                    DeadLettersWritten.RemoveAll(doomed.Contains);
                    return doomed.DistinctBy(d => (d.PartitionId, d.SequenceNumber)).Count();
                }
            });
        Ledger.Setup(l => l.WriteAsync(It.IsAny<IReadOnlyList<CostRecord>>(), It.IsAny<CancellationToken>()))
            .Callback((IReadOnlyList<CostRecord> rows, CancellationToken _) => LedgerWritten.AddRange(rows))
            .Returns(Task.CompletedTask);
        Ledger.Setup(l => l.WriteTotalsAsync(It.IsAny<string>(), It.IsAny<TimeSpan>(), It.IsAny<IReadOnlyList<CostTotal>>(), It.IsAny<CancellationToken>()))
            .Callback((string writer, TimeSpan period, IReadOnlyList<CostTotal> rows, CancellationToken _) => TotalsWritten.AddRange(rows.Select(r => (writer, period, r))))
            .Returns(Task.CompletedTask);

        var services = new ServiceCollection();
        services.AddLogging(b => b.SetMinimumLevel(LogLevel.Warning));
        services.AddTreasureHuntPipeline(Configuration);
        services.AddSingleton<TimeProvider>(Clock);
        services.AddSingleton(Configuration);
        services.AddSingleton(Users.Object);
        services.AddSingleton(DeadLetters.Object);
        services.AddSingleton(Ledger.Object);
        services.AddSingleton<IProgressStore>(Progress);
        services.AddSingleton<IParkedStore>(Parked);
        services.AddSingleton<IItemRollupStore>(ItemRollups);
        services.AddSingleton<IDefinitionsRegistry>(Registry);
        services.AddSingleton<IShadowProgressStore>(ShadowProgress);
        services.AddSingleton<IUserStoreFactory>(UserStores);
        services.AddSingleton<IErasureLog>(ErasureLog);
        services.AddSingleton<IErasureSender>(ErasureSender);
        services.AddSingleton<Core.Parking.IStoreRefusalClassifier, Storage.StoreRefusalClassifier>();
        foreach (var (name, check) in stores)
        {
            services.AddHealthChecks().AddCheck(name, check, HealthStatus.Unhealthy, [ReadinessTags.Store], ReadinessTags.Timeout);
        }
        services.AddSingleton<IRollupClient, DurableRollupClient>();
        services.AddSingleton<Http.ApiRouteInvoker>();
        Services = services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });
        Entities = new InMemoryEntityClient(
            Services.GetRequiredService<IOptions<RollupOptions>>().Value, Services.GetRequiredService<Pipeline.Rollups.ItemShardWriter>(), Clock);
    }

    public IConfiguration Configuration { get; }
    public FakeTimeProvider Clock { get; } = new(Now);
    public ConcurrentDictionary<string, UserDocument> Aggregates { get; } = new(StringComparer.Ordinal);
    public Mock<IUserDocumentStore> Users { get; } = StrictUserStore();

    /// <summary>Strict, with writes sent one by one (no bulk execution): the processor asks the store once per batch.</summary>
    private static Mock<IUserDocumentStore> StrictUserStore()
    {
        var users = new Mock<IUserDocumentStore>(MockBehavior.Strict);
        users.Setup(s => s.GroupsConcurrentUpdates).Returns(false);
        return users;
    }
    public Mock<IDeadLetterStore> DeadLetters { get; } = new(MockBehavior.Strict);
    public List<DeadLetter> DeadLettersWritten { get; } = [];
    public Mock<ICostLedger> Ledger { get; } = new(MockBehavior.Strict);
    public List<CostRecord> LedgerWritten { get; } = [];
    public List<(string Writer, TimeSpan Period, CostTotal Total)> TotalsWritten { get; } = [];
    public InMemoryProgressStore Progress { get; } = new();
    public InMemoryParkedStore Parked { get; } = new();
    public InMemoryItemRollupStore ItemRollups { get; } = new();
    public InMemoryDefinitionsRegistry Registry { get; } = new();
    public InMemoryShadowProgressStore ShadowProgress { get; } = new();
    public InMemoryUserStoreFactory UserStores { get; } = new();
    public InMemoryErasureLog ErasureLog { get; } = new();
    public RecordingErasureSender ErasureSender { get; } = new();
    public InMemoryEntityClient Entities { get; }
    public ServiceProvider Services { get; }

    public T Create<T>() => ActivatorUtilities.CreateInstance<T>(Services);

    public CostLedgerBuffer LedgerBuffer => Services.GetRequiredService<CostLedgerBuffer>();

    /// <summary>A mocked FunctionContext of a function with the given trigger binding type (plus a durableClient input).</summary>
    public static FunctionContext Context(string functionName, string triggerType, string invocationId = "invocation-1")
    {
        var bindings = ImmutableDictionary<string, BindingMetadata>.Empty
            .Add("durableClient", Binding("durableClient", "durableClient"))
            .Add("trigger", Binding("trigger", triggerType));
        var definition = new Mock<FunctionDefinition>();
        definition.SetupGet(d => d.Name).Returns(functionName);
        definition.SetupGet(d => d.InputBindings).Returns(bindings);
        var context = new Mock<FunctionContext>();
        context.SetupGet(c => c.InvocationId).Returns(invocationId);
        context.SetupGet(c => c.FunctionDefinition).Returns(definition.Object);
        context.SetupGet(c => c.CancellationToken).Returns(CancellationToken.None);
        return context.Object;
    }

    private static BindingMetadata Binding(string name, string type)
    {
        var binding = new Mock<BindingMetadata>();
        binding.SetupGet(b => b.Name).Returns(name);
        binding.SetupGet(b => b.Type).Returns(type);
        binding.SetupGet(b => b.Direction).Returns(BindingDirection.In);
        return binding.Object;
    }

    /// <summary>One event of the contract as its JSON body.</summary>
    public static string Event(string eventId, string userId, string itemId, string type = "click", DateTimeOffset? timestamp = null, string category = "gear") =>
        $$"""{"eventId":"{{eventId}}","userId":"{{userId}}","itemId":"{{itemId}}","category":"{{category}}","type":"{{type}}","value":1,"timestamp":"{{(timestamp ?? Now.AddMinutes(-1)):O}}"}""";

    public static byte[] Utf8(string s) => Encoding.UTF8.GetBytes(s);

    /// <summary>An app whose every batch seals and sends its rollup at once, so the totals are current after each batch.</summary>
    public static TestApp WithImmediateRollups() => new(new Dictionary<string, string?> { ["Rollups:FlushMinEvents"] = "1" });

    /// <summary>A batch of <paramref name="partition"/>, every message enqueued at <see cref="Now"/>.</summary>
    public static PartitionBatch Batch(string partition, params (long Sequence, string Body)[] messages) =>
        new(partition, messages.Select(m => new RawMessage(Encoding.UTF8.GetBytes(m.Body), m.Sequence, Now)).ToList());

    /// <summary>The batch through the real processor, as consumer group "aggregator", with the entity client in scope.</summary>
    public async Task<Pipeline.Processing.BatchSummary> ProcessAsync(PartitionBatch batch)
    {
        using var rollups = DurableRollupClient.Use(Entities.AsClient());
        return await Services.GetRequiredService<Pipeline.Processing.PartitionBatchProcessor>().ProcessAsync(batch, "aggregator", default);
    }

    /// <summary>A replay of the parked messages of consumer group "aggregator", with the entity client in scope.</summary>
    public async Task<Pipeline.Processing.ReplayReport> ReplayAsync()
    {
        using var rollups = DurableRollupClient.Use(Entities.AsClient());
        return await Services.GetRequiredService<Pipeline.Processing.ParkedReplayer>().ReplayAsync("aggregator", default);
    }

    /// <summary>A run of the erasure cleanup worker (what the hosts' timers run) for consumer group "aggregator"; returns the erasures it completed.</summary>
    public Task<int> CleanErasuresAsync(CancellationToken cancellationToken = default) =>
        Services.GetRequiredService<Pipeline.Erasure.ErasureCleaner>().CleanAsync("aggregator", cancellationToken);

    /// <summary>The global totals entity's counters.</summary>
    public async Task<GlobalCounters> TotalsAsync()
    {
        using var rollups = DurableRollupClient.Use(Entities.AsClient());
        return (await Services.GetRequiredService<IRollupClient>().GetGlobalAsync(default))!.Totals;
    }

    public void Dispose() => Services.Dispose();
}
