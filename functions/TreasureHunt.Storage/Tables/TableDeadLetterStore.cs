using Azure;
using Azure.Data.Tables;
using TreasureHunt.Core.Events;
using TreasureHunt.Core.Ports;

namespace TreasureHunt.Storage.Tables;

/// <summary>
/// Dead letters in the <c>deadletters</c> table. PartitionKey = enqueue hour, descending (newest hour first);
/// RowKey = descending enqueue ticks + source partition + sequence number, so the same dead letter written twice
/// is one row, and a range query returns newest first.
/// </summary>
public sealed class TableDeadLetterStore(TableClient table) : IDeadLetterStore
{
    public Task WriteAsync(IReadOnlyList<DeadLetter> deadLetters, CancellationToken cancellationToken) =>
        TableBatches.UpsertAsync(table, deadLetters.Select(ToEntity), cancellationToken);

    public async Task<IReadOnlyList<DeadLetter>> QueryAsync(DateTimeOffset from, DateTimeOffset to, int top, CancellationToken cancellationToken)
    {
        var filter = TableClient.CreateQueryFilter(
            $"PartitionKey ge {HourKeys.Descending(to)} and PartitionKey le {HourKeys.Descending(from)} and EnqueuedTime ge {from} and EnqueuedTime lt {to}");
        var rows = await TableBatches.QueryAsync<DeadLetterEntity>(table, filter, top, cancellationToken);
        return rows.Select(FromEntity).ToList();
    }

    private static DeadLetterEntity ToEntity(DeadLetter d) => new()
    {
        PartitionKey = HourKeys.Descending(d.EnqueuedTime),
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
