namespace TreasureHunt.Core.Parking;

/// <summary>
/// A message moved aside because a store refused it for good: the raw body exactly as delivered (never truncated),
/// its position in the source partition, the user it belongs to (null for a dead letter or a gap), why, and whether
/// it has been replayed since. One row per message in the <c>parked</c> table, keyed by partition and sequence
/// number, so parking the same message twice (a redelivered batch) keeps one row.
/// </summary>
public sealed record ParkedMessage(
    string PartitionId,
    long SequenceNumber,
    DateTimeOffset EnqueuedTime,
    string? UserId,
    ParkReason Reason,
    string Detail,
    ReadOnlyMemory<byte> Body,
    DateTimeOffset ParkedAt,
    ParkedStatus Status = ParkedStatus.Parked,
    DateTimeOffset? ResolvedAt = null,
    long LastSequenceNumber = -1)
{
    /// <summary>The largest body kept (the Event Hubs Premium/Dedicated message limit; Standard allows 256 KB).</summary>
    public const int MaxBodyBytes = 1024 * 1024;

    public string ReasonCode => Reason.Code();

    /// <summary>For a <see cref="ParkReason.SequenceGap"/>: the last missing sequence number; otherwise the message's own.</summary>
    public long ThroughSequenceNumber => LastSequenceNumber >= SequenceNumber ? LastSequenceNumber : SequenceNumber;
}

/// <summary>Where a parked message stands.</summary>
public enum ParkedStatus
{
    /// <summary>Not applied yet; waits for <c>th replay-parked</c>.</summary>
    Parked,

    /// <summary>Applied by a replay (exactly once).</summary>
    Replayed,

    /// <summary>Parked by a batch attempt that never committed; the redelivered batch applied it normally.</summary>
    Superseded,
}

public static class ParkedStatuses
{
    public static string Code(this ParkedStatus status) => status switch
    {
        ParkedStatus.Parked => "parked",
        ParkedStatus.Replayed => "replayed",
        ParkedStatus.Superseded => "superseded",
        _ => throw new ArgumentOutOfRangeException(nameof(status), status, null),
    };

    public static ParkedStatus Parse(string? code) => code switch
    {
        "parked" => ParkedStatus.Parked,
        "replayed" => ParkedStatus.Replayed,
        "superseded" => ParkedStatus.Superseded,
        _ => throw new InvalidDataException($"unknown parked status '{code}'"),
    };
}
