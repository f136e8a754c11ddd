using System.Text.Json.Serialization;

namespace TreasureHunt.Core.Rollups;

/// <summary>
/// Per source partition (and consumer group): how far the pipeline has applied the stream, and the rollup outbox.
/// Stored as one document (Cosmos container <c>progress</c>) and written with optimistic concurrency.
/// <para>
/// Exactly-once effect across the two stores works like this. User aggregates carry their own per-partition
/// watermark, so re-applying any event to them is a no-op. Rollup deltas cannot be checked against the entities
/// before sending, so they are accumulated here: a batch's delta is merged into <see cref="Pending"/> in the same
/// write that advances <see cref="AppliedThrough"/> (events at or below it are skipped on redelivery). A pending
/// delta that is big or old enough is moved to <see cref="Sealed"/>; a sealed delta is sent as one signal per shard
/// plus one global signal, all tagged with the sealed sequence range, then cleared. A crash between
/// sending and clearing re-sends the same sealed delta with the same range, which the entities ignore (they keep
/// the ranges they applied per source partition, see <see cref="AppliedRanges"/>). Sealed ranges never overlap, so an entity never sees a half-applied range.
/// </para>
/// </summary>
public sealed class PartitionProgress
{
    [JsonPropertyName("id")] public string Id { get; set; } = "";
    [JsonPropertyName("partitionId")] public string PartitionId { get; set; } = "";
    [JsonPropertyName("consumerGroup")] public string ConsumerGroup { get; set; } = "";

    /// <summary>Highest sequence number whose effects (users, dead letters, pending rollup) are durable; -1 for none.</summary>
    [JsonPropertyName("appliedThrough")] public long AppliedThrough { get; set; } = -1;

    [JsonPropertyName("pending")] public RollupDelta? Pending { get; set; }
    [JsonPropertyName("pendingSince")] public DateTimeOffset? PendingSince { get; set; }
    [JsonPropertyName("sealed")] public RollupDelta? Sealed { get; set; }

    /// <summary>True when there is something to flush: used by the progress query of the flush timer.</summary>
    [JsonPropertyName("rollupPending")] public bool RollupPending { get; set; }

    [JsonIgnore] public string? ETag { get; set; }

    public static string IdOf(string consumerGroup, string partitionId) => $"{consumerGroup}:{partitionId}";

    public static PartitionProgress Create(string consumerGroup, string partitionId) => new()
    {
        Id = IdOf(consumerGroup, partitionId),
        PartitionId = partitionId,
        ConsumerGroup = consumerGroup,
    };

    /// <summary>Merges a batch's delta into the outbox and advances <see cref="AppliedThrough"/> to the batch's last message.</summary>
    public void Accumulate(RollupDelta delta, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(delta);
        if (delta.IsEmpty) return;
        if (delta.FromSequence <= AppliedThrough)
        {
            throw new InvalidOperationException($"partition {PartitionId}: delta starts at {delta.FromSequence}, already applied through {AppliedThrough}");
        }
        if (Pending is null || Pending.IsEmpty)
        {
            Pending = new RollupDelta();
            PendingSince = now;
        }
        Pending.Merge(delta);
        AppliedThrough = delta.ToSequence;
        RollupPending = true;
    }

    /// <summary>Whether the pending delta should be sealed now.</summary>
    public bool ShouldSeal(DateTimeOffset now, RollupOptions options) =>
        Sealed is null && Pending is { IsEmpty: false } pending &&
        (pending.Messages >= options.FlushMinEvents || now - (PendingSince ?? now) >= options.FlushMaxAge);

    /// <summary>Moves the pending delta to <see cref="Sealed"/> (only one sealed range at a time).</summary>
    public void Seal()
    {
        if (Sealed is not null) throw new InvalidOperationException($"partition {PartitionId}: a sealed rollup is still unsent");
        Sealed = Pending;
        Pending = null;
        PendingSince = null;
    }

    /// <summary>Forgets the sealed delta after all its signals were sent.</summary>
    public void ClearSealed(long toSequence)
    {
        if (Sealed is { } s && s.ToSequence == toSequence)
        {
            Sealed = null;
        }
        RollupPending = Sealed is not null || Pending is { IsEmpty: false };
    }
}
