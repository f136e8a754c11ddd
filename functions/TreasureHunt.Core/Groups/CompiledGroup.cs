using TreasureHunt.Core.Features;

namespace TreasureHunt.Core.Groups;

/// <summary>
/// A validated keyed group: its key fields, read per event without a lookup, and its features. The group <c>item</c>
/// (key itemId) is kept in the item documents; every other group in documents of its own (<see cref="GroupDocument"/>).
/// </summary>
public sealed class CompiledGroup
{
    public const string ItemGroup = "item";
    public const string GlobalGroup = "global";

    /// <summary>Most key fields a group may declare.</summary>
    public const int MaxKeyFields = 3;

    public required string Name { get; init; }

    /// <summary>The group's position in <see cref="CompiledDefinitions.Groups"/>.</summary>
    public required int Index { get; init; }

    /// <summary>The key fields, in declared order (empty: one key for the whole stream).</summary>
    public required EventFieldAccessor[] Key { get; init; }

    public required CompiledFeature[] Features { get; init; }

    /// <summary>True for the group kept in the item documents (name <c>item</c>, key itemId).</summary>
    public bool IsItem => Name == ItemGroup;

    public IEnumerable<string> KeyNames => Key.Select(k => k.Name);

    public CompiledFeature? Feature(string name) => Array.Find(Features, f => f.Name == name);

    /// <summary>The index of <paramref name="name"/> in <see cref="Features"/>, or −1.</summary>
    public int FeatureIndex(string name) => Array.FindIndex(Features, f => f.Name == name);
}
