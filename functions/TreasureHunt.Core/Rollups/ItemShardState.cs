using System.Text.Json.Serialization;
using TreasureHunt.Core.Groups;

namespace TreasureHunt.Core.Rollups;

/// <summary>
/// State of one item shard entity: the partitions' signals merged into <see cref="Pending"/>, sealed by age or size, and
/// written in a later entity batch. Bounded by <c>ItemFlushMaxItems</c>, not by the catalog; bounds and the
/// exactly-once argument: docs/internals.md#item-shard-state.
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
