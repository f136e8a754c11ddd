using Azure.Data.Tables;
using TreasureHunt.Core.Costs;

namespace TreasureHunt.Storage.Tables;

/// <summary>Writes entities as upserts in entity-group transactions: grouped by partition key, at most 100 per transaction.</summary>
internal static class TableBatches
{
    public const int MaxActionsPerTransaction = 100;

    public static async Task UpsertAsync(TableClient table, IEnumerable<ITableEntity> entities, CancellationToken cancellationToken)
    {
        foreach (var partition in entities.GroupBy(e => e.PartitionKey))
        {
            foreach (var chunk in partition.DistinctBy(e => e.RowKey).Chunk(MaxActionsPerTransaction))
            {
                if (chunk.Length == 1)
                {
                    await table.UpsertEntityAsync(chunk[0], TableUpdateMode.Replace, cancellationToken);
                }
                else
                {
                    await table.SubmitTransactionAsync(chunk.Select(e => new TableTransactionAction(TableTransactionActionType.UpsertReplace, e)), cancellationToken);
                }
                InvocationUsage.Current?.AddTableOperations(chunk.Length);
            }
        }
    }

    public static async Task<List<T>> QueryAsync<T>(TableClient table, string filter, int? max, CancellationToken cancellationToken) where T : class, ITableEntity
    {
        var results = new List<T>();
        await foreach (var page in table.QueryAsync<T>(filter, maxPerPage: max is { } m ? Math.Min(m, 1000) : null, cancellationToken: cancellationToken).AsPages())
        {
            InvocationUsage.Current?.AddTableOperations(1);
            foreach (var entity in page.Values)
            {
                results.Add(entity);
                if (results.Count == max)
                {
                    return results;
                }
            }
        }
        return results;
    }
}
