using System.Collections.Concurrent;
using System.Net;
using Microsoft.Azure.Cosmos;
using Polly;
using TreasureHunt.Core.Groups;
using TreasureHunt.Core.Ports;

namespace TreasureHunt.Storage.Cosmos;

/// <summary>
/// The keyed group documents and declared leaderboard windows of the back-filled definitions versions: container
/// <c>items-v{version}</c> (named after <c>Cosmos:ItemsContainer</c>), laid out as <c>items</c> (partition key /id,
/// nothing indexed) with time to live on and no default (tumbling leaderboard windows carry their own), point operations only.
/// Containers are created here only against the local emulator; in Azure the deployment creates them.
/// </summary>
internal sealed class CosmosKeyedStoreFactory(CosmosClient client, CosmosOptions options, ResiliencePipeline resilience) : IKeyedStoreFactory
{
    private readonly ConcurrentDictionary<string, IGroupDocumentStore> _stores = new(StringComparer.Ordinal);

    public string ShadowContainerOf(int version) => $"{options.ItemsContainer}-v{version}";

    public IGroupDocumentStore For(string container) =>
        _stores.GetOrAdd(container, name => new Store(
            new CosmosDocuments<GroupDocument>(client.GetContainer(options.Database, name), resilience, options.EstimateRequestUnits),
            new CosmosDocuments<KeyedLeaderboardDocument>(client.GetContainer(options.Database, name), resilience, options.EstimateRequestUnits)));

    public async Task EnsureContainerAsync(string container, CancellationToken cancellationToken)
    {
        if (options.IsLocalEmulator)
        {
            await client.GetDatabase(options.Database).CreateContainerIfNotExistsAsync(ContainerDefinitions.BackfilledKeys(container), cancellationToken: cancellationToken);
            return;
        }
        using var response = await client.GetContainer(options.Database, container).ReadContainerStreamAsync(cancellationToken: cancellationToken);
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            throw new InvalidOperationException(
                $"the Cosmos container '{container}' does not exist in database '{options.Database}'; create it first like the items container " +
                "(partition key /id, every path excluded from indexing) with time to live on and no default (leaderboard windows expire; bicep/modules/cosmos.bicep, docs/deploy.md)");
        }
        response.EnsureSuccessStatusCode();
    }

    public async Task<bool> TryDeleteContainerAsync(string container, CancellationToken cancellationToken)
    {
        if (!options.IsLocalEmulator || container == options.ItemsContainer) return false;
        using var response = await client.GetContainer(options.Database, container).DeleteContainerStreamAsync(cancellationToken: cancellationToken);
        return response.IsSuccessStatusCode || response.StatusCode == HttpStatusCode.NotFound;
    }

    private sealed class Store(CosmosDocuments<GroupDocument> documents, CosmosDocuments<KeyedLeaderboardDocument> leaderboards) : IGroupDocumentStore
    {
        public Task<KeyedLeaderboardDocument?> GetLeaderboardAsync(string id, CancellationToken cancellationToken) =>
            leaderboards.ReadTaggedAsync(id, id, (d, etag) => d.ETag = etag, cancellationToken);

        public Task<bool> TryWriteLeaderboardAsync(KeyedLeaderboardDocument document, CancellationToken cancellationToken) =>
            leaderboards.TryWriteTaggedAsync(document, document.Id, document.Id, document.ETag, (d, etag) => d.ETag = etag, cancellationToken);

        public Task<GroupDocument?> GetGroupAsync(string id, CancellationToken cancellationToken) =>
            documents.ReadTaggedAsync(id, id, (d, etag) => d.ETag = etag, cancellationToken);

        public Task<bool> TryWriteGroupAsync(GroupDocument document, CancellationToken cancellationToken) =>
            documents.TryWriteTaggedAsync(document, document.Id, document.Id, document.ETag, (d, etag) => d.ETag = etag, cancellationToken);
    }
}
