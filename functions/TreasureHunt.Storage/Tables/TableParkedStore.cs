using System.Globalization;
using Azure;
using Azure.Data.Tables;
using TreasureHunt.Core.Costs;
using TreasureHunt.Core.Erasure;
using TreasureHunt.Core.Parking;
using TreasureHunt.Core.Ports;

namespace TreasureHunt.Storage.Tables;

/// <summary>
/// Parked messages in the <c>parked</c> table: PartitionKey = source partition, RowKey = sequence number (20 digits),
/// so parking the same message twice keeps one row and a partition reads in sequence order. The raw body is kept
/// whole in binary properties of at most <see cref="ChunkBytes"/> each (Azure's 64 KiB property limit), up to
/// <see cref="MaxStoredBodyBytes"/> (the entity limit is 1 MiB); a larger body (only a <c>too_large</c> dead letter can
/// be) is stored cut, flagged <c>BodyTruncated</c>. Writes are entity-group transactions of at most 100 rows and
/// <see cref="MaxTransactionBytes"/> (under Azure's 4 MiB), so a batch of parked rows is never refused as a whole.
/// Bounded by what is parked (rare by design); replayed rows stay as the audit trail.
/// </summary>
internal sealed class TableParkedStore(TableClient table) : IParkedStore
{
    public const int ChunkBytes = 64 * 1000;
    public const int MaxChunks = 15;
    public const int MaxStoredBodyBytes = ChunkBytes * MaxChunks;
    public const int MaxTransactionBytes = 3 * 1024 * 1024;
    private const int MaxDetailChars = 4000;

    public async Task WriteAsync(IReadOnlyList<ParkedMessage> messages, CancellationToken cancellationToken)
    {
        foreach (var partition in messages.GroupBy(m => m.PartitionId, StringComparer.Ordinal))
        {
            var chunk = new List<TableEntity>();
            long bytes = 0;
            foreach (var message in partition.DistinctBy(m => m.SequenceNumber))
            {
                var entity = ToEntity(message);
                var size = Math.Min(message.Body.Length, MaxStoredBodyBytes) + 2 * message.Detail.Length + 1024;
                if (chunk.Count == 100 || (chunk.Count > 0 && bytes + size > MaxTransactionBytes))
                {
                    await SubmitAsync(chunk, cancellationToken);
                    chunk.Clear();
                    bytes = 0;
                }
                chunk.Add(entity);
                bytes += size;
            }
            if (chunk.Count > 0) await SubmitAsync(chunk, cancellationToken);
        }
    }

    public async Task<IReadOnlyList<ParkedMessage>> ListAsync(string? partitionId, bool onlyParked, int top, CancellationToken cancellationToken)
    {
        var filters = new List<string>();
        if (partitionId is not null) filters.Add(TableClient.CreateQueryFilter($"PartitionKey eq {partitionId}"));
        if (onlyParked) filters.Add(TableClient.CreateQueryFilter($"Status eq {ParkedStatus.Parked.Code()}"));
        var rows = await TableBatches.QueryAsync<TableEntity>(table, filters.Count == 0 ? "" : string.Join(" and ", filters), top, cancellationToken);
        return rows.Select(FromEntity).ToList();
    }

    /// <summary>Selects only PartitionKey and RowKey: a row's body (up to ~1 MB) is never transferred to count it.</summary>
    public async Task<int> CountParkedAsync(int upTo, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(upTo);
        var filter = TableClient.CreateQueryFilter($"Status eq {ParkedStatus.Parked.Code()}");
        var count = 0;
        await foreach (var page in table.QueryAsync<TableEntity>(filter, Math.Min(upTo, 1000), KeyColumns, cancellationToken).AsPages())
        {
            InvocationUsage.Current?.AddTableOperations(1);
            count += page.Values.Count;
            if (count >= upTo) return upTo;
        }
        return count;
    }

    private static readonly string[] KeyColumns = ["PartitionKey", "RowKey"];

    public async Task<IReadOnlyList<ParkedMessage>> ListForUserAsync(string partitionId, string userId, CancellationToken cancellationToken)
    {
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {partitionId} and UserId eq {userId} and Status eq {ParkedStatus.Parked.Code()}");
        var rows = await TableBatches.QueryAsync<TableEntity>(table, filter, null, cancellationToken);
        return rows.Select(FromEntity).OrderBy(m => m.SequenceNumber).ToList();
    }

    public async Task<int> DeleteForUserAsync(string partitionId, string userId, CancellationToken cancellationToken)
    {
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {partitionId} and UserId eq {userId}");
        var rows = await TableBatches.QueryAsync<TableEntity>(table, filter, null, cancellationToken);
        foreach (var chunk in rows.Chunk(100))
        {
            await table.SubmitTransactionAsync(chunk.Select(e => new TableTransactionAction(TableTransactionActionType.Delete, e, ETag.All)), cancellationToken);
            InvocationUsage.Current?.AddTableOperations(chunk.Length);
        }
        return rows.Count;
    }

