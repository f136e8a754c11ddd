using System.Globalization;
using Azure;
using Azure.Data.Tables;
using TreasureHunt.Core.Costs;
using TreasureHunt.Core.Erasure;
using TreasureHunt.Core.Events;
using TreasureHunt.Core.Ports;
using TreasureHunt.Core.Rollups;

namespace TreasureHunt.Storage.Tables;

/// <summary>
/// Dead letters in the <c>deadletters</c> table, newest first, partitioned by source-partition bucket and hour, with an
/// erasure index row per dead letter naming a user (keyed by the id's hash). Keys, throughput and the index:
/// docs/internals.md#dead-letter-table.
/// </summary>
internal sealed class TableDeadLetterStore(TableClient table) : IDeadLetterStore
{
    public const int Buckets = 32;
    private const int PageSize = 100;

    private const string IndexPrefix = "user-";

    public Task WriteAsync(IReadOnlyList<DeadLetter> deadLetters, CancellationToken cancellationToken)
    {
        // The index rows first (grouped by partition in order of appearance): a crash between the writes leaves an index
        // row pointing at nothing (harmless), never a dead letter that an erasure cannot find.
        var index = new List<ITableEntity>();
        var rows = new List<ITableEntity>(deadLetters.Count);
        foreach (var letter in deadLetters)
        {
            var entity = ToEntity(letter);
            rows.Add(entity);
            if (DeadLetterUserId.TryRead(letter.Payload, out var userId))
            {
                index.Add(new DeadLetterIndexEntity
                {
                    PartitionKey = IndexPrefix + UserIdHash.Of(userId),
                    RowKey = entity.PartitionKey + "|" + entity.RowKey,
                    SourcePartition = letter.PartitionId,
                    SequenceNumber = letter.SequenceNumber,
                    EnqueuedTime = letter.EnqueuedTime,
                });
            }
        }
        return TableBatches.UpsertAsync(table, index.Concat(rows), cancellationToken);
    }

    public async Task<int> DeleteForUserAsync(string userIdHash, string partitionId, long beforeSequence, DateTimeOffset through, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(userIdHash);
        var deleted = 0;
        var index = await TableBatches.QueryAsync<DeadLetterIndexEntity>(table, TableClient.CreateQueryFilter($"PartitionKey eq {IndexPrefix + userIdHash}"), null, cancellationToken);
        foreach (var row in index)
        {
            var before = row.SourcePartition == partitionId ? row.SequenceNumber < beforeSequence : row.EnqueuedTime <= through;
            if (!before) continue; // a message after the erasure: the new profile's
            var separator = row.RowKey.IndexOf('|', StringComparison.Ordinal);
            var response = await table.DeleteEntityAsync(row.RowKey[..separator], row.RowKey[(separator + 1)..], ETag.All, cancellationToken);
            if (response.Status != 404) deleted++;
            await table.DeleteEntityAsync(row.PartitionKey, row.RowKey, ETag.All, cancellationToken);
            InvocationUsage.Current?.AddTableOperations(2);
        }
        return deleted;
    }

    public async Task<IReadOnlyList<DeadLetter>> QueryAsync(DateTimeOffset from, DateTimeOffset to, int top, CancellationToken cancellationToken)
    {
        var cursors = new List<IAsyncEnumerator<DeadLetterEntity>>();
        try
        {
            foreach (var bucket in Enumerable.Range(0, Buckets))
            {
                var filter = TableClient.CreateQueryFilter(
                    $"PartitionKey ge {Key(bucket, HourKeys.Descending(to))} and PartitionKey le {Key(bucket, HourKeys.Descending(from))} and EnqueuedTime ge {from} and EnqueuedTime lt {to}");
                cursors.Add(Metered(table.QueryAsync<DeadLetterEntity>(filter, maxPerPage: Math.Min(top, PageSize), cancellationToken: cancellationToken)).GetAsyncEnumerator(cancellationToken));
            }
            var heads = new PriorityQueue<IAsyncEnumerator<DeadLetterEntity>, string>(StringComparer.Ordinal);
            await Task.WhenAll(cursors.Select(async c => { if (await c.MoveNextAsync()) lock (heads) heads.Enqueue(c, OrderOf(c.Current)); }));
            var results = new List<DeadLetter>(Math.Min(top, 1000));
            while (results.Count < top && heads.TryDequeue(out var cursor, out _))
            {
                results.Add(FromEntity(cursor.Current));
                if (await cursor.MoveNextAsync()) heads.Enqueue(cursor, OrderOf(cursor.Current));
            }
            return results;
        }
        finally
        {
            foreach (var cursor in cursors) await cursor.DisposeAsync();
        }
    }

