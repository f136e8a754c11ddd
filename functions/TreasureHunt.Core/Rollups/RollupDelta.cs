using System.Text.Json.Serialization;
using TreasureHunt.Core.Aggregation;
using TreasureHunt.Core.Events;
using TreasureHunt.Core.Groups;

namespace TreasureHunt.Core.Rollups;

/// <summary>
/// The cross-partition part of one or more consecutive batches of one partition: item deltas grouped by shard, and
/// global counters, for the sequence range (<see cref="FromSequence"/>, <see cref="ToSequence"/>]. Merging keeps
/// the range contiguous. Sent as one signal per shard plus one to the global entity, never one per event.
/// </summary>
public sealed class RollupDelta
{
    [JsonPropertyName("fromSequence")] public long FromSequence { get; set; }
    [JsonPropertyName("toSequence")] public long ToSequence { get; set; }
    [JsonPropertyName("messages")] public long Messages { get; set; }

    /// <summary>The shard layout <see cref="Shards"/> is keyed for (<see cref="ShardRouting.ShardOf"/>). 0 in deltas
    /// stored before layouts were recorded: those were made with the configured count (see <see cref="Rehome"/>).</summary>
    [JsonPropertyName("shardCount")] public int ShardCount { get; set; }

    [JsonPropertyName("shards")] public Dictionary<int, Dictionary<string, ItemDelta>> Shards { get; set; } = [];
    [JsonPropertyName("global")] public GlobalCounters Global { get; set; } = new();

    /// <summary>Keys of the keyed groups kept in their own documents, by shard then document id (<see cref="GroupKeys"/>);
    /// null when none. The item group travels in <see cref="Shards"/> (<see cref="ItemDelta.Keyed"/>).</summary>
    [JsonPropertyName("keys")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public Dictionary<int, Dictionary<string, GroupKeyDelta>>? Keys { get; set; }

    /// <summary>The definitions a delta built by <see cref="RollupDeltaBuilder"/> was computed with: what merging keyed
    /// states into a stored delta (which does not carry them) needs.</summary>
    [JsonIgnore] public Features.CompiledDefinitions? Definitions { get; set; }

    [JsonIgnore] public bool IsEmpty => Messages == 0;

    public void Merge(RollupDelta next)
    {
        ArgumentNullException.ThrowIfNull(next);
        if (next.IsEmpty) return;
        if (IsEmpty)
        {
            FromSequence = next.FromSequence;
            ShardCount = next.ShardCount;
        }
        else if (next.FromSequence <= ToSequence)
        {
            throw new InvalidOperationException($"rollup ranges overlap: pending ends at {ToSequence}, next starts at {next.FromSequence}");
        }
        if (ShardCount != next.ShardCount)
        {
            // The shard layout changed (a reshard) while this delta was pending, i.e. before any of it was sent: it is
            // re-keyed for the new layout, so only sealed deltas ever go to the old layout's entities.
            Rehome(next.ShardCount);
        }
        ToSequence = next.ToSequence;
        Messages += next.Messages;
        Global.Add(next.Global);
        var definitions = next.Definitions ?? Definitions;
        foreach (var (shard, items) in next.Shards)
        {
            if (!Shards.TryGetValue(shard, out var target))
            {
                Shards[shard] = target = new Dictionary<string, ItemDelta>(StringComparer.Ordinal);
            }
            foreach (var (itemId, delta) in items)
            {
                if (!target.TryGetValue(itemId, out var existing))
                {
                    target[itemId] = existing = new ItemDelta(); // never share the merged delta's objects: later merges add to these
                }
                existing.Add(delta, definitions);
            }
        }
        MergeKeys(next.Keys, definitions);
    }

    private void MergeKeys(Dictionary<int, Dictionary<string, GroupKeyDelta>>? keys, Features.CompiledDefinitions? definitions)
    {
        if (keys is null || keys.Count == 0) return;
        if (definitions is null) throw new InvalidOperationException("merging keyed groups' states needs the definitions");
        Keys ??= [];
        foreach (var (shard, deltas) in keys)
        {
            if (!Keys.TryGetValue(shard, out var target))
            {
                Keys[shard] = target = new Dictionary<string, GroupKeyDelta>(StringComparer.Ordinal);
            }
            foreach (var (id, delta) in deltas)
            {
                if (target.TryGetValue(id, out var existing)) existing.Add(delta, definitions);
                else target[id] = delta.Copy(definitions);
            }
        }
    }

    /// <summary>Re-keys <see cref="Shards"/> for a layout of <paramref name="shardCount"/> shards (each item goes to
    /// <see cref="ShardRouting.ShardOf"/> of the new count). Only for a delta none of which was sent yet.</summary>
    public void Rehome(int shardCount)
    {
        if (shardCount < 1) throw new ArgumentOutOfRangeException(nameof(shardCount), shardCount, "a shard layout has at least one shard");
        if (ShardCount == shardCount) return;
        var rehomed = new Dictionary<int, Dictionary<string, ItemDelta>>();
        foreach (var items in Shards.Values)
        {
            foreach (var (itemId, delta) in items)
            {
                var shard = ShardRouting.ShardOf(itemId, shardCount);
                if (!rehomed.TryGetValue(shard, out var target))
                {
                    rehomed[shard] = target = new Dictionary<string, ItemDelta>(StringComparer.Ordinal);
                }
                target[itemId] = delta;
            }
        }
        Shards = rehomed;
        if (Keys is not null)
        {
            var keys = new Dictionary<int, Dictionary<string, GroupKeyDelta>>();
            foreach (var (id, delta) in Keys.Values.SelectMany(k => k))
            {
                var shard = ShardRouting.ShardOf(id, shardCount);
                if (!keys.TryGetValue(shard, out var target))
                {
                    keys[shard] = target = new Dictionary<string, GroupKeyDelta>(StringComparer.Ordinal);
                }
                target[id] = delta;
            }
            Keys = keys;
        }
        ShardCount = shardCount;
    }
}

/// <summary>Builds the <see cref="RollupDelta"/> of a batch from the outcome of each event; with
/// <paramref name="definitions"/>, also the partial states of their keyed groups.</summary>
public sealed class RollupDeltaBuilder(int shardCount, Features.CompiledDefinitions? definitions = null)
{
    private readonly RollupDelta _delta = new() { ShardCount = shardCount, Definitions = definitions };

