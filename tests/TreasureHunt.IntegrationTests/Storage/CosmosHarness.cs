using System.Text.Json;
using Microsoft.Azure.Cosmos;
using Polly;
using TreasureHunt.Core.Aggregation;
using TreasureHunt.Core.Rollups;
using TreasureHunt.Storage;
using TreasureHunt.Storage.Cosmos;
using TreasureHunt.Testing;
using TreasureHunt.Testing.Reference;

namespace TreasureHunt.IntegrationTests.Storage;

/// <summary>
/// One test's own Cosmos database on the emulator, created with the product's factory and container definitions
/// (<see cref="CosmosClientFactory"/>), and the product's stores on it. Disposing deletes the database.
/// </summary>
internal sealed class CosmosHarness : IAsyncDisposable
{
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private readonly EmulatorFixture _fixture;
    private readonly List<CosmosClient> _clients = [];

    private CosmosHarness(EmulatorFixture fixture, CosmosOptions options, CosmosClient client)
    {
        _fixture = fixture;
        Options = options;
        Client = client;
        _clients.Add(client);
    }

    public CosmosOptions Options { get; }

    /// <summary>The client of the product's factory (with the fault handler when one was given).</summary>
    public CosmosClient Client { get; }

    public Container Users => Client.GetContainer(Options.Database, Options.UsersContainer);
    public Container Progress => Client.GetContainer(Options.Database, Options.ProgressContainer);

    public static async Task<CosmosHarness> CreateAsync(
        EmulatorFixture fixture,
        string prefix,
        bool estimateRequestUnits = true,
        int maxRetries = 6,
        Func<HttpMessageHandler, HttpMessageHandler>? handler = null)
    {
        var options = new CosmosOptions
        {
            Endpoint = fixture.CosmosEndpoint.ToString(),
            Key = fixture.CosmosKey,
            Database = EmulatorFixture.UniqueName(prefix),
            EstimateRequestUnits = estimateRequestUnits,
            MaxRetries = maxRetries,
        };
        var client = CosmosClientFactory.Create(options, handler);
        var harness = new CosmosHarness(fixture, options, client);
        await CosmosClientFactory.EnsureCreatedAsync(client, options, idleUserSeconds: null, CancellationToken.None);
        return harness;
    }

    /// <summary>Another client on the same database, as a second process would have.</summary>
    public CosmosClient NewClient(Func<HttpMessageHandler, HttpMessageHandler>? handler = null, bool bulkExecution = false)
    {
        var client = CosmosClientFactory.Create(Options, handler, bulkExecution);
        _clients.Add(client);
        return client;
    }

    /// <summary>Adds another users-shaped container (same definition as <c>users</c>).</summary>
    public async Task<Container> AddUsersContainerAsync(string name)
    {
        await Client.GetDatabase(Options.Database).CreateContainerIfNotExistsAsync(ContainerDefinitions.Users(name));
        return Client.GetContainer(Options.Database, name);
    }

    public ResiliencePipeline Resilience() => CosmosResilience.Create(Options.MaxRetries);

    public CosmosDocuments<UserDocument> UserDocuments(Container? container = null) =>
        new(container ?? Users, Resilience(), Options.EstimateRequestUnits);

    /// <summary>Schema-1 documents (the reference <see cref="UserAggregate"/>) in the same container, for measurements of that shape.</summary>
    public CosmosDocuments<UserAggregate> Schema1Documents(Container? container = null) =>
        new(container ?? Users, Resilience(), Options.EstimateRequestUnits);

    public CosmosUserDocumentStore UserStore(bool writerCache, Container? container = null) =>
        new(UserDocuments(container), TreasureHunt.Core.Features.CompiledDefinitions.Default, writerCache ? NewCache() : null);

    /// <summary>The product's store with its updates through a bulk-enabled client of its own (<c>Cosmos:BulkExecution</c>).</summary>
    public CosmosUserDocumentStore BulkUserStore(bool writerCache, string? container = null) =>
        new(UserDocuments(container is null ? null : Client.GetContainer(Options.Database, container)), TreasureHunt.Core.Features.CompiledDefinitions.Default, writerCache ? NewCache() : null,
            new CosmosDocuments<UserDocument>(NewClient(bulkExecution: true).GetContainer(Options.Database, container ?? Options.UsersContainer), Resilience(), Options.EstimateRequestUnits));

    public CosmosProgressStore ProgressStore() =>
        new(new CosmosDocuments<PartitionProgress>(Progress, Resilience(), Options.EstimateRequestUnits));

    /// <summary>The item and leaderboard documents (containers <c>items</c>, <c>leaderboards</c>) of this database.</summary>
    public CosmosItemRollupStore ItemRollups() => new(
        new CosmosDocuments<ItemDocument>(Client.GetContainer(Options.Database, Options.ItemsContainer), Resilience(), Options.EstimateRequestUnits),
        new CosmosDocuments<LeaderboardDocument>(Client.GetContainer(Options.Database, Options.LeaderboardsContainer), Resilience(), Options.EstimateRequestUnits),
        new CosmosDocuments<TreasureHunt.Core.Groups.GroupDocument>(Client.GetContainer(Options.Database, Options.ItemsContainer), Resilience(), Options.EstimateRequestUnits),
        new CosmosDocuments<TreasureHunt.Core.Groups.KeyedLeaderboardDocument>(Client.GetContainer(Options.Database, Options.LeaderboardsContainer), Resilience(), Options.EstimateRequestUnits));

    /// <summary>The product's item rollup store as the host builds it with <c>Cosmos:BulkExecution</c>: the item shard
    /// writer's reads and writes through a bulk-enabled client of its own (a second process's, when called twice).</summary>
    public CosmosItemRollupStore BulkItemRollups(bool writerCache)
    {
        var bulk = NewClient(bulkExecution: true);
        CosmosDocuments<T> Through<T>(CosmosClient client, string container) where T : class =>
            new(client.GetContainer(Options.Database, container), Resilience(), Options.EstimateRequestUnits);
        return new(
            Through<ItemDocument>(Client, Options.ItemsContainer),
            Through<LeaderboardDocument>(Client, Options.LeaderboardsContainer),
            Through<TreasureHunt.Core.Groups.GroupDocument>(Client, Options.ItemsContainer),
            Through<TreasureHunt.Core.Groups.KeyedLeaderboardDocument>(Client, Options.LeaderboardsContainer),
            writerCache ? new WriterCache<ItemDocument>(10_000) : null,
            new CosmosItemRollupStore.Batched(
                Through<ItemDocument>(bulk, Options.ItemsContainer),
                Through<LeaderboardDocument>(bulk, Options.LeaderboardsContainer),
                Through<TreasureHunt.Core.Groups.GroupDocument>(bulk, Options.ItemsContainer),
                Through<TreasureHunt.Core.Groups.KeyedLeaderboardDocument>(bulk, Options.LeaderboardsContainer)));
    }

    public static WriterCache<UserDocument> NewCache() => new(10_000);

    /// <summary>The stored document as the product serializes it (ETag excluded: it is [JsonIgnore]; sketches sealed as before a write).</summary>
    public static string Serialize(UserDocument? document)
    {
        return JsonSerializer.Serialize(document, Json);
    }

    public static string Serialize(UserAggregate? aggregate) => JsonSerializer.Serialize(aggregate, Json);

    public async ValueTask DisposeAsync()
    {
        // Through the fixture's own client: a fault-injecting handler must not stop the clean-up.
        using (await _fixture.Cosmos.GetDatabase(Options.Database).DeleteStreamAsync())
        {
        }
        foreach (var client in _clients)
        {
            client.Dispose();
        }
    }
}
