using System.Text.Json;
using Azure;
using Azure.Data.Tables;
using TreasureHunt.Core.Costs;
using TreasureHunt.Core.Erasure;
using TreasureHunt.Core.Ports;

namespace TreasureHunt.Storage.Tables;

/// <summary>
/// The erasure log in the <c>erasures</c> table: PartitionKey <c>erasure</c> (erasures are rare: one partition is
/// plenty), RowKey = erasure id. Columns: <c>UserIdHash</c> (never the raw id), <c>RequestedAt</c>, <c>State</c>,
/// <c>PartitionId</c>, <c>SequenceNumber</c>, <c>AppliedAt</c>, <c>Stores</c> (JSON: store → what was done),
/// <c>ParkedCounted</c>. Kept in
/// Table storage, not Cosmos DB, so that a point-in-time restore of the Cosmos account does not take it back too.
/// </summary>
internal sealed class TableErasureLog(TableClient table) : IErasureLog
{
    public const string PartitionKey = "erasure";

    /// <summary>Row keys per query of <see cref="GetManyAsync"/>: a filter holds at most 15 comparisons, one is the partition key.</summary>
    private const int IdsPerQuery = 14;

    public async Task WriteAsync(ErasureRecord record, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(record);
        await table.UpsertEntityAsync(ToEntity(record), TableUpdateMode.Replace, cancellationToken);
        InvocationUsage.Current?.AddTableOperations(1);
    }

    public Task WriteManyAsync(IReadOnlyList<ErasureRecord> records, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(records);
        return TableBatches.UpsertAsync(table, records.Select(ToEntity), cancellationToken); // one partition: ⌈n ÷ 100⌉ transactions
    }

    public async Task<IReadOnlyDictionary<string, ErasureRecord>> GetManyAsync(IReadOnlyCollection<string> erasureIds, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(erasureIds);
        var found = new Dictionary<string, ErasureRecord>(StringComparer.Ordinal);
        var queries = erasureIds.Distinct(StringComparer.Ordinal).Chunk(IdsPerQuery).Select(chunk =>
        {
            var ids = string.Join(" or ", chunk.Select(id => TableClient.CreateQueryFilter($"RowKey eq {id}")));
            return TableBatches.QueryAsync<TableEntity>(table, $"PartitionKey eq '{PartitionKey}' and ({ids})", null, cancellationToken);
        });
        foreach (var rows in await Task.WhenAll(queries))
        {
            foreach (var row in rows) found[row.RowKey] = FromEntity(row);
        }
        return found;
    }

    private static TableEntity ToEntity(ErasureRecord record)
    {
        var entity = new TableEntity(PartitionKey, record.ErasureId)
        {
            ["UserIdHash"] = record.UserIdHash,
            ["RequestedAt"] = record.RequestedAt.UtcDateTime,
            ["State"] = Code(record.State),
            ["PartitionId"] = record.PartitionId ?? "",
            ["Stores"] = JsonSerializer.Serialize(record.Stores ?? new Dictionary<string, string>()),
            ["ParkedCounted"] = record.ParkedCounted,
        };
        if (record.SequenceNumber is { } seq) entity["SequenceNumber"] = seq;
        if (record.AppliedAt is { } at) entity["AppliedAt"] = at.UtcDateTime;
        return entity;
    }

    public async Task<ErasureRecord?> GetAsync(string erasureId, CancellationToken cancellationToken)
    {
        var response = await table.GetEntityIfExistsAsync<TableEntity>(PartitionKey, erasureId, cancellationToken: cancellationToken);
        InvocationUsage.Current?.AddTableOperations(1);
        return response.HasValue ? FromEntity(response.Value!) : null;
    }

    public async Task<IReadOnlyList<ErasureRecord>> ListAppliedSinceAsync(DateTimeOffset since, CancellationToken cancellationToken)
    {
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {PartitionKey} and State eq {Code(ErasureState.Applied)} and AppliedAt ge {since.UtcDateTime}");
        var rows = await TableBatches.QueryAsync<TableEntity>(table, filter, null, cancellationToken);
        return rows.Select(FromEntity).OrderBy(r => r.AppliedAt).ToList();
    }

    private static string Code(ErasureState state) => state == ErasureState.Applied ? "applied" : "requested";

    private static ErasureRecord FromEntity(TableEntity e)
    {
        var partition = e.GetString("PartitionId");
        return new ErasureRecord(
            e.RowKey,
            e.GetString("UserIdHash") ?? "",
            e.GetDateTimeOffset("RequestedAt") ?? default,
            e.GetString("State") == "applied" ? ErasureState.Applied : ErasureState.Requested,
            string.IsNullOrEmpty(partition) ? null : partition,
            e.GetInt64("SequenceNumber"),
            e.GetDateTimeOffset("AppliedAt"),
            JsonSerializer.Deserialize<Dictionary<string, string>>(e.GetString("Stores") ?? "{}"),
            e.GetInt32("ParkedCounted") ?? 0);
    }
}
