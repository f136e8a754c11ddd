using System.Text.Json.Serialization;
using TreasureHunt.Core.Aggregation;
using TreasureHunt.Core.Events;

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
                existing.Add(delta);
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
        ShardCount = shardCount;
    }
}

/// <summary>Builds the <see cref="RollupDelta"/> of a batch from the outcome of each event.</summary>
public sealed class RollupDeltaBuilder(int shardCount)
{
    private readonly RollupDelta _delta = new() { ShardCount = shardCount };

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
        return _delta;
    }
}
