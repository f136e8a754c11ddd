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

    /// <summary>
    /// The features kept in the keys' states (<see cref="KeyedState"/>): all of them, but for those the rollup's per-type
    /// counters already answer exactly — the item group's unfiltered counts by type over the lifetime and hour tiles
    /// (the item documents' stats) and the global group's unfiltered lifetime counts by type (the global totals) —
    /// unless a leaderboard ranks by one. Empty: the group adds nothing to the rollup.
    /// </summary>
    public CompiledFeature[] Stored { get; internal set; } = [];

    private CompiledGroup? _storingAll;

    /// <summary>
    /// This group with every feature kept in the keys' states (none answered by per-type counters): how a shadow
    /// definitions version keeps its keys (<see cref="GroupDocument.ApplyEvents"/>), which have no item documents or
    /// global totals beside them.
    /// </summary>
    public CompiledGroup StoringAll => _storingAll ??= Stored.Length == Features.Length
        ? this
        : new CompiledGroup { Name = Name, Index = Index, Key = Key, Features = Features, Stored = Features };

    /// <summary>Whether the per-type counters of the rollup answer <paramref name="feature"/> of this group.</summary>
    public bool AnsweredByCounters(CompiledFeature feature) => Array.IndexOf(Stored, feature) < 0;

    /// <summary>Whether <paramref name="feature"/> has the shape the per-type counters of this group keep.</summary>
    internal bool HasCounterShape(CompiledFeature feature) =>
        feature.Kind == AggregationKind.Count && feature.ByType && feature.Filter.IsAll && (
            IsItem ? feature.Tumbling.All(w => w.Unit == Aggregation.WindowSize.Hour)
            : Name == GlobalGroup && feature.Tumbling.Length == 0);

    /// <summary>True for the group kept in the item documents (name <c>item</c>, key itemId).</summary>
    public bool IsItem => Name == ItemGroup;

    public IEnumerable<string> KeyNames => Key.Select(k => k.Name);

    public CompiledFeature? Feature(string name) => Array.Find(Features, f => f.Name == name);
}
