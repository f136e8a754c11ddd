using TreasureHunt.Core.Erasure;

namespace TreasureHunt.Local.EventLog;

/// <summary>
/// What an applied erasure removes from the local event log: every record of the erased user (its top-level
/// <c>userId</c>, the partition key) with a smaller sequence number than the erase control message. The control message
/// itself stays (a rebuild from the log applies the erasure again and records its tombstone), and so does every record
/// after it. Only control messages the pipeline has processed count (<c>processedThrough</c>, the partition's
/// checkpoint): the records before them have reached the rollups, so removing them loses no anonymous count.
/// </summary>
internal static class ErasureCompaction
{
    public sealed record Result(int Erasures, int Removed, long BytesFreed);

    public static async Task<Result> CompactAsync(LogPartition partition, long processedThrough, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(partition);
        var erasedBefore = new Dictionary<string, long>(StringComparer.Ordinal);
        partition.Scan((sequence, body) =>
        {
            if (sequence > processedThrough || !EraseControlMessage.IsControl(body.Span)) return;
            if (EraseControlMessage.TryRead(body.Span, out var request, out _)) erasedBefore[request!.UserId] = sequence; // the latest erasure covers the earlier ones
        }, cancellationToken);
        if (erasedBefore.Count == 0) return new Result(0, 0, 0);
        var (removed, freed) = await partition.CompactAsync(
            (sequence, body) => UserIdReader.TryRead(body.Span, out var userId) && erasedBefore.TryGetValue(userId, out var erasure) && sequence < erasure,
            cancellationToken);
        return new Result(erasedBefore.Count, removed, freed);
    }
}