    /// <summary>One query of the partition's rows (key columns and the user id only, never a body), then one transaction per 100 rows deleted.</summary>
    public async Task<IReadOnlyDictionary<string, int>> DeleteErasedAsync(string partitionId, IReadOnlyCollection<PendingErasureCleanup> erasures, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(erasures);
        var deleted = erasures.ToDictionary(e => e.ErasureId, _ => 0, StringComparer.Ordinal);
        if (erasures.Count == 0) return deleted;
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {partitionId}");
        var doomed = new List<TableEntity>();
        await foreach (var page in table.QueryAsync<TableEntity>(filter, 1000, ErasureColumns, cancellationToken).AsPages())
        {
            InvocationUsage.Current?.AddTableOperations(1);
            foreach (var row in page.Values)
            {
                if (row.GetString("UserId") is not { Length: > 0 } userId) continue;
                var sequence = long.Parse(row.RowKey, NumberStyles.None, CultureInfo.InvariantCulture);
                var hash = UserIdHash.Of(userId);
                if (erasures.FirstOrDefault(e => e.Covers(hash, partitionId, partitionId, sequence, default)) is not { } erasure) continue;
                doomed.Add(row);
                deleted[erasure.ErasureId]++;
            }
        }
        foreach (var chunk in doomed.Chunk(100))
        {
            await table.SubmitTransactionAsync(chunk.Select(e => new TableTransactionAction(TableTransactionActionType.Delete, e, ETag.All)), cancellationToken);
            InvocationUsage.Current?.AddTableOperations(chunk.Length);
        }
        return deleted;
    }

    private static readonly string[] ErasureColumns = ["PartitionKey", "RowKey", "UserId"];

    public async Task ResolveAsync(IReadOnlyList<ParkedMessage> messages, ParkedStatus status, DateTimeOffset at, CancellationToken cancellationToken)
    {
        foreach (var partition in messages.GroupBy(m => m.PartitionId, StringComparer.Ordinal))
        {
            foreach (var chunk in partition.DistinctBy(m => m.SequenceNumber).Chunk(100))
            {
                var actions = chunk.Select(m => new TableTransactionAction(TableTransactionActionType.UpdateMerge,
                    new TableEntity(m.PartitionId, RowKey(m.SequenceNumber)) { ["Status"] = status.Code(), ["ResolvedAt"] = at.UtcDateTime }, ETag.All));
                await table.SubmitTransactionAsync(actions, cancellationToken);
                InvocationUsage.Current?.AddTableOperations(chunk.Length);
            }
        }
    }

    private async Task SubmitAsync(List<TableEntity> chunk, CancellationToken cancellationToken)
    {
        if (chunk.Count == 1) await table.UpsertEntityAsync(chunk[0], TableUpdateMode.Replace, cancellationToken);
        else await table.SubmitTransactionAsync(chunk.Select(e => new TableTransactionAction(TableTransactionActionType.UpsertReplace, e)), cancellationToken);
        InvocationUsage.Current?.AddTableOperations(chunk.Count);
    }

    private static string RowKey(long sequenceNumber) => sequenceNumber.ToString("D20", CultureInfo.InvariantCulture);

    private static TableEntity ToEntity(ParkedMessage m)
    {
        var entity = new TableEntity(m.PartitionId, RowKey(m.SequenceNumber))
        {
            ["SequenceNumber"] = m.SequenceNumber,
            ["LastSequenceNumber"] = m.ThroughSequenceNumber,
            ["EnqueuedTime"] = m.EnqueuedTime.UtcDateTime,
            ["UserId"] = m.UserId ?? "",
            ["Reason"] = m.ReasonCode,
            ["Detail"] = m.Detail.Length <= MaxDetailChars ? m.Detail : m.Detail[..MaxDetailChars],
            ["ParkedAt"] = m.ParkedAt.UtcDateTime,
            ["Status"] = m.Status.Code(),
            ["BodyLength"] = m.Body.Length,
            ["BodyTruncated"] = m.Body.Length > MaxStoredBodyBytes,
        };
        if (m.ResolvedAt is { } resolved) entity["ResolvedAt"] = resolved.UtcDateTime;
        var body = m.Body.Span[..Math.Min(m.Body.Length, MaxStoredBodyBytes)];
        for (int offset = 0, i = 0; offset < body.Length; offset += ChunkBytes, i++)
        {
            entity[$"Body{i}"] = body.Slice(offset, Math.Min(ChunkBytes, body.Length - offset)).ToArray();
        }
        return entity;
    }

    private static ParkedMessage FromEntity(TableEntity e)
    {
        var length = Math.Min(e.GetInt32("BodyLength") ?? 0, MaxStoredBodyBytes);
        var body = new byte[length];
        for (int offset = 0, i = 0; offset < length; offset += ChunkBytes, i++)
        {
            var part = e.GetBinary($"Body{i}") ?? throw new InvalidDataException($"parked row {e.PartitionKey}/{e.RowKey}: Body{i} is missing");
            part.CopyTo(body, offset);
        }
        var userId = e.GetString("UserId");
        return new ParkedMessage(
            e.PartitionKey,
            e.GetInt64("SequenceNumber") ?? long.Parse(e.RowKey, CultureInfo.InvariantCulture),
            e.GetDateTimeOffset("EnqueuedTime") ?? default,
            string.IsNullOrEmpty(userId) ? null : userId,
            ParkReasons.TryParse(e.GetString("Reason"), out var reason) ? reason : throw new InvalidDataException($"parked row {e.PartitionKey}/{e.RowKey}: unknown reason '{e.GetString("Reason")}'"),
            e.GetString("Detail") ?? "",
            body,
            e.GetDateTimeOffset("ParkedAt") ?? default,
            ParkedStatuses.Parse(e.GetString("Status")),
            e.GetDateTimeOffset("ResolvedAt"),
            e.GetInt64("LastSequenceNumber") ?? -1);
    }
}
