using Azure.Data.Tables;
using Microsoft.Azure.Cosmos;
using TreasureHunt.Core.Ports;

namespace TreasureHunt.Storage;

/// <summary>Cosmos answers when the aggregates database can be read.</summary>
public sealed class CosmosHealthProbe(CosmosClient client, CosmosOptions options) : IHealthProbe
{
    public string Name => "cosmos";

    public async Task<bool> IsHealthyAsync(CancellationToken cancellationToken)
    {
        using var response = await client.GetDatabase(options.Database).ReadStreamAsync(cancellationToken: cancellationToken);
        return response.IsSuccessStatusCode;
    }
}

/// <summary>Table storage answers when the checkpoints table can be queried.</summary>
public sealed class TablesHealthProbe(TableClient checkpoints) : IHealthProbe
{
    public string Name => "tables";

    public async Task<bool> IsHealthyAsync(CancellationToken cancellationToken)
    {
        await foreach (var _ in checkpoints.QueryAsync<TableEntity>(maxPerPage: 1, cancellationToken: cancellationToken).AsPages(pageSizeHint: 1))
        {
            break;
        }
        return true;
    }
}
