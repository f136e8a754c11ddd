using System.IO.Hashing;
using System.Runtime.InteropServices;
using System.Text.Json.Serialization;

namespace TreasureHunt.Core.Aggregation;

/// <summary>
/// Everything about <em>delivery</em> for one user: per source partition the highest sequence number applied (the
/// watermark: a redelivery is skipped), the producer-duplicate memory (event ids remembered within the duplicate
/// horizon, at most a cap of them) and the duplicate decisions of the latest batch (so that a redelivered batch is
/// decided exactly as it was the first time). Exactly the semantics that the schema-1 document kept
/// (<c>watermarks</c>, <c>seen</c>, <c>duplicates</c>):
/// <list type="bullet">
/// <item>a copy of a remembered event id with another (partition, sequence number), enqueued within the horizon of
/// the remembered one, is a duplicate; a copy beyond it is new and replaces the remembered entry in place;</item>
/// <item>a redelivery of the original message (same partition and sequence number) is recognised as the original;</item>
/// <item>a message at or below its partition's watermark never changes the memory; when it is in the latest batch's
/// duplicate list it is a duplicate even if the memory has meanwhile forgotten the original;</item>
/// <item>after each batch, remembered ids enqueued more than the horizon before the newest enqueue time remembered are
/// forgotten, then the oldest (by enqueue time, ties in list order) beyond the cap.</item>
/// </list>
/// </summary>
/// <remarks>
/// <para><b>Compact.</b> An event id is remembered as its 64-bit XxHash3 (seed 0) over the id's UTF-16 code units
/// (<see cref="HashOf"/>; a published, stable algorithm, so stored hashes stay valid across versions and machines). Ids
/// are never compared as strings, so two distinct ids with the same hash are taken for copies of each other: an event
/// whose id collides with one of the n remembered ids, enqueued within the horizon, is dropped as a duplicate. With
/// n = 2,000 remembered ids that happens to a new event with probability n / 2⁶⁴ ≈ 1.1 × 10⁻¹⁶; at the production
/// reference point (50,000 events/s, every user at the cap) about 1.7 × 10⁻⁴ events a year. Partition ids are stored
/// once (a table the entries index into), the entries as one binary field (<see cref="DeliveryStateCodec"/>).</para>
/// <para><b>Bound.</b> The serialized state of a user at the default cap of 2,000 with one partition and
/// millisecond enqueue times a few per millisecond apart (a user sending 3,000 events/s) is 9 bytes an entry, so
/// ≤ 2,000 × 9 × 4/3 (base64) + ~100 B ≈ 24.1 KB whatever the id length (tested: DeliveryStateSizeTests). Whatever
/// the input, an entry takes at most 34 bytes: ≤ 91 KB at the default cap, and a cap of n ≤ 46·n bytes + duplicates.</para>
/// <para><b>Fast.</b> <see cref="Decide"/> hashes the id's chars in place and looks the hash up in an open-addressing
/// table over the entries (built once after load, then maintained incrementally); it allocates nothing once the
/// arrays have grown to the user's steady state. Entries live in one array of structs, oldest first; forgetting a
/// prefix only moves a head offset.</para>
/// </remarks>
[JsonConverter(typeof(DeliveryStateJsonConverter))]
public sealed class DeliveryState
{
    private const int Empty = -1;

    private readonly List<string> _partitions = [];
    private readonly Dictionary<string, long> _watermarks = new(StringComparer.Ordinal);

    // The remembered ids, list order (normally enqueue order), at _entries[_head .. _head + _count).
    private Remembered[] _entries = [];
    private int _head;
    private int _count;
    private long _newestTicks = long.MinValue;
    private bool _sorted = true;

    private DuplicateEntry[] _duplicates = [];
    private int _duplicateCount;

    // The index: (hash, position) slots; position = list index + _removed (a pruned prefix only moves _removed).
    private Slot[]? _slots;
    private int _used;
    private int _removed;

    // The batch in progress.
    private bool _inBatch;
    private int _partition;
    private bool _hasWatermark;
    private long _watermark;
    private long _highest;
    private bool _any;
    private bool _anyNew;
    private long _oldestTicks;
    private long _horizonTicks;
    private int _maxRemembered;

