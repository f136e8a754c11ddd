using Azure.Data.Tables;
using TreasureHunt.Core.Costs;

namespace TreasureHunt.Storage.Tables;

/// <summary>
/// Deletes the rows a filter selects, page by page (only keys are read), in entity-group transactions of at most
/// 100 deletes of one partition: memory is one page whatever the number of rows.
/// </summary>
internal static class TableRetention
{
    public static async Task<long> DeleteAsync(TableClient table, string filter, CancellationToken cancellationToken)
    {
        long deleted = 0;
        await foreach (var page in table.QueryAsync<TableEntity>(filter, maxPerPage: 1000, select: ["PartitionKey", "RowKey"], cancellationToken: cancellationToken).AsPages())
        {
            InvocationUsage.Current?.AddTableOperations(1);
            foreach (var partition in page.Values.GroupBy(e => e.PartitionKey))
            {
                foreach (var chunk in partition.Chunk(TableBatches.MaxActionsPerTransaction))
                {
                    await table.SubmitTransactionAsync(chunk.Select(e => new TableTransactionAction(TableTransactionActionType.Delete, e, Azure.ETag.All)), cancellationToken);
                    InvocationUsage.Current?.AddTableOperations(chunk.Length);
                    deleted += chunk.Length;
                }
            }
        }
        return deleted;
    }
}