    /// <summary>Keys of the groups kept in their own documents: (group index, key values) → partial state.</summary>
    private readonly Dictionary<GroupKey, KeyedState> _keys = [];

    public void Add(in SequencedEvent e, EventOutcome outcome)
    {
        _delta.Messages++;
        if (outcome == EventOutcome.Duplicate)
        {
            _delta.Global.DuplicatesDropped++;
            return;
        }
        var type = e.Event.Type;
        _delta.Global.Events++;
        _delta.Global.AddType(type);
        if (outcome == EventOutcome.AppliedLate) _delta.Global.Late++;

        var shard = ShardRouting.ShardOf(e.Event.ItemId, shardCount);
        if (!_delta.Shards.TryGetValue(shard, out var items))
        {
            _delta.Shards[shard] = items = new Dictionary<string, ItemDelta>(StringComparer.Ordinal);
        }
        if (!items.TryGetValue(e.Event.ItemId, out var item))
        {
            items[e.Event.ItemId] = item = new ItemDelta();
            item.Hours.Capacity = 1; // a batch's events of one item nearly always fall in one hour (else the list grows)
        }
        item.Add(type, WindowSize.Hour.StartOf(e.Event.Timestamp));
        if (definitions is { Groups.Length: > 0 } d) AddToGroups(e.Event, item, d);
    }

    private void AddToGroups(TreasureEvent e, ItemDelta item, Features.CompiledDefinitions d)
    {
        foreach (var group in d.Groups)
        {
            if (group.Stored.Length == 0) continue;
            if (group.IsItem)
            {
                (item.Keyed ??= new KeyedState { Partial = true }).Add(e, group, d);
                continue;
            }
            var key = group.Key;
            string? a = null, b = null, c = null;
            if (key.Length > 0 && (a = GroupKeys.ValueOf(key[0], e)) is null) continue; // an event without a key field counts in no key of the group
            if (key.Length > 1 && (b = GroupKeys.ValueOf(key[1], e)) is null) continue;
            if (key.Length > 2 && (c = GroupKeys.ValueOf(key[2], e)) is null) continue;
            var k = new GroupKey(group.Index, a, b, c);
            if (!_keys.TryGetValue(k, out var state)) _keys[k] = state = new KeyedState { Partial = true };
            state.Add(e, group, d);
        }
    }

    public void AddDeadLetter()
    {
        _delta.Messages++;
        _delta.Global.DeadLettered++;
    }

    /// <summary>A control message (an erasure): it counts in the range only, so a batch of control messages still moves the progress.</summary>
    public void AddControlMessage()
    {
        _delta.Messages++;
    }

    /// <summary>A message parked instead of applied: it counts in the range, and in the parked counter only.</summary>
    public void AddParked()
    {
        _delta.Messages++;
        _delta.Global.Parked++;
    }

    /// <summary>A replay: the message counted as parked before now counts as what it turned out to be.</summary>
    public void AddUnparked()
    {
        _delta.Global.Parked--;
    }

    /// <summary>Closes the range at <paramref name="lastSequenceNumber"/> (the batch's last message, even if it contributed nothing).</summary>
    public RollupDelta Build(long firstSequenceNumber, long lastSequenceNumber)
    {
        _delta.FromSequence = firstSequenceNumber;
        _delta.ToSequence = lastSequenceNumber;
        if (_keys.Count > 0)
        {
            _delta.Keys = [];
            foreach (var (k, state) in _keys)
            {
                var group = definitions!.Groups[k.Group];
                string[] values = group.Key.Length switch { 0 => [], 1 => [k.A!], 2 => [k.A!, k.B!], _ => [k.A!, k.B!, k.C!] };
                var id = GroupKeys.DocumentId(group.Name, values);
                var shard = ShardRouting.ShardOf(id, shardCount);
                if (!_delta.Keys.TryGetValue(shard, out var target))
                {
                    _delta.Keys[shard] = target = new Dictionary<string, GroupKeyDelta>(StringComparer.Ordinal);
                }
                target[id] = new GroupKeyDelta { Group = group.Name, Key = values, State = state };
            }
        }
        return _delta;
    }

    /// <summary>A key of a group kept in its own documents while a batch is built (no id is escaped per event).</summary>
    private readonly record struct GroupKey(int Group, string? A, string? B, string? C);
}