    internal struct Remembered
    {
        public ulong Hash;
        public long Sequence;
        public long Ticks;
        public int Partition;
    }

    internal struct DuplicateEntry
    {
        public int Partition;
        public long Sequence;
        public long Ticks;
    }

    private struct Slot
    {
        public ulong Hash;
        public int Position;
    }

    private DeliveryState()
    {
    }

    public static DeliveryState Create() => new();

    /// <summary>The state equivalent to a schema-1 user document's <c>watermarks</c>, <c>seen</c> and <c>duplicates</c>.</summary>
    public static DeliveryState FromSchema1(IReadOnlyDictionary<string, long> watermarks, IReadOnlyList<SeenEvent> seen, IReadOnlyList<DuplicateDelivery> duplicates)
    {
        ArgumentNullException.ThrowIfNull(watermarks);
        ArgumentNullException.ThrowIfNull(seen);
        ArgumentNullException.ThrowIfNull(duplicates);
        var state = new DeliveryState();
        foreach (var (partition, watermark) in watermarks)
        {
            state.PartitionIndex(partition);
            state._watermarks[partition] = watermark;
        }
        var entries = new Remembered[seen.Count];
        for (var i = 0; i < seen.Count; i++)
        {
            var s = seen[i];
            entries[i] = new Remembered
            {
                Hash = HashOf(s.EventId),
                Sequence = s.SequenceNumber,
                Ticks = s.EnqueuedTime.UtcTicks,
                Partition = state.PartitionIndex(s.PartitionId),
            };
        }
        var dups = new DuplicateEntry[duplicates.Count];
        for (var i = 0; i < duplicates.Count; i++)
        {
            var d = duplicates[i];
            dups[i] = new DuplicateEntry { Partition = state.PartitionIndex(d.PartitionId), Sequence = d.SequenceNumber, Ticks = d.EnqueuedTime.UtcTicks };
        }
        state.Load(entries, dups, forgottenAtCap: 0);
        return state;
    }

    /// <summary>The 64-bit XxHash3 (seed 0) of an event id's UTF-16 code units: what the memory keeps of an id.</summary>
    public static ulong HashOf(ReadOnlySpan<char> eventId) => XxHash3.HashToUInt64(MemoryMarshal.AsBytes(eventId));

    /// <summary>Per source partition, the highest sequence number already applied.</summary>
    public IReadOnlyDictionary<string, long> Watermarks => _watermarks;

    /// <summary>Ids forgotten because of the cap (not the horizon), cumulative over the state's life.</summary>
    public long ForgottenAtCap { get; private set; }

    /// <summary>How many event ids are remembered now.</summary>
    public int RememberedIds => _count;

    /// <summary>How many deliveries of the latest batch(es) are recorded as duplicates.</summary>
    public int RecordedDuplicates => _duplicateCount;

    /// <summary>
    /// Starts a batch: one partition's events for this user follow (<see cref="Decide"/>, in sequence order), then
    /// <see cref="End"/>.
    /// </summary>
    public void Begin(string partitionId, TimeSpan horizon, int maxRememberedIds)
    {
        ArgumentNullException.ThrowIfNull(partitionId);
        ArgumentOutOfRangeException.ThrowIfLessThan(horizon, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxRememberedIds, 1);
        if (_inBatch)
        {
            throw new InvalidOperationException("DeliveryState.Begin called twice without End.");
        }
        _inBatch = true;
        _partition = PartitionIndex(partitionId);
        _hasWatermark = _watermarks.TryGetValue(partitionId, out _watermark);
        _highest = _hasWatermark ? _watermark : long.MinValue;
        _any = false;
        _anyNew = false;
        _oldestTicks = long.MaxValue;
        _horizonTicks = horizon.Ticks;
        _maxRemembered = maxRememberedIds;
        if (_slots is null)
        {
            Rebuild();
        }
    }

    /// <summary>Decides one message of the batch (in sequence order) and remembers it when it is new.</summary>
    public DeliveryDecision Decide(string eventId, long sequenceNumber, DateTimeOffset enqueuedTime)
    {
        ArgumentNullException.ThrowIfNull(eventId);
        return Decide(eventId.AsSpan(), sequenceNumber, enqueuedTime);
    }

