using System.Text.Json.Serialization;

namespace TreasureHunt.Core.Erasure;

/// <summary>
/// An applied erasure whose physical cleanup is still to be done, kept in the partition's progress (written in the
/// same conditional write as its tombstone, so it is durable exactly when the erasure is): the parked rows of the user
/// in this partition before <see cref="SequenceNumber"/> and the dead letters naming the user before it (in this
/// partition by sequence number, in the others enqueued at or before <see cref="EnqueuedTime"/>). The cleanup worker
/// deletes them and removes the entry; until then every route that lists such rows leaves them out. Only the
/// <see cref="UserIdHash"/> is kept, never the user id.
/// </summary>
public sealed class PendingErasureCleanup
{
    [JsonPropertyName("id")] public string ErasureId { get; set; } = "";
    [JsonPropertyName("user")] public string UserIdHash { get; set; } = "";
    [JsonPropertyName("seq")] public long SequenceNumber { get; set; }
    [JsonPropertyName("enqueued")] public DateTimeOffset EnqueuedTime { get; set; }
    [JsonPropertyName("at")] public DateTimeOffset AppliedAt { get; set; }

    /// <summary>Whether a row of this partition (<paramref name="sequenceNumber"/>) of the user with this hash is the erased user's, from before the erasure.</summary>
    public bool Covers(string userIdHash, string partitionId, string rowPartitionId, long sequenceNumber, DateTimeOffset enqueuedTime) =>
        string.Equals(userIdHash, UserIdHash, StringComparison.Ordinal)
        && (string.Equals(partitionId, rowPartitionId, StringComparison.Ordinal) ? sequenceNumber < SequenceNumber : enqueuedTime <= EnqueuedTime);
}