    public async Task<long> DeleteOlderThanAsync(DateTimeOffset cutoff, CancellationToken cancellationToken)
    {
        long deleted = 0;
        foreach (var bucket in Enumerable.Range(0, Buckets))
        {
            // Older hours have larger descending keys; the cutoff's own hour is kept.
            deleted += await TableRetention.DeleteAsync(table,
                TableClient.CreateQueryFilter($"PartitionKey gt {Key(bucket, HourKeys.Descending(cutoff))} and PartitionKey lt {Key(bucket, "~")}"), cancellationToken);
        }
        // The erasure index rows of the dead letters just deleted (those of hours before the cutoff's hour).
        var hour = new DateTimeOffset(cutoff.UtcDateTime.Date.AddHours(cutoff.UtcDateTime.Hour), TimeSpan.Zero);
        await TableRetention.DeleteAsync(table,
            TableClient.CreateQueryFilter($"PartitionKey ge {IndexPrefix} and PartitionKey lt {"user."} and EnqueuedTime lt {hour}"), cancellationToken);
        return deleted;
    }

    /// <summary>The bucket of a source partition: its number mod <see cref="Buckets"/> (a hash for a non-numeric id).</summary>
    public static int BucketOf(string partitionId) =>
        int.TryParse(partitionId, NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n % Buckets : (int)(ShardRouting.StableHash(partitionId) % Buckets);

    private static string Key(int bucket, string hourKey) => $"{bucket:D2}-{hourKey}";

    /// <summary>Global newest-first order: descending hour, then the row key (descending ticks, partition, sequence number).</summary>
    private static string OrderOf(DeadLetterEntity e) => e.PartitionKey[3..] + "|" + e.RowKey;

    private static async IAsyncEnumerable<DeadLetterEntity> Metered(AsyncPageable<DeadLetterEntity> query)
    {
        await foreach (var page in query.AsPages())
        {
            InvocationUsage.Current?.AddTableOperations(1);
            foreach (var entity in page.Values) yield return entity;
        }
    }

    private static DeadLetterEntity ToEntity(DeadLetter d) => new()
    {
        PartitionKey = Key(BucketOf(d.PartitionId), HourKeys.Descending(d.EnqueuedTime)),
        RowKey = $"{HourKeys.DescendingTicks(d.EnqueuedTime)}-{d.PartitionId}-{d.SequenceNumber:D20}",
        Reason = d.ReasonCode,
        Detail = d.Detail,
        SourcePartition = d.PartitionId,
        SequenceNumber = d.SequenceNumber,
        EnqueuedTime = d.EnqueuedTime,
        Payload = d.Payload,
        PayloadTruncated = d.PayloadTruncated,
    };

    private static DeadLetter FromEntity(DeadLetterEntity e) => new(
        DeadLetterReasons.TryParse(e.Reason, out var reason) ? reason : throw new InvalidDataException($"unknown dead-letter reason '{e.Reason}' in row {e.RowKey}"),
        e.Detail, e.SourcePartition, e.SequenceNumber, e.EnqueuedTime, e.Payload, e.PayloadTruncated);

    /// <summary>An erasure index row: the dead letter's keys (row key <c>PK|RK</c>) and where its message was.</summary>
    private sealed class DeadLetterIndexEntity : ITableEntity
    {
        public string PartitionKey { get; set; } = "";
        public string RowKey { get; set; } = "";
        public DateTimeOffset? Timestamp { get; set; }
        public ETag ETag { get; set; }
        public string SourcePartition { get; set; } = "";
        public long SequenceNumber { get; set; }
        public DateTimeOffset EnqueuedTime { get; set; }
    }

    private sealed class DeadLetterEntity : ITableEntity
    {
        public string PartitionKey { get; set; } = "";
        public string RowKey { get; set; } = "";
        public DateTimeOffset? Timestamp { get; set; }
        public ETag ETag { get; set; }
        public string Reason { get; set; } = "";
        public string Detail { get; set; } = "";
        public string SourcePartition { get; set; } = "";
        public long SequenceNumber { get; set; }
        public DateTimeOffset EnqueuedTime { get; set; }
        /// <summary>At most 8 KB of UTF-8 (≤ 16 KB as UTF-16), well under the 64 KB property limit.</summary>
        public string Payload { get; set; } = "";
        public bool PayloadTruncated { get; set; }
    }
}