    /// <inheritdoc cref="Decide(string, long, DateTimeOffset)"/>
    public DeliveryDecision Decide(ReadOnlySpan<char> eventId, long sequenceNumber, DateTimeOffset enqueuedTime) =>
        Decide(HashOf(eventId), sequenceNumber, enqueuedTime);

    /// <summary><see cref="Decide(string, long, DateTimeOffset)"/> by the id's <see cref="HashOf"/> (all the memory keeps of an id).</summary>
    internal DeliveryDecision Decide(ulong eventIdHash, long sequenceNumber, DateTimeOffset enqueuedTime)
    {
        if (!_inBatch)
        {
            throw new InvalidOperationException("DeliveryState.Decide called outside Begin/End.");
        }
        var ticks = enqueuedTime.UtcTicks;
        var redelivered = _hasWatermark && sequenceNumber <= _watermark;
        _any = true;
        _anyNew |= !redelivered;
        if (sequenceNumber > _highest) _highest = sequenceNumber;
        if (ticks < _oldestTicks) _oldestTicks = ticks;

        // A redelivered message only looks the memory up (never changes it); its recorded decision comes first.
        if ((redelivered && WasDuplicate(_partition, sequenceNumber))
            || !IsFirstDelivery(eventIdHash, sequenceNumber, ticks, remember: !redelivered))
        {
            if (!redelivered)
            {
                AddDuplicate(new DuplicateEntry { Partition = _partition, Sequence = sequenceNumber, Ticks = ticks });
            }
            return DeliveryDecision.Duplicate;
        }
        return redelivered ? DeliveryDecision.AlreadyApplied : DeliveryDecision.New;
    }

    /// <summary>Ends the batch: moves the watermark, forgets ids beyond the horizon and the cap, keeps the duplicate list short.</summary>
    public void End()
    {
        if (!_inBatch)
        {
            throw new InvalidOperationException("DeliveryState.End called without Begin.");
        }
        _inBatch = false;
        if (_any)
        {
            _watermarks[_partitions[_partition]] = _highest;
        }
        Prune();
        if (_duplicateCount > 0 && _anyNew)
        {
            // Only this batch (with any redelivered part) can be redelivered without being skipped: forget duplicates
            // older than its oldest event. A pure redelivery changes nothing, so it prunes nothing either.
            var kept = 0;
            for (var i = 0; i < _duplicateCount; i++)
            {
                if (_duplicates[i].Ticks >= _oldestTicks) _duplicates[kept++] = _duplicates[i];
            }
            _duplicateCount = kept;
        }
    }

    private int PartitionIndex(string partitionId)
    {
        for (var i = 0; i < _partitions.Count; i++)
        {
            if (string.Equals(_partitions[i], partitionId, StringComparison.Ordinal)) return i;
        }
        _partitions.Add(partitionId);
        return _partitions.Count - 1;
    }

    private bool WasDuplicate(int partition, long sequenceNumber)
    {
        for (var i = 0; i < _duplicateCount; i++)
        {
            if (_duplicates[i].Sequence == sequenceNumber && _duplicates[i].Partition == partition) return true;
        }
        return false;
    }

    private void AddDuplicate(DuplicateEntry entry)
    {
        if (_duplicateCount == _duplicates.Length)
        {
            Array.Resize(ref _duplicates, Math.Max(4, _duplicates.Length * 2));
        }
        _duplicates[_duplicateCount++] = entry;
    }

    private ref Remembered At(int index) => ref _entries[_head + index];

    private bool IsFirstDelivery(ulong hash, long sequenceNumber, long ticks, bool remember)
    {
        var index = Find(hash, out var free);
        if (index >= 0)
        {
            ref var first = ref At(index);
            if (first.Sequence == sequenceNumber && first.Partition == _partition)
            {
                return true; // a redelivery of the original message
            }
            var apart = ticks - first.Ticks;
            if ((apart < 0 ? -apart : apart) <= _horizonTicks)
            {
                return false;
            }
            if (remember)
            {
                // Beyond the horizon: counted as a new event and remembered in place of the old entry.
                first.Partition = _partition;
                first.Sequence = sequenceNumber;
                first.Ticks = ticks;
                if (ticks > _newestTicks) _newestTicks = ticks;
                if (index != _count - 1) _sorted = false;
            }
            return true;
        }
        if (remember)
        {
            if (_count > 0 && ticks < At(_count - 1).Ticks) _sorted = false;
            if (ticks > _newestTicks) _newestTicks = ticks;
            Append(new Remembered { Hash = hash, Sequence = sequenceNumber, Ticks = ticks, Partition = _partition });
            var slots = _slots!;
            if (slots[free].Position == Empty) _used++;
            slots[free] = new Slot { Hash = hash, Position = _count - 1 + _removed };
            if (_used * 2 > slots.Length || _removed > int.MaxValue / 2)
            {
                Compact();
            }
        }
        return true;
    }

