using System.Text.Json.Serialization;
using TreasureHunt.Core.Features;

namespace TreasureHunt.Core.Groups;

/// <summary>
/// One key of a keyed group other than <c>item</c> (Cosmos container <c>items</c>, partition key /id; the id is
/// <see cref="GroupKeys.DocumentId(string, IReadOnlyList{string})"/>, which no item id can be): its features, its key values, and per
/// item shard entity the number of the last buffer that shard wrote here (<see cref="Flushes"/>), which makes a retried
/// write a no-op — exactly as item documents. Bounded: the group's worst case (checked at start-up against
/// <see cref="GroupDefinitionsCompiler.MaxKeyedFeatureBytes"/>), the key (three values of at most 256 characters), one
/// flush entry per shard layout that ever wrote the key. A shadow definitions version keeps its keys in a container of
/// its own, written per batch without the rollup (<see cref="ApplyEvents"/>): there one entry per event partition.
/// </summary>
public sealed class GroupDocument
{
    [JsonPropertyName("id")] public string Id { get; set; } = "";
    [JsonPropertyName("group")] public string Group { get; set; } = "";
    [JsonPropertyName("key")] public string[] Key { get; set; } = [];

    /// <summary>The definitions version the features were last written with.</summary>
    [JsonPropertyName("version")] public int DefinitionsVersion { get; set; }

    [JsonPropertyName("state")] public KeyedState State { get; set; } = new();

    [JsonPropertyName("flushes")] public Dictionary<string, long> Flushes { get; set; } = new(StringComparer.Ordinal);

    [JsonIgnore] public string? ETag { get; set; }

    /// <summary>Adds the delta of buffer <paramref name="number"/> of shard <paramref name="shardKey"/>, unless that buffer
    /// (or a later one of that shard) was already written here; returns whether it added.</summary>
    public bool Apply(string shardKey, long number, GroupKeyDelta delta, CompiledGroup group, CompiledDefinitions definitions)
    {
        ArgumentNullException.ThrowIfNull(delta);
        ArgumentNullException.ThrowIfNull(definitions);
        if (Flushes.TryGetValue(shardKey, out var written) && written >= number) return false;
        State.Merge(delta.State, group, definitions);
        Group = group.Name;
        Key = delta.Key;
        DefinitionsVersion = definitions.Version;
        Flushes[shardKey] = number;
        return true;
    }

    /// <summary>The <see cref="Flushes"/> entry of a shadow version's key: the highest sequence number of the partition added.</summary>
    public static string PartitionEntry(string partitionId) => "p/" + partitionId;

    /// <summary>
    /// The worst-case serialized size of a back-filled version's key document of <paramref name="group"/> written from
    /// the event partitions <paramref name="partitionIds"/>: the group's features at their worst case
    /// (<see cref="GroupDefinitionsCompiler.WorstCaseBytes"/>, every feature stored), the id and key values at their
    /// longest, the state's fixed fields, and one <see cref="Flushes"/> entry per partition (a sequence number of up to 20
    /// characters). Nothing else grows: a partition's entry is replaced, never added again.
    /// </summary>
    internal static long BackfilledWorstCaseBytes(CompiledGroup group, IEnumerable<string> partitionIds)
    {
        ArgumentNullException.ThrowIfNull(group);
        ArgumentNullException.ThrowIfNull(partitionIds);
        const long Fixed = 400; // the property names, the version, first / last event times, the event count, braces
        var id = GroupKeys.MaxReadableIdLength + 10L;
        var key = group.Key.Sum(k => 4L + KeyedLeaderboardDocument.ValueBytes(k));
        var entries = partitionIds.Sum(p => 6L + PartitionEntry(p).Length + 20);
        return Fixed + id + group.Name.Length + key + GroupDefinitionsCompiler.WorstCaseBytes(group.StoringAll) + entries;
    }

    /// <summary>
    /// A shadow definitions version's write (no rollup): adds the events of one partition (increasing sequence numbers)
    /// after the partition's entry in <see cref="Flushes"/>, and moves the entry to the last added — exactly once per
    /// event, however the batches of a back-fill and of the live hosts were cut. <paramref name="group"/> stores every
    /// feature (<see cref="CompiledGroup.StoringAll"/>). Returns whether it added any.
    /// </summary>
    public bool ApplyEvents(string partitionId, IReadOnlyList<Events.SequencedEvent> events, string[] key, CompiledGroup group, CompiledDefinitions definitions)
    {
        ArgumentNullException.ThrowIfNull(events);
        ArgumentNullException.ThrowIfNull(group);
        var entry = PartitionEntry(partitionId);
        var after = Flushes.TryGetValue(entry, out var written) ? written : -1;
        var added = false;
        foreach (var e in events)
        {
            if (e.SequenceNumber <= after) continue;
            State.Add(e.Event, group, definitions);
            after = e.SequenceNumber;
            added = true;
        }
        if (!added) return false;
        Group = group.Name;
        Key = key;
        DefinitionsVersion = definitions.Version;
        Flushes[entry] = after;
        return true;
    }
}
