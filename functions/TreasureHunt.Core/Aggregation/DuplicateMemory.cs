using System.Runtime.InteropServices;

namespace TreasureHunt.Core.Aggregation;

/// <summary>
/// Producer-duplicate detection over a user's remembered event ids. The decision is deterministic for a given
/// delivery: the remembered entry keeps the partition and sequence number of the first delivery, so a redelivery
/// of that same message is recognised as the original (not a duplicate) while a second copy with another
/// sequence number is a duplicate. Entries older than the horizon (by enqueue time, counted back from the newest
/// remembered one) or beyond the per-user cap are forgotten: a copy arriving after that is counted again.
/// </summary>
internal sealed class DuplicateMemory
{
    private readonly List<SeenEvent> _seen;
    private readonly AggregationRules _rules;
    private readonly Dictionary<string, int> _index;

    public DuplicateMemory(List<SeenEvent> seen, AggregationRules rules)
    {
        _seen = seen;
        _rules = rules;
        _index = new Dictionary<string, int>(seen.Count, StringComparer.Ordinal);
        for (var i = 0; i < seen.Count; i++)
        {
            _index[seen[i].EventId] = i;
        }
    }

    public bool IsFirstDelivery(string eventId, string partitionId, long sequenceNumber, DateTimeOffset enqueuedTime)
    {
        ref var slot = ref CollectionsMarshal.GetValueRefOrAddDefault(_index, eventId, out var exists);
        if (exists)
        {
            var first = _seen[slot];
            if (first.PartitionId == partitionId && first.SequenceNumber == sequenceNumber)
            {
                return true; // a redelivery of the original message
            }
            if ((enqueuedTime - first.EnqueuedTime).Duration() <= _rules.DuplicateHorizon)
            {
                return false;
            }
            // Beyond the horizon: counted as a new event and remembered in place of the old entry.
            first.PartitionId = partitionId;
            first.SequenceNumber = sequenceNumber;
            first.EnqueuedTime = enqueuedTime;
            return true;
        }
        slot = _seen.Count;
        _seen.Add(new SeenEvent { EventId = eventId, PartitionId = partitionId, SequenceNumber = sequenceNumber, EnqueuedTime = enqueuedTime });
        return true;
    }

    /// <summary>Forgets entries older than the horizon and keeps at most the configured number (newest kept).</summary>
    public void Prune()
    {
        if (_seen.Count == 0)
        {
            return;
        }
        var newest = _seen.Max(s => s.EnqueuedTime);
        var cutoff = newest - _rules.DuplicateHorizon;
        _seen.RemoveAll(s => s.EnqueuedTime < cutoff);
        if (_seen.Count > _rules.MaxRememberedEventIds)
        {
            _seen.Sort((a, b) => a.EnqueuedTime.CompareTo(b.EnqueuedTime));
            _seen.RemoveRange(0, _seen.Count - _rules.MaxRememberedEventIds);
        }
    }
}
