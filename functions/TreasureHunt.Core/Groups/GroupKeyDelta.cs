using System.Text.Json.Serialization;

namespace TreasureHunt.Core.Groups;

/// <summary>What one or more batches add to one key of a keyed group kept in its own document (<see cref="GroupDocument"/>):
/// the group, the key values (the group's key order) and the partial state. Keyed by document id in the rollup delta.</summary>
public sealed class GroupKeyDelta
{
    [JsonPropertyName("g")] public string Group { get; set; } = "";
    [JsonPropertyName("k")] public string[] Key { get; set; } = [];
    [JsonPropertyName("s")] public KeyedState State { get; set; } = new() { Partial = true };

    /// <summary>Adds <paramref name="other"/> (the same key's delta over other events); a group no longer declared adds nothing.</summary>
    public void Add(GroupKeyDelta other, Features.CompiledDefinitions definitions)
    {
        ArgumentNullException.ThrowIfNull(other);
        ArgumentNullException.ThrowIfNull(definitions);
        if (definitions.Group(Group) is { } group) State.Merge(other.State, group, definitions);
    }

    /// <summary>A delta sharing nothing with this one (later merges add to it).</summary>
    public GroupKeyDelta Copy(Features.CompiledDefinitions definitions)
    {
        var copy = new GroupKeyDelta { Group = Group, Key = Key };
        copy.Add(this, definitions);
        return copy;
    }
}
