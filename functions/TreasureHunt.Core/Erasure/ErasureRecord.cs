namespace TreasureHunt.Core.Erasure;

/// <summary>Where an erasure stands.</summary>
public enum ErasureState
{
    /// <summary>The control message was sent to the user's partition; the pipeline has not reached it yet.</summary>
    Requested,

    /// <summary>The pipeline applied it: documents, parked rows and the held entry deleted, the tombstone recorded.</summary>
    Applied,
}

/// <summary>
/// One row of the erasure log (Azure Table <c>erasures</c>, outside Cosmos DB so it survives a point-in-time restore of
/// the account): enough to apply the erasure again after a restore — the user's hash (never the raw id), the
/// partition and sequence number of its control message — and what each store did. <see cref="ParkedCounted"/>: how
/// many of the deleted parked messages the totals counted as parked (committed parkings), so that a redelivered
/// erasure, which finds the rows gone, still takes them out of the count.
/// </summary>
public sealed record ErasureRecord(
    string ErasureId,
    string UserIdHash,
    DateTimeOffset RequestedAt,
    ErasureState State,
    string? PartitionId = null,
    long? SequenceNumber = null,
    DateTimeOffset? AppliedAt = null,
    IReadOnlyDictionary<string, string>? Stores = null,
    int ParkedCounted = 0);
