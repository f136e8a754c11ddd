using Microsoft.Azure.Cosmos;

namespace TreasureHunt.Storage.Cosmos;

/// <summary>
/// The client of the user-document reads and writes made while processing a batch and of the item shards' flush writes
/// (items, keyed groups, leaderboards): a second, bulk-enabled client when <see cref="CosmosOptions.BulkExecution"/> is
/// on (its operations are grouped into batch requests), else none. Everything else (queries, deletes, progress, the
/// API's reads) uses the process's single-request client.
/// </summary>
internal sealed class CosmosBatchedClient : IDisposable
{
    private CosmosBatchedClient(CosmosClient? client) => Client = client;

    /// <summary>The bulk-enabled client, or null when bulk execution is off.</summary>
    public CosmosClient? Client { get; }

    public static CosmosBatchedClient Create(CosmosOptions options, Func<HttpMessageHandler, HttpMessageHandler>? handler = null) =>
        new(options.BulkExecution ? CosmosClientFactory.Create(options, handler, bulkExecution: true) : null);

    public void Dispose() => Client?.Dispose();
}
