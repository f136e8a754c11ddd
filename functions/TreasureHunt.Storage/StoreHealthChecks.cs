using Azure.Data.Tables;
using Microsoft.Azure.Cosmos;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace TreasureHunt.Storage;

/// <summary>Cosmos DB answers when the aggregates database can be read.</summary>
internal sealed class CosmosHealthCheck(CosmosClient client, CosmosOptions options) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        using var response = await client.GetDatabase(options.Database).ReadStreamAsync(cancellationToken: cancellationToken);
        return response.IsSuccessStatusCode ? HealthCheckResult.Healthy() : HealthCheckResult.Unhealthy($"Cosmos DB answered {(int)response.StatusCode}");
    }
}

/// <summary>Table storage answers when the checkpoints table can be queried.</summary>
internal sealed class TablesHealthCheck(TableClient checkpoints) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        await foreach (var _ in checkpoints.QueryAsync<TableEntity>(maxPerPage: 1, cancellationToken: cancellationToken).AsPages(pageSizeHint: 1))
        {
            break;
        }
        return HealthCheckResult.Healthy();
    }
}