    private void Append(Remembered entry)
    {
        if (_head + _count == _entries.Length)
        {
            if (_head > 0)
            {
                Array.Copy(_entries, _head, _entries, 0, _count);
                _head = 0;
            }
            else
            {
                Array.Resize(ref _entries, Math.Max(16, _entries.Length * 2));
            }
        }
        _entries[_head + _count++] = entry;
    }

    /// <summary>The list index of the entry with <paramref name="hash"/>, or −1 with <paramref name="free"/> the slot to insert it at.</summary>
    private int Find(ulong hash, out int free)
    {
        var slots = _slots!;
        var mask = slots.Length - 1;
        free = -1;
        for (var i = (int)hash & mask; ; i = (i + 1) & mask)
        {
            var slot = slots[i];
            if (slot.Position == Empty)
            {
                if (free < 0) free = i;
                return -1;
            }
            var index = slot.Position - _removed;
            if (index < 0 || index >= _count)
            {
                if (free < 0) free = i; // stale: its entry was pruned
            }
            else if (slot.Hash == hash && At(index).Hash == hash)
            {
                return index;
            }
        }
    }

    private static int TableSize(int count)
    {
        var size = 16;
        while (size < count * 4) size *= 2;
        return size;
    }

    private void Rebuild()
    {
        var size = TableSize(_count);
        if (_slots is null || _slots.Length != size)
        {
            _slots = new Slot[size];
        }
        Array.Fill(_slots, new Slot { Position = Empty });
        _used = 0;
        _removed = 0;
        for (var i = 0; i < _count; i++)
        {
            var hash = At(i).Hash;
            var found = Find(hash, out var free);
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

    /// <summary>A table with the live slots only (hashes are carried over: no entry is read again).</summary>
    private void Compact()
    {
        var removed = _removed;
        var old = _slots!;
        // Never smaller: a table that shrank after a prune would grow again within the next batch (an allocation each time).
        var size = Math.Max(TableSize(_count), old.Length);
        var oldCount = old.Length;
        var rented = size == old.Length;
        if (rented)
        {
            // Same size: copy the slots aside and refill the table in place (no new long-lived array).
            old = System.Buffers.ArrayPool<Slot>.Shared.Rent(size);
            Array.Copy(_slots!, old, size);
        }
        else
        {
            _slots = new Slot[size];
        }
        var slots = _slots!;
        Array.Fill(slots, new Slot { Position = Empty });
        _used = 0;
        _removed = 0;
        var mask = size - 1;
        for (var s = 0; s < oldCount; s++)
        {
            var slot = old[s];
            var index = slot.Position - removed;
            if (slot.Position == Empty || index < 0 || index >= _count)
            {
                continue;
            }
            var i = (int)slot.Hash & mask;
            while (slots[i].Position != Empty) i = (i + 1) & mask;
            slots[i] = new Slot { Hash = slot.Hash, Position = index };
            _used++;
        }
        if (rented)
        {
            System.Buffers.ArrayPool<Slot>.Shared.Return(old);
        }
    }

    /// <summary>Forgets entries older than the horizon and keeps at most the cap (newest kept).</summary>
    private void Prune()
    {
        if (_count == 0)
        {
            return;
        }
        var cutoff = _newestTicks - _horizonTicks;
        if (_sorted)
        {
            // Oldest first: both rules remove a prefix.
            var byAge = 0;
            while (byAge < _count && At(byAge).Ticks < cutoff) byAge++;
            var drop = Math.Max(byAge, _count - _maxRemembered);
            ForgottenAtCap += drop - byAge;
            if (drop > 0)
            {
                _head += drop;
                _count -= drop;
                _removed += drop;
                if (_count == 0) _head = 0;
            }
            return;
        }
        PruneUnsorted(cutoff);
        Rebuild();
    }

    private void PruneUnsorted(long cutoff)
    {
        var kept = 0;
        for (var i = 0; i < _count; i++)
        {
            if (At(i).Ticks >= cutoff) At(kept++) = At(i);
        }
        _count = kept;
        if (_count > _maxRemembered)
        {
            // A stable sort by enqueue time (ties keep their list order), then the oldest go.
            var entries = _entries;
            var head = _head;
            var order = new int[_count];
            for (var i = 0; i < order.Length; i++) order[i] = i;
            Array.Sort(order, (a, b) =>
            {
                var byTime = entries[head + a].Ticks.CompareTo(entries[head + b].Ticks);
                return byTime != 0 ? byTime : a.CompareTo(b);
            });
            var drop = _count - _maxRemembered;
            var sorted = new Remembered[Math.Max(_entries.Length, 16)];
            for (var i = drop; i < order.Length; i++) sorted[i - drop] = entries[head + order[i]];
            ForgottenAtCap += drop;
            _entries = sorted;
            _head = 0;
            _count = _maxRemembered;
            _sorted = true;
            return;
        }
        _sorted = true;
        for (var i = 1; i < _count && _sorted; i++)
        {
            _sorted = At(i).Ticks >= At(i - 1).Ticks;
        }
    }

    // ---- Access for the codec (DeliveryStateCodec / DeliveryStateJsonConverter) ----

    internal IReadOnlyList<string> Partitions => _partitions;

    /// <summary>
    /// The newest enqueue time remembered, when it is newer than every remembered entry (null otherwise). That happens
    /// when the newest entry was replaced by a copy from beyond the horizon enqueued earlier (another partition lagging
    /// behind), and then possibly every entry was forgotten: the horizon still counts back from the newest time seen,
    /// as schema 1 did while its instance lived.
    /// Stored, so a reloaded state decides as the live one would.
    /// </summary>
    internal long? NewestBeyondEntries
    {
        get
        {
            var max = long.MinValue;
            foreach (ref readonly var e in Entries) if (e.Ticks > max) max = e.Ticks;
            return _newestTicks > max ? _newestTicks : null;
        }
    }
    internal ReadOnlySpan<Remembered> Entries => _entries.AsSpan(_head, _count);
    internal ReadOnlySpan<DuplicateEntry> Duplicates => _duplicates.AsSpan(0, _duplicateCount);

    /// <summary>Builds a state from decoded parts (partition indexes already valid for <paramref name="partitions"/>).</summary>
    internal static DeliveryState FromParts(IReadOnlyList<string> partitions, IReadOnlyList<long?> watermarks, Remembered[] entries, DuplicateEntry[] duplicates, long forgottenAtCap, long? newest = null)
    {
        var state = new DeliveryState();
        for (var i = 0; i < partitions.Count; i++)
        {
            if (state.PartitionIndex(partitions[i]) != i)
            {
                throw new System.Text.Json.JsonException($"delivery state: partition id '{partitions[i]}' is listed twice.");
            }
            if (i < watermarks.Count && watermarks[i] is { } w)
            {
                state._watermarks[partitions[i]] = w;
            }
        }
        state.Load(entries, duplicates, forgottenAtCap);
        if (newest > state._newestTicks) state._newestTicks = newest.Value;
        return state;
    }

    private void Load(Remembered[] entries, DuplicateEntry[] duplicates, long forgottenAtCap)
    {
        _entries = entries;
        _head = 0;
        _count = entries.Length;
        _duplicates = duplicates;
        _duplicateCount = duplicates.Length;
        ForgottenAtCap = forgottenAtCap;
        _newestTicks = long.MinValue;
        _sorted = true;
        for (var i = 0; i < _count; i++)
        {
            if (entries[i].Ticks > _newestTicks) _newestTicks = entries[i].Ticks;
            if (i > 0 && entries[i].Ticks < entries[i - 1].Ticks) _sorted = false;
        }
        _slots = null; // the index is built when the first batch begins
    }
}
