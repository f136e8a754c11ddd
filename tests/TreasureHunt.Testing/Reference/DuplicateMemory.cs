using TreasureHunt.Core.Aggregation;

namespace TreasureHunt.Testing.Reference;

/// <summary>
/// Producer-duplicate detection over a user's remembered event ids. The decision is deterministic for a given
/// delivery: the remembered entry keeps the partition and sequence number of the first delivery, so a redelivery
/// of that same message is recognised as the original (not a duplicate) while a second copy with another
/// sequence number is a duplicate. Entries older than the horizon (by enqueue time, counted back from the newest
/// remembered one) or beyond the per-user cap are forgotten: a copy arriving after that is counted again.
/// </summary>
/// <remarks>
/// Kept with its <see cref="UserAggregate"/> between batches (it is not serialized): the index over the remembered
/// ids is built once, when the aggregate is first applied to after it was created or loaded, and then maintained
/// incrementally, so a batch costs O(its events) rather than O(remembered ids). The list is normally in enqueue-time
/// order (a partition's enqueue times do not decrease), so pruning removes a prefix; when it is not (an entry
/// replaced in place, or events of several partitions), pruning falls back to a full pass and a stable sort.
/// The index is an open-addressing table of (hash, position) pairs: a lookup of an id that is not remembered (the
/// common case) reads one or two slots and no string, and removing a prefix of the list only moves a base offset
/// (slots that point below it are stale and are dropped when the table is rebuilt).
/// </remarks>
internal sealed class DuplicateMemory
{
    private const int Empty = -1;

    private readonly List<SeenEvent> _seen;
    private Slot[] _slots = [];
    private int _used;    // slots holding a position, stale or not
    private int _removed; // entries removed from the front of the list since the table was built: position = index in the list + _removed
    private DateTimeOffset _newest = DateTimeOffset.MinValue;
    private bool _sorted = true;

    // The shape of the list when this memory last finished a batch: used to detect a list changed behind its back.
    private int _count;
    private SeenEvent? _first, _last;

    private struct Slot
    {
        public int Hash;
        public int Position;
    }

    private DuplicateMemory(List<SeenEvent> seen)
    {
        _seen = seen;
        for (var i = 0; i < seen.Count; i++)
        {
            var entry = seen[i];
            if (entry.EnqueuedTime > _newest) _newest = entry.EnqueuedTime;
            if (i > 0 && entry.EnqueuedTime < seen[i - 1].EnqueuedTime) _sorted = false;
        }
        Rebuild();
        Snapshot();
    }

    /// <summary>The memory over <paramref name="seen"/>: <paramref name="cached"/> when it still describes that list, else a new one.</summary>
    public static DuplicateMemory For(List<SeenEvent> seen, DuplicateMemory? cached) =>
        cached is not null && cached.Describes(seen) ? cached : new DuplicateMemory(seen);

    private bool Describes(List<SeenEvent> seen) =>
        ReferenceEquals(_seen, seen) && seen.Count == _count &&
        (_count == 0 || (ReferenceEquals(seen[0], _first) && ReferenceEquals(seen[^1], _last)));

    private void Snapshot()
    {
        _count = _seen.Count;
        _first = _count > 0 ? _seen[0] : null;
        _last = _count > 0 ? _seen[^1] : null;
    }

    /// <param name="remember">False for a message at or below the partition's watermark (a redelivery): the decision is
    /// made against what is remembered, but nothing is added or replaced, so a redelivery never changes the aggregate.</param>
    public bool IsFirstDelivery(string eventId, string partitionId, long sequenceNumber, DateTimeOffset enqueuedTime, TimeSpan horizon, bool remember = true)
    {
        var hash = eventId.GetHashCode();
        var index = Find(eventId, hash, out var free);
        if (index >= 0)
        {
            var first = _seen[index];
            if (first.SequenceNumber == sequenceNumber && first.PartitionId == partitionId)
            {
                return true; // a redelivery of the original message
            }
            if ((enqueuedTime - first.EnqueuedTime).Duration() <= horizon)
            {
                return false;
            }
            if (remember)
            {
                // Beyond the horizon: counted as a new event and remembered in place of the old entry.
                first.PartitionId = partitionId;
                first.SequenceNumber = sequenceNumber;
                first.EnqueuedTime = enqueuedTime;
                if (enqueuedTime > _newest) _newest = enqueuedTime;
                if (index != _seen.Count - 1) _sorted = false;
            }
            return true;
        }
        if (remember)
        {
            if (_seen.Count > 0 && enqueuedTime < _seen[^1].EnqueuedTime) _sorted = false;
            if (enqueuedTime > _newest) _newest = enqueuedTime;
            _seen.Add(new SeenEvent { EventId = eventId, PartitionId = partitionId, SequenceNumber = sequenceNumber, EnqueuedTime = enqueuedTime });
            if (_slots[free].Position == Empty) _used++;
            _slots[free] = new Slot { Hash = hash, Position = _seen.Count - 1 + _removed };
            if (_used * 2 > _slots.Length || _removed > int.MaxValue / 2)
            {
                Compact();
            }
        }
        return true;
    }

