using TreasureHunt.Core.Aggregation;
using TreasureHunt.Core.Erasure;
using TreasureHunt.Core.Events;
using TreasureHunt.Core.Rollups;

namespace TreasureHunt.Pipeline.Processing;

/// <summary>
/// Erase control messages in a batch, applied in the partition's sequence order: the user's earlier events, then the
/// deletes (<see cref="Erasure.UserErasure"/>), then a new profile; tombstone and pending cleanup in the batch's own
/// progress write. Ordering and crash argument: docs/internals.md#erasure-in-a-batch.
/// </summary>
public sealed partial class PartitionBatchProcessor
{
    /// <summary>
    /// Applies the batch's users around its erasures. Returns the batch as it counts afterwards: events of an erased
    /// user that were neither applied nor are parked any more (they were held behind a parked message, and the
    /// erasure released the user and its cleanup deletes the parked rows) are left out, so they are neither counted nor parked.
    /// </summary>
    private async Task<(ParsedBatch Effective, Dictionary<string, EventOutcome[]> Outcomes, int UsersWritten, long CapsReached)> ApplyWithErasuresAsync(
        ParsedBatch parsed, PartitionProgress progress, BatchParking parking, CancellationToken cancellationToken)
    {
        var erasedAt = new Dictionary<string, long>(StringComparer.Ordinal); // user → its last erasure in the batch
        foreach (var e in parsed.Erasures) erasedAt[e.Request.UserId] = e.SequenceNumber;

        // Before: every user's events up to its erasure (all events of the others).
        var before = new Dictionary<string, List<SequencedEvent>>(StringComparer.Ordinal);
        var after = new Dictionary<string, List<SequencedEvent>>(StringComparer.Ordinal);
        foreach (var (userId, events) in parsed.ByUser)
        {
            if (!erasedAt.TryGetValue(userId, out var at))
            {
                before[userId] = events;
                continue;
            }
            var cut = events.FindIndex(e => e.SequenceNumber > at);
            if (cut < 0) cut = events.Count;
            if (cut > 0) before[userId] = events.GetRange(0, cut);
            if (cut < events.Count) after[userId] = events.GetRange(cut, events.Count - cut);
        }
        var (beforeOutcomes, written, caps) = await ApplyToUsersAsync(Subset(parsed, before), progress.ParkedUsers, parking, cancellationToken);

        // The erasures (distinct users concurrently, one user's in sequence order): delete everywhere, log them, drop
        // what this batch parked of the users.
        parking.Unparked += await erasure.ApplyBatchAsync(parsed.PartitionId, parsed.Erasures, progress, pipelineOptions.Value.MaxParallelErasures, cancellationToken);
        foreach (var e in parsed.Erasures)
        {
            parking.DiscardUser(e.Request.UserId, e.SequenceNumber);
        }

        // After: the erased users' later events, on new documents; the erasure released any hold older than it.
        var held = new Dictionary<string, long>(progress.ParkedUsers, StringComparer.Ordinal);
        foreach (var (userId, at) in erasedAt)
        {
            if (held.TryGetValue(userId, out var from) && from < at) held.Remove(userId);
        }
        var (afterOutcomes, writtenAfter, capsAfter) = await ApplyToUsersAsync(Subset(parsed, after), held, parking, cancellationToken);

        // What counts: per user, the applied part before (if any) then the part after (applied, or parked as a whole).
        var effective = new Dictionary<string, List<SequencedEvent>>(StringComparer.Ordinal);
        var outcomes = new Dictionary<string, EventOutcome[]>(StringComparer.Ordinal);
        foreach (var (userId, events) in parsed.ByUser)
        {
            if (!erasedAt.ContainsKey(userId))
            {
                effective[userId] = events;
                if (beforeOutcomes.TryGetValue(userId, out var slots)) outcomes[userId] = slots;
                continue;
            }
            var list = new List<SequencedEvent>();
            var userSlots = new List<EventOutcome>();
            var afterParked = after.ContainsKey(userId) && !afterOutcomes.ContainsKey(userId);
            if (beforeOutcomes.TryGetValue(userId, out var b) && !afterParked)
            {
                list.AddRange(before[userId]);
                userSlots.AddRange(b);
            }
            if (after.TryGetValue(userId, out var later))
            {
                list.AddRange(later);
                if (afterOutcomes.TryGetValue(userId, out var a)) userSlots.AddRange(a);
            }
            if (list.Count == 0) continue;
            effective[userId] = list;
            if (!afterParked) outcomes[userId] = [.. userSlots];
        }
        var result = new ParsedBatch(parsed.PartitionId, effective, parsed.DeadLetters, parsed.MessageCount, parsed.FirstSequenceNumber, parsed.LastSequenceNumber);
        result.Erasures.AddRange(parsed.Erasures);
        return (result, outcomes, written + writtenAfter, caps + capsAfter);
    }

    private static ParsedBatch Subset(ParsedBatch parsed, Dictionary<string, List<SequencedEvent>> byUser) =>
        new(parsed.PartitionId, byUser, [], parsed.MessageCount, parsed.FirstSequenceNumber, parsed.LastSequenceNumber);

    /// <summary>
    /// Records the batch's erasures in the progress (tombstones and pending cleanups, for <see cref="Erasure.ErasureCleaner"/>)
    /// and forgets tombstones older than <c>Retention:ErasureTombstoneDays</c>.
    /// </summary>
    private void RecordErasures(PartitionProgress progress, IReadOnlyList<SequencedErasure> erasures)
    {
        if (erasures.Count == 0) return;
        var now = time.GetUtcNow();
        foreach (var e in erasures)
        {
            progress.RecordErasure(e.Request.ErasureId, e.Request.UserId, e.SequenceNumber, e.EnqueuedTime, now);
        }
        progress.ForgetErasuresBefore(now - TimeSpan.FromDays(retentionOptions.Value.ErasureTombstoneDays));
    }

    /// <summary>
    /// After the tombstone is durable: deletes again the documents of users erased with no later event in the batch,
    /// so that a parked replay which read the progress before the tombstone and wrote after the first delete is undone
    /// (the replay itself checks the tombstone after writing, see <see cref="ParkedReplayer"/>).
    /// </summary>
    private async Task DeleteAgainAfterCommitAsync(ParsedBatch parsed, CancellationToken cancellationToken)
    {
        var lastErasure = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var e in parsed.Erasures) lastErasure[e.Request.UserId] = Math.Max(lastErasure.GetValueOrDefault(e.Request.UserId, long.MinValue), e.SequenceNumber);
        var erased = lastErasure
            .Where(u => !(parsed.ByUser.TryGetValue(u.Key, out var events) && events[^1].SequenceNumber > u.Value)) // else a new profile began
            .Select(u => u.Key);
        await Parallel.ForEachAsync(erased, new ParallelOptions { MaxDegreeOfParallelism = pipelineOptions.Value.MaxParallelErasures, CancellationToken = cancellationToken },
            async (userId, ct) => await erasure.DeleteDocumentsAsync(userId, ct));
    }
}
