using System.Text.Json.Serialization;
using TreasureHunt.Core.Groups;

namespace TreasureHunt.Core.Rollups;

/// <summary>
/// State of one item shard entity (<c>itemshard</c>, key "{ShardCount}-{index}", see <see cref="ShardRouting.ShardKey"/>).
/// It does not hold the catalog: the items live in their own Cosmos documents (<see cref="ItemDocument"/>) and the
/// leaderboards in <see cref="LeaderboardDocument"/>s. The shard is the one writer of its items: it merges the
/// partitions' signals into <see cref="Pending"/>, seals that buffer when it is <c>ItemFlushSeconds</c> old or holds
/// <c>ItemFlushMaxItems</c> items, and writes a sealed buffer at the start of a later entity batch.
/// <para>
/// Bounded: <see cref="Applied"/> holds about one range per source partition (partitions send each entity contiguous
/// ranges, <see cref="PartitionProgress.SentThrough"/>); <see cref="Pending"/> and <see cref="Sealed"/> each hold at
/// most <c>ItemFlushMaxItems</c> items plus the items of the signals of one entity batch, while the item store accepts
/// writes. Nothing grows with the catalog. While the store refuses writes (an outage), the sealed buffer cannot be
/// written and <see cref="Pending"/> grows with the distinct items arriving meanwhile (docs/data-model.md lists this
/// limit and its next lever).
/// </para>
/// <para>
/// Exactly-once: a signal is applied to <see cref="Pending"/> once (its range is recorded in the same state). A sealed
/// buffer carries a number; it is written only after the state that sealed it was committed (in a later entity batch),
/// so a write retried after a crash writes exactly the same buffer, and an item document records the last number each
/// shard wrote to it (<see cref="ItemDocument.Flushes"/>), so that retry skips the items already written.
/// </para>
/// </summary>
public sealed class ItemShardState
{
    /// <summary>Per source partition, the sequence ranges already applied (see <see cref="AppliedRanges"/>).</summary>
    [JsonPropertyName("applied")] public Dictionary<string, List<SequenceRange>> Applied { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Item deltas applied but not sealed yet.</summary>
    [JsonPropertyName("pending")] public Dictionary<string, ItemDelta> Pending { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Keyed-group deltas applied but not sealed yet, by document id (absent when none).</summary>
    [JsonPropertyName("pendingKeys")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public Dictionary<string, GroupKeyDelta>? PendingKeys { get; set; }

    /// <summary>When the oldest part of <see cref="Pending"/> arrived (wall clock of the entity).</summary>
    [JsonPropertyName("pendingSince")] public DateTimeOffset? PendingSince { get; set; }

    /// <summary>The buffer being written to the item documents, or null.</summary>
    [JsonPropertyName("sealed")] public SealedItemFlush? Sealed { get; set; }

    /// <summary>Number of the last sealed buffer (the next one gets this + 1).</summary>
    [JsonPropertyName("lastSealed")] public long LastSealed { get; set; }

    /// <summary>Number of the last buffer fully written.</summary>
    [JsonPropertyName("lastWritten")] public long LastWritten { get; set; }

    /// <summary>Until when a delayed <c>flush</c> self-signal is outstanding (none is scheduled before then).</summary>
    [JsonPropertyName("tailFlushAt")] public DateTimeOffset? TailFlushAt { get; set; }

    /// <summary>Signals applied, all time (for the entity figures of the benchmark).</summary>
    [JsonPropertyName("signalsApplied")] public long SignalsApplied { get; set; }

    /// <summary>Events (item counts, all types) written to the item documents, all time: what tests and the benchmark
    /// compare with what the partitions sent.</summary>
    [JsonPropertyName("eventsWritten")] public long EventsWritten { get; set; }

    /// <summary>Keyed-group events (per key, all features) written to the keyed documents, all time.</summary>
    [JsonPropertyName("keyedEventsWritten")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public long KeyedEventsWritten { get; set; }

    [JsonIgnore] public bool HasUnwritten => Sealed is not null || PendingCount > 0;

    /// <summary>Items and keys pending.</summary>
    [JsonIgnore] public int PendingCount => Pending.Count + (PendingKeys?.Count ?? 0);

    /// <summary>Applies a signal once (into <see cref="Pending"/>); returns false for a redelivered one. Keyed states
    /// merge with <paramref name="definitions"/> (required when the signal carries any).</summary>
    public bool Apply(ItemShardSignal signal, DateTimeOffset now, Features.CompiledDefinitions? definitions = null)
    {
        ArgumentNullException.ThrowIfNull(signal);
        if (!AppliedRanges.TryAdd(Applied, signal.SourcePartition, signal.FirstSequenceNumber, signal.LastSequenceNumber))
        {
            return false;
        }
        foreach (var (itemId, delta) in signal.Items)
        {
            if (!Pending.TryGetValue(itemId, out var pending))
            {
                Pending[itemId] = pending = new ItemDelta();
            }
            pending.Add(delta, definitions);
        }
        if (signal.Keys is { Count: > 0 } keys)
        {
            if (definitions is null) throw new InvalidOperationException("merging keyed groups' states needs the definitions");
            PendingKeys ??= new Dictionary<string, GroupKeyDelta>(StringComparer.Ordinal);
            foreach (var (id, delta) in keys)
            {
                if (PendingKeys.TryGetValue(id, out var pending)) pending.Add(delta, definitions);
                else PendingKeys[id] = delta.Copy(definitions);
            }
        }
        if (signal.Items.Count > 0 || signal.Keys is { Count: > 0 }) PendingSince ??= now;
        SignalsApplied++;
        return true;
    }

    /// <summary>Whether <see cref="Pending"/> should be sealed now (only one sealed buffer at a time).</summary>
    public bool ShouldSeal(DateTimeOffset now, RollupOptions options) =>
        Sealed is null && PendingCount > 0 &&
        (PendingCount >= options.ItemFlushMaxItems || now - (PendingSince ?? now) >= options.ItemFlushAge);

    /// <summary>Moves <see cref="Pending"/> to <see cref="Sealed"/> with the next number.</summary>
    public SealedItemFlush Seal()
    {
        if (Sealed is not null) throw new InvalidOperationException($"sealed buffer {Sealed.Number} is still unwritten");
        Sealed = new SealedItemFlush { Number = ++LastSealed, Items = Pending, Keys = PendingKeys };
        Pending = new Dictionary<string, ItemDelta>(StringComparer.Ordinal);
        PendingKeys = null;
        PendingSince = null;
        return Sealed;
    }

    /// <summary>Forgets the sealed buffer once every item and leaderboard of it was written.</summary>
    public void Written(long number)
    {
        if (Sealed?.Number != number) throw new InvalidOperationException($"buffer {number} is not the sealed one ({Sealed?.Number})");
        foreach (var delta in Sealed.Items.Values)
        {
            foreach (var count in delta.Totals) EventsWritten += count;
        }
        foreach (var delta in Sealed.Keys?.Values ?? Enumerable.Empty<GroupKeyDelta>()) KeyedEventsWritten += delta.State.Events;
        Sealed = null;
        LastWritten = number;
    }
}

/// <summary>A sealed buffer of item deltas and its number (see <see cref="ItemShardState"/>).</summary>
public sealed class SealedItemFlush
{
    [JsonPropertyName("number")] public long Number { get; set; }
    [JsonPropertyName("items")] public Dictionary<string, ItemDelta> Items { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Keyed-group deltas by document id (absent when none).</summary>
    [JsonPropertyName("keys")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public Dictionary<string, GroupKeyDelta>? Keys { get; set; }
}