    /// <summary>The list index of <paramref name="eventId"/>, or −1 with <paramref name="free"/> the slot to insert it at.</summary>
    private int Find(string eventId, int hash, out int free)
    {
        var mask = _slots.Length - 1;
        free = -1;
        for (var i = hash & mask; ; i = (i + 1) & mask)
        {
            var slot = _slots[i];
            if (slot.Position == Empty)
            {
                if (free < 0) free = i;
                return -1;
            }
            var index = slot.Position - _removed;
            if (index < 0 || index >= _seen.Count)
            {
                if (free < 0) free = i; // stale: its entry was pruned
            }
            else if (slot.Hash == hash && string.Equals(_seen[index].EventId, eventId, StringComparison.Ordinal))
            {
                return index;
            }
        }
    }

    private void Rebuild()
    {
        var size = 16;
        while (size < _seen.Count * 4) size *= 2;
        _slots = new Slot[size];
        Array.Fill(_slots, new Slot { Position = Empty });
        _used = 0;
        _removed = 0;
        for (var i = 0; i < _seen.Count; i++)
        {
            var eventId = _seen[i].EventId;
            var hash = eventId.GetHashCode();
            var found = Find(eventId, hash, out var free);
            if (found >= 0)
            {
                // The same id twice in a loaded list: the later entry is the one consulted (as a dictionary would).
                for (var s = 0; s < _slots.Length; s++)
                {
                    if (_slots[s].Position == found) _slots[s].Position = i;
                }
                continue;
            }
            _slots[free] = new Slot { Hash = hash, Position = i };
            _used++;
        }
    }

    /// <summary>A table with the live slots only (hashes are carried over: no entry or id is read again).</summary>
    private void Compact()
    {
        var removed = _removed;
        var size = 16;
        while (size < _seen.Count * 4) size *= 2;
        var rented = size == _slots.Length;
        Slot[] old;
        int oldCount;
        if (rented)
        {
            // Same size: copy the slots aside and refill the table in place (no new long-lived array).
            old = System.Buffers.ArrayPool<Slot>.Shared.Rent(size);
            Array.Copy(_slots, old, size);
            oldCount = size;
        }
        else
        {
            old = _slots;
            oldCount = old.Length;
            _slots = new Slot[size];
        }
        Array.Fill(_slots, new Slot { Position = Empty });
        _used = 0;
        _removed = 0;
        var mask = size - 1;
        for (var s = 0; s < oldCount; s++)
        {
            var slot = old[s];
            var index = slot.Position - removed;
            if (slot.Position == Empty || index < 0 || index >= _seen.Count)
            {
                continue;
            }
            var i = slot.Hash & mask;
            while (_slots[i].Position != Empty) i = (i + 1) & mask;
            _slots[i] = new Slot { Hash = slot.Hash, Position = index };
            _used++;
        }
        if (rented)
        {
            System.Buffers.ArrayPool<Slot>.Shared.Return(old);
        }
    }

    /// <summary>Forgets entries older than the horizon and keeps at most <paramref name="maxRemembered"/> (newest kept).</summary>
    public void Prune(TimeSpan horizon, int maxRemembered)
    {
        if (_seen.Count > 0)
        {
            var cutoff = _newest - horizon;
            if (_sorted)
            {
                // Oldest first: both rules remove a prefix.
                var drop = 0;
                while (drop < _seen.Count && _seen[drop].EnqueuedTime < cutoff) drop++;
                drop = Math.Max(drop, _seen.Count - maxRemembered);
                if (drop > 0)
                {
                    _seen.RemoveRange(0, drop);
                    _removed += drop;
                }
            }
            else
            {
                PruneUnsorted(cutoff, maxRemembered);
                Rebuild();
            }
        }
        Snapshot();
    }

    private void PruneUnsorted(DateTimeOffset cutoff, int maxRemembered)
    {
        _seen.RemoveAll(entry => entry.EnqueuedTime < cutoff);
        if (_seen.Count > maxRemembered)
        {
            // A stable sort by enqueue time (ties keep their order), then the oldest go.
            var ordered = _seen.OrderBy(entry => entry.EnqueuedTime).ToList();
            _seen.Clear();
            _seen.AddRange(ordered.Skip(ordered.Count - maxRemembered));
            _sorted = true;
            return;
        }
        _sorted = true;
        for (var i = 1; i < _seen.Count && _sorted; i++)
        {
            _sorted = _seen[i].EnqueuedTime >= _seen[i - 1].EnqueuedTime;
        }
    }
}
