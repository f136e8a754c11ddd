using System.Text.Json.Serialization;
using TreasureHunt.Core.Erasure;

namespace TreasureHunt.Core.Rollups;

/// <summary>
/// Per source partition and consumer group: how far the stream is applied, and the rollup outbox (pending and sealed
/// deltas), stored as one <c>progress</c> document written with optimistic concurrency. Why this gives exactly-once
/// rollups: docs/internals.md#partition-progress.
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

    /// <summary>
    /// Per rollup entity this partition signals (<c>itemshard</c> key, or <see cref="RollupEntityNames.GlobalKey"/>): the
    /// last sequence number of the last range it sent there. The next signal to that entity starts right after it,
    /// even when the flushes in between did not touch that entity, so each entity sees one contiguous range per
    /// partition and its applied-range bookkeeping stays one range per partition (<see cref="AppliedRanges"/>). At most
    /// one entry per shard of the current layout, plus the global entity.
    /// </summary>
    [JsonPropertyName("sentThrough")] public Dictionary<string, long> SentThrough { get; set; } = new(StringComparer.Ordinal);

    /// <summary>
    /// When a batch of this partition last wrote the document (absent in documents of older versions). The flush timer
    /// leaves a partition whose processor wrote it within <see cref="RollupOptions.FlushMaxAge"/> to that processor,
    /// which seals, sends and clears its rollups itself; racing it would only cost conflicts and duplicate signals.
    /// </summary>
    [JsonPropertyName("batchWrittenAt")] public DateTimeOffset? BatchWrittenAt { get; set; }

    /// <summary>True when there is something to flush: used by the progress query of the flush timer.</summary>
    [JsonPropertyName("rollupPending")] public bool RollupPending { get; set; }

    /// <summary>
    /// Users held in this partition because one of their messages was parked: userId → the first parked sequence
    /// number. Every later message of a held user is parked too (so a replay applies them in order, and the user's
    /// watermark never jumps over a parked message); <c>th replay-parked</c> releases the user. Bounded by
    /// <see cref="MaxParked"/>: beyond it the partition holds instead of parking more.
    /// </summary>
    [JsonPropertyName("parkedUsers")] public Dictionary<string, long> ParkedUsers { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Sequence numbers of parked dead letters (their row was refused), until replayed. Bounded by <see cref="MaxParked"/>.</summary>
    [JsonPropertyName("parkedDeadLetters")] public List<long> ParkedDeadLetters { get; set; } = [];

    /// <summary>The newest sequence gap accepted because it was recorded as parked (first and last missing number), for the record.</summary>
    [JsonPropertyName("lastParkedGap")] public SequenceRange? LastParkedGap { get; set; }

    /// <summary>
    /// Users erased in this partition: <see cref="UserIdHash"/> → the erase control message's sequence number (and when
    /// it was applied). Written in the same conditional write that moves <see cref="AppliedThrough"/> past the erasure;
    /// no path applies that user's events from before it again. Entries older than
    /// <c>Retention:ErasureTombstoneDays</c> are dropped (<see cref="ForgetErasuresBefore"/>); ~90 bytes each.
    /// </summary>
    [JsonPropertyName("erased")] public Dictionary<string, ErasureTombstone> Erased { get; set; } = new(StringComparer.Ordinal);

    /// <summary>
    /// Erasures of this partition applied to the user documents whose parked rows and dead letters are still to be
    /// deleted (<see cref="PendingErasureCleanup"/>): added with the tombstone, removed by the cleanup worker once
    /// those stores are clean. Bounded by the erasures of one cleanup interval.
    /// </summary>
    [JsonPropertyName("cleanup")] public List<PendingErasureCleanup> PendingCleanups { get; set; } = [];

    /// <summary>The sequence number of the user's last erasure in this partition, or null when it was never erased (or the tombstone expired).</summary>
    public long? ErasedAt(string userId) => Erased.Count > 0 && Erased.TryGetValue(UserIdHash.Of(userId), out var t) ? t.SequenceNumber : null;

    /// <summary>
    /// Records an erasure and the physical cleanup it leaves to the cleanup worker (<see cref="PendingCleanups"/>, once
    /// per erasure id).
    /// </summary>
    public void RecordErasure(string erasureId, string userId, long sequenceNumber, DateTimeOffset enqueuedTime, DateTimeOffset at)
    {
        if (!PendingCleanups.Exists(c => c.ErasureId == erasureId))
        {
            PendingCleanups.Add(new PendingErasureCleanup { ErasureId = erasureId, UserIdHash = UserIdHash.Of(userId), SequenceNumber = sequenceNumber, EnqueuedTime = enqueuedTime, AppliedAt = at });
        }
        RecordErasure(userId, sequenceNumber, at);
    }

    /// <summary>Records an erasure (the later one wins) and releases the user if it was held: its parked messages are deleted with it.</summary>
    public void RecordErasure(string userId, long sequenceNumber, DateTimeOffset at)
    {
        var hash = UserIdHash.Of(userId);
        if (!Erased.TryGetValue(hash, out var existing) || existing.SequenceNumber < sequenceNumber)
        {
            Erased[hash] = new ErasureTombstone { SequenceNumber = sequenceNumber, ErasedAt = at };
        }
        if (ParkedUsers.TryGetValue(userId, out var heldFrom) && heldFrom < sequenceNumber)
        {
            ParkedUsers.Remove(userId);
        }
    }

    /// <summary>Drops tombstones applied before <paramref name="cutoff"/>: no history older than them can be replayed any more.</summary>
    public void ForgetErasuresBefore(DateTimeOffset cutoff)
    {
        if (Erased.Count == 0) return;
        foreach (var hash in Erased.Where(e => e.Value.ErasedAt < cutoff).Select(e => e.Key).ToList())
        {
            Erased.Remove(hash);
        }
    }

    /// <summary>Most held users plus parked dead letters one progress document keeps (~150 bytes each, far below the 2 MB item limit).</summary>
    public const int MaxParked = 2000;

    [JsonIgnore] public string? ETag { get; set; }

    public static string IdOf(string consumerGroup, string partitionId) => $"{consumerGroup}:{partitionId}";

    public static PartitionProgress Create(string consumerGroup, string partitionId) => new()
    {
        Id = IdOf(consumerGroup, partitionId),
        PartitionId = partitionId,
        ConsumerGroup = consumerGroup,
    };

    /// <summary>
    /// Merges a batch's delta into the outbox and advances <see cref="AppliedThrough"/> to the batch's last message.
    /// A delta that does not start right after <see cref="AppliedThrough"/> (a sequence gap: messages that were never
    /// applied) is refused with <see cref="SequenceGapException"/> unless <paramref name="parkedGap"/> says exactly
    /// that gap was recorded as parked. (The first batch of a partition may start anywhere: older messages may have
    /// expired from the stream before the pipeline ever ran.)
    /// </summary>
    public void Accumulate(RollupDelta delta, DateTimeOffset now, SequenceRange? parkedGap = null)
    {
        ArgumentNullException.ThrowIfNull(delta);
        if (delta.IsEmpty) return;
        if (delta.FromSequence <= AppliedThrough)
        {
            throw new InvalidOperationException($"partition {PartitionId}: delta starts at {delta.FromSequence}, already applied through {AppliedThrough}");
        }
        if (GapBefore(delta.FromSequence) is { } gap)
        {
            if (parkedGap is null || parkedGap.From != gap.From || parkedGap.To != gap.To)
            {
                throw new SequenceGapException(PartitionId, gap.From, gap.To);
            }
            LastParkedGap = gap;
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

    /// <summary>The missing range between <see cref="AppliedThrough"/> and <paramref name="firstSequenceNumber"/>, or null when contiguous (or nothing was applied yet).</summary>
    public SequenceRange? GapBefore(long firstSequenceNumber) =>
        AppliedThrough >= 0 && firstSequenceNumber > AppliedThrough + 1
            ? new SequenceRange { From = AppliedThrough + 1, To = firstSequenceNumber - 1 }
            : null;

    /// <summary>Holds users and records parked dead letters of a batch (kept: the earliest parked sequence number per user).</summary>
    public void RecordParked(IReadOnlyDictionary<string, long> heldUsers, IEnumerable<long> parkedDeadLetters)
    {
        ArgumentNullException.ThrowIfNull(heldUsers);
        ArgumentNullException.ThrowIfNull(parkedDeadLetters);
        foreach (var (userId, first) in heldUsers)
        {
            ParkedUsers[userId] = ParkedUsers.TryGetValue(userId, out var existing) ? Math.Min(existing, first) : first;
        }
        foreach (var sequenceNumber in parkedDeadLetters)
        {
            var index = ParkedDeadLetters.BinarySearch(sequenceNumber);
            if (index < 0) ParkedDeadLetters.Insert(~index, sequenceNumber);
        }
        if (ParkedUsers.Count + ParkedDeadLetters.Count > MaxParked)
        {
            throw new InvalidOperationException(
                $"partition {PartitionId}: more than {MaxParked} users and dead letters parked; the partition holds until `th replay-parked` clears them");
        }
    }

    /// <summary>Whether the partition's processor wrote the document within <paramref name="within"/> of <paramref name="now"/>.</summary>
    public bool WrittenByBatchWithin(DateTimeOffset now, TimeSpan within) => BatchWrittenAt is { } at && now - at < within;

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

    /// <summary>Forgets the sealed delta after all its signals were sent, and records what each entity was sent
    /// (<see cref="SentThrough"/>); entries of another shard layout than <paramref name="signals"/>' are dropped (a
    /// layout's sealed deltas are all sent before a newer layout's, so it will never be sent to again).</summary>
    public void ClearSealed(long toSequence, RollupSignals? signals = null)
    {
        if (Sealed is { } s && s.ToSequence == toSequence)
        {
            Sealed = null;
            if (signals is not null)
            {
                foreach (var key in SentThrough.Keys.Where(k => k != RollupEntityNames.GlobalKey && ShardRouting.LayoutOf(k) != signals.ShardCount).ToList())
                {
                    SentThrough.Remove(key);
                }
                foreach (var key in signals.Shards.Keys)
                {
                    SentThrough[key] = toSequence;
                }
                SentThrough[RollupEntityNames.GlobalKey] = toSequence;
            }
        }
        RollupPending = Sealed is not null || Pending is { IsEmpty: false };
    }
}
