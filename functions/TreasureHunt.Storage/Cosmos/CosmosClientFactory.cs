using System.Text.Json;
using Azure.Identity;
using Microsoft.Azure.Cosmos;

namespace TreasureHunt.Storage.Cosmos;

/// <summary>Builds the one CosmosClient of a process: managed identity in Azure, the key against the local emulator.</summary>
public static class CosmosClientFactory
{
    /// <param name="handler">Optional message handler between the SDK and the network (tests inject faults here).</param>
    /// <param name="bulkExecution">The SDK's bulk execution: concurrent point operations are sent as batch requests
    /// (<see cref="CosmosOptions.BulkExecution"/>; the users' batched client).</param>
    public static CosmosClient Create(CosmosOptions options, Func<HttpMessageHandler, HttpMessageHandler>? handler = null, bool bulkExecution = false)
    {
        options.ThrowIfInvalid();
        var clientOptions = new CosmosClientOptions
        {
            ApplicationName = "treasure-hunt",
            ConnectionMode = options.IsLocalEmulator ? ConnectionMode.Gateway : ConnectionMode.Direct,
            LimitToEndpoint = options.IsLocalEmulator,
            // One retry policy (CosmosResilience) owns transient failures, including 429.
            MaxRetryAttemptsOnRateLimitedRequests = 0,
            UseSystemTextJsonSerializerWithOptions = new JsonSerializerOptions(JsonSerializerDefaults.Web),
            EnableContentResponseOnWrite = false,
            AllowBulkExecution = bulkExecution,
        };
        if (options.IsLocalEmulator || handler is not null)
        {
            clientOptions.ConnectionMode = ConnectionMode.Gateway;
            clientOptions.HttpClientFactory = () =>
            {
                var socketsHandler = new SocketsHttpHandler
                {
                    PooledConnectionLifetime = TimeSpan.FromMinutes(5),
                    MaxConnectionsPerServer = 64,
                };
                if (options.IsLocalEmulator)
                {
                    // The local emulator presents a self-signed certificate; only ever accepted for a loopback endpoint.
                    socketsHandler.SslOptions.RemoteCertificateValidationCallback = (_, _, _, _) => true;
                }
                return new HttpClient(handler is null ? socketsHandler : handler(socketsHandler));
            };
        }
        return string.IsNullOrEmpty(options.Key)
            ? new CosmosClient(options.Endpoint, new DefaultAzureCredential(), clientOptions)
            : new CosmosClient(options.Endpoint, options.Key, clientOptions);
    }

    /// <summary>Creates the database and containers with the documented partition keys and indexing (local emulator only; in Azure Bicep owns them).
    /// <paramref name="idleUserSeconds"/>: the users container's time to live (<c>Retention:IdleUserDays</c>), null = off.</summary>
    public static async Task EnsureCreatedAsync(CosmosClient client, CosmosOptions options, int? idleUserSeconds, CancellationToken cancellationToken)
    {
        Database database = await client.CreateDatabaseIfNotExistsAsync(options.Database, cancellationToken: cancellationToken);
        await EnsureUsersContainerAsync(database, options.UsersContainer, idleUserSeconds, cancellationToken);
        await database.CreateContainerIfNotExistsAsync(ContainerDefinitions.Progress(options.ProgressContainer), cancellationToken: cancellationToken);
        await database.CreateContainerIfNotExistsAsync(ContainerDefinitions.Items(options.ItemsContainer), cancellationToken: cancellationToken);
        await database.CreateContainerIfNotExistsAsync(ContainerDefinitions.Leaderboards(options.LeaderboardsContainer), cancellationToken: cancellationToken);
    }

    /// <summary>Creates a users container, or gives an existing one the configured time to live (a changed
    /// <c>Retention:IdleUserDays</c> applies to the documents already stored, as a Bicep redeployment does in Azure).</summary>
    public static async Task EnsureUsersContainerAsync(Database database, string name, int? idleUserSeconds, CancellationToken cancellationToken)
    {
        ContainerResponse response = await database.CreateContainerIfNotExistsAsync(ContainerDefinitions.Users(name, idleUserSeconds), cancellationToken: cancellationToken);
        if (response.Resource.DefaultTimeToLive != idleUserSeconds)
        {
            var properties = response.Resource;
            properties.DefaultTimeToLive = idleUserSeconds;
            await database.GetContainer(name).ReplaceContainerAsync(properties, cancellationToken: cancellationToken);
        }
    }
}

/// <summary>Container definitions; the same as bicep/modules/cosmos.bicep and docs/data-model.md.</summary>
internal static class ContainerDefinitions
{
    /// <summary>users: only point reads by id, so nothing is indexed (cheaper writes); a document expires
    /// <paramref name="idleUserSeconds"/> after its last write (null: never).</summary>
    public static ContainerProperties Users(string name, int? idleUserSeconds = null)
    {
        var properties = new ContainerProperties(name, "/userId") { DefaultTimeToLive = idleUserSeconds };
        properties.IndexingPolicy.IncludedPaths.Clear();
        properties.IndexingPolicy.ExcludedPaths.Add(new ExcludedPath { Path = "/*" });
        return properties;
    }

    /// <summary>progress: the flush timer queries consumerGroup and rollupPending; nothing else is indexed.</summary>
    public static ContainerProperties Progress(string name)
    {
        var properties = new ContainerProperties(name, "/partitionId");
        properties.IndexingPolicy.IncludedPaths.Clear();
        properties.IndexingPolicy.IncludedPaths.Add(new IncludedPath { Path = "/consumerGroup/?" });
        properties.IndexingPolicy.IncludedPaths.Add(new IncludedPath { Path = "/rollupPending/?" });
        properties.IndexingPolicy.ExcludedPaths.Add(new ExcludedPath { Path = "/*" });
        return properties;
    }

    /// <summary>items: one document per item, only point reads and writes by id, so nothing is indexed.</summary>
    public static ContainerProperties Items(string name)
    {
        var properties = new ContainerProperties(name, "/id");
        properties.IndexingPolicy.IncludedPaths.Clear();
        properties.IndexingPolicy.ExcludedPaths.Add(new ExcludedPath { Path = "/*" });
        return properties;
    }

    /// <summary>items-v{N}: a back-filled version's keyed group documents (as <see cref="Items"/>) and its declared
    /// leaderboard windows beside them; TTL on with no default, as <see cref="Leaderboards"/> (key documents never expire).</summary>
    public static ContainerProperties BackfilledKeys(string name)
    {
        var properties = Items(name);
        properties.DefaultTimeToLive = -1;
        return properties;
    }

    /// <summary>leaderboards: one document per (type, hour) and (type, all time), point operations only; TTL on
    /// (no default: hour documents carry their own <c>ttl</c>, all-time ones none).</summary>
    public static ContainerProperties Leaderboards(string name)
    {
        var properties = new ContainerProperties(name, "/id") { DefaultTimeToLive = -1 };
        properties.IndexingPolicy.IncludedPaths.Clear();
        properties.IndexingPolicy.ExcludedPaths.Add(new ExcludedPath { Path = "/*" });
        return properties;
    }
}
