using System.Text;
using TreasureHunt.Core.Events;
using TreasureHunt.Core.Parking;
using TreasureHunt.Core.Rollups;

namespace TreasureHunt.Pipeline.Processing;

/// <summary>
/// What one batch attempt parks: whole users (every message of a user whose document was refused, or who is
/// already held), single dead letters whose row was refused, and a sequence gap. Collects the raw bodies from the
/// batch so that the rows hold the messages exactly as delivered. Thread-safe (users are applied in parallel).
/// </summary>
internal sealed class BatchParking(PartitionBatch batch, DateTimeOffset now)
{
    private readonly object _lock = new();
    private readonly List<ParkedMessage> _messages = [];
    private readonly Dictionary<string, long> _heldUsers = new(StringComparer.Ordinal);
    private readonly HashSet<string> _parkedUsers = new(StringComparer.Ordinal);
    private readonly HashSet<long> _parkedDeadLetters = [];

    public IReadOnlyList<ParkedMessage> Messages => _messages;

    /// <summary>Users to hold from now on: userId → first parked sequence number of this batch.</summary>
    public IReadOnlyDictionary<string, long> HeldUsers => _heldUsers;

    public IReadOnlyCollection<long> ParkedDeadLetters => _parkedDeadLetters;

    public SequenceRange? Gap { get; private set; }

    /// <summary>Parked messages counted by earlier batches that this batch's erasures deleted: taken out of the parked total.</summary>
    public int Unparked { get; set; }

    public bool IsUserParked(string userId)
    {
        lock (_lock) return _parkedUsers.Contains(userId);
    }

    public bool IsDeadLetterParked(long sequenceNumber) => _parkedDeadLetters.Contains(sequenceNumber);

    public void ParkUser(string userId, IReadOnlyList<SequencedEvent> events, ParkReason reason, string detail)
    {
        lock (_lock)
        {
            _parkedUsers.Add(userId);
            foreach (var e in events)
            {
                _messages.Add(Row(e.SequenceNumber, e.EnqueuedTime, userId, reason, detail));
            }
            if (reason == ParkReason.DocumentRefused && events.Count > 0)
            {
                _heldUsers[userId] = events[0].SequenceNumber;
            }
        }
    }

    /// <summary>An erasure at <paramref name="erasedAt"/>: forgets what this attempt parked of the user before it (its rows are deleted, not written).</summary>
    public void DiscardUser(string userId, long erasedAt)
    {
        lock (_lock)
        {
            _messages.RemoveAll(m => m.UserId == userId && m.SequenceNumber < erasedAt);
            if (_heldUsers.TryGetValue(userId, out var from) && from < erasedAt) _heldUsers.Remove(userId);
            if (!_messages.Any(m => m.UserId == userId)) _parkedUsers.Remove(userId);
        }
    }

    public void ParkDeadLetter(DeadLetter deadLetter, string detail)
    {
        lock (_lock)
        {
            _parkedDeadLetters.Add(deadLetter.SequenceNumber);
            _messages.Add(Row(deadLetter.SequenceNumber, deadLetter.EnqueuedTime, null, ParkReason.DeadLetterRefused,
                $"{deadLetter.ReasonCode}: {deadLetter.Detail}; the dead-letter row was refused: {detail}"));
        }
    }

    public void ParkGap(SequenceRange gap)
    {
        lock (_lock)
        {
            Gap = gap;
            _messages.Add(new ParkedMessage(batch.PartitionId, gap.From, now, null, ParkReason.SequenceGap,
                $"sequence numbers {gap.From}..{gap.To} never reached the processor (a checkpoint moved past them, or they expired from the stream)",
                ReadOnlyMemory<byte>.Empty, now, LastSequenceNumber: gap.To));
        }
    }

    private ParkedMessage Row(long sequenceNumber, DateTimeOffset enqueuedTime, string? userId, ParkReason reason, string detail) =>
        new(batch.PartitionId, sequenceNumber, enqueuedTime, userId, reason, detail, BodyOf(sequenceNumber), now);

    private ReadOnlyMemory<byte> BodyOf(long sequenceNumber)
    {
        var messages = batch.Messages;
        int lo = 0, hi = messages.Count - 1;
        while (lo <= hi)
        {
            var mid = (lo + hi) >>> 1;
            var seq = messages[mid].SequenceNumber;
            if (seq == sequenceNumber) return messages[mid].Body.ToArray(); // a copy: the batch's buffers may be reused
            if (seq < sequenceNumber) lo = mid + 1; else hi = mid - 1;
        }
        throw new InvalidOperationException($"partition {batch.PartitionId}: message {sequenceNumber} is not in the batch");
    }

    public static string Describe(Exception e) => new StringBuilder(e.GetType().Name).Append(": ").Append(e.Message.Length > 500 ? e.Message[..500] : e.Message).ToString();
}
