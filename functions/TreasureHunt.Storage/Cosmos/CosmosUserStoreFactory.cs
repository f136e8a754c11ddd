using System.Collections.Concurrent;
using System.Net;
using Microsoft.Azure.Cosmos;
using Polly;
using TreasureHunt.Core.Features;
using TreasureHunt.Core.Ports;

namespace TreasureHunt.Storage.Cosmos;

/// <summary>
/// User stores per definitions version: the same <see cref="CosmosUserDocumentStore"/> over the version's container
/// (<c>users</c> for the configured version, <c>users-v{version}</c> for a back-filled one), each with its own
/// bounded writer cache. Containers are created here only against the local emulator; in Azure the deployment
/// creates them (docs/deploy.md), since data-plane RBAC cannot.
/// </summary>
/// <para>Every users container gets the idle-user time to live (<paramref name="idleUserSeconds"/>, <c>Retention:IdleUserDays</c>).</para>
/// <para>With a bulk-enabled <paramref name="batchedClient"/> (<c>Cosmos:BulkExecution</c>) each store's updates go through it.</para>
internal sealed class CosmosUserStoreFactory(CosmosClient client, CosmosOptions options, ResiliencePipeline resilience, int? idleUserSeconds = null,
    CosmosClient? batchedClient = null) : IUserStoreFactory
{
    private readonly ConcurrentDictionary<(string Container, CompiledDefinitions Definitions), IUserDocumentStore> _stores = new();

    public string PrimaryContainer => options.UsersContainer;

    public string ShadowContainerOf(int version) => $"{options.UsersContainer}-v{version}";

    public IUserDocumentStore For(string container, CompiledDefinitions definitions) =>
        _stores.GetOrAdd((container, definitions), key => new CosmosUserDocumentStore(
            new CosmosDocuments<Core.Aggregation.UserDocument>(client.GetContainer(options.Database, key.Container), resilience, options.EstimateRequestUnits),
            key.Definitions,
            WriterCache<Core.Aggregation.UserDocument>.OfSize(options.WriterCacheSize),
            batchedClient is null ? null : new CosmosDocuments<Core.Aggregation.UserDocument>(batchedClient.GetContainer(options.Database, key.Container), resilience, options.EstimateRequestUnits)));

    public async IAsyncEnumerable<string> ListUserIdsAsync(string container, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        // The users containers index nothing; a query without a filter is a scan of the ids, which is what this needs.
        using var iterator = client.GetContainer(options.Database, container).GetItemQueryIterator<IdOnly>(new QueryDefinition("SELECT c.id FROM c"));
        while (iterator.HasMoreResults)
        {
            var page = await resilience.ExecuteAsync(async ct => await iterator.ReadNextAsync(ct), cancellationToken);
            foreach (var item in page) yield return item.Id;
        }
    }

    private sealed record IdOnly(string Id);

    public async Task EnsureContainerAsync(string container, CancellationToken cancellationToken)
    {
        if (options.IsLocalEmulator)
        {
            await CosmosClientFactory.EnsureUsersContainerAsync(client.GetDatabase(options.Database), container, idleUserSeconds, cancellationToken);
            return;
        }
        using var response = await client.GetContainer(options.Database, container).ReadContainerStreamAsync(cancellationToken: cancellationToken);
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            throw new InvalidOperationException(
                $"the Cosmos container '{container}' does not exist in database '{options.Database}'; create it first like the users container " +
                $"(partition key /userId, every path excluded from indexing; bicep/modules/cosmos.bicep, docs/deploy.md)");
        }
        response.EnsureSuccessStatusCode();
    }

    public async Task<bool> TryDeleteContainerAsync(string container, CancellationToken cancellationToken)
    {
        if (!options.IsLocalEmulator || container == options.UsersContainer) return false;
        using var response = await client.GetContainer(options.Database, container).DeleteContainerStreamAsync(cancellationToken: cancellationToken);
        return response.IsSuccessStatusCode || response.StatusCode == HttpStatusCode.NotFound;
    }
}
