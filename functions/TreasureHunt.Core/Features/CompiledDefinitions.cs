using System.Text;
using TreasureHunt.Core.Aggregation;
using TreasureHunt.Core.Events;
using TreasureHunt.Core.Features.Aggregators;
using TreasureHunt.Core.Groups;

namespace TreasureHunt.Core.Features;

/// <summary>
/// The names of the built-in aggregations, for code that recognises one (an aggregation is its
/// <see cref="IAggregator"/>, registered by name in <see cref="Aggregations"/>).
/// </summary>
internal static class AggregationKind
{
    public const string Count = "count";
    public const string Sum = "sum";
    public const string Min = "min";
    public const string Max = "max";
    public const string First = "first";
    public const string Last = "last";
    public const string LastDistinct = "lastDistinct";
    public const string DecayedSum = "decayedSum";
    public const string ApproxDistinct = "approxDistinct";
}

/// <summary>The event fields a feature can aggregate or break down by.</summary>
public enum EventField
{
    None,
    Value,
    ItemId,
    Category,
    Type,

    /// <summary>The user id: only approxDistinct reads it (distinct users per key).</summary>
    UserId,
}

/// <summary>A validated feature, in the form the hot path uses.</summary>
public sealed class CompiledFeature
{
    public required string Name { get; init; }

    /// <summary>The aggregation, resolved once when the definitions are compiled.</summary>
    public required IAggregator Aggregator { get; init; }

    /// <summary>The aggregation's name (<see cref="AggregationKind"/> for the built-in ones).</summary>
    public string Kind => Aggregator.Name;

    public required FeatureDefinition Source { get; init; }

    /// <summary>The aggregated core field (value, itemId, category), or the decayed sum's key; None for an attribute.</summary>
    public EventField Field { get; init; }

    /// <summary>The field or attribute <c>of</c> reads, compiled once (null when the aggregation reads none).</summary>
    public EventFieldAccessor? Of { get; init; }

    /// <summary>The key of a breakdown other than by type: the decayed sum's, or a keyed count, sum or avg's (at most <see cref="TopN"/> keys).</summary>
    public EventFieldAccessor? By { get; init; }

    /// <summary>Counter aggregations (count, sum, avg): one counter per declared event type (else one counter).</summary>
    public bool ByType { get; init; }

    /// <summary>Counters per tile and lifetime: the number of declared types when <see cref="ByType"/>, else 1.</summary>
    public int Buckets { get; init; } = 1;

    /// <summary>The compiled <c>types</c> and <c>where</c>: evaluated once per event where events are applied.</summary>
    public FeatureFilter Filter { get; init; } = FeatureFilter.All;

    public bool Lifetime { get; init; }

    /// <summary>The tumbling windows (minute, hour, day) and the tiles each keeps.</summary>
    public WindowSpec[] Tumbling { get; init; } = [];

    public int K { get; init; }
    public double HalfLifeSeconds { get; init; }
    public int TopN { get; init; }

    /// <summary>The tumbling window of <paramref name="unit"/>, or null.</summary>
    public WindowSpec? WindowOf(WindowSize unit)
    {
        foreach (var w in Tumbling) if (w.Unit == unit) return w;
        return null;
    }
}

/// <summary>
/// Validated, compiled feature definitions: the declared event types (their index is the <see cref="EventType"/> value
/// used by every per-type array) and the features of each group. Immutable; one instance per process.
/// </summary>
public sealed class CompiledDefinitions
{
    private readonly byte[][] _typeUtf8;

    internal CompiledDefinitions(FeatureDefinitions source, CompiledFeature[] user, CompiledGroup[] groups, CompiledLeaderboard[] leaderboards, AttributeTable? attributes = null)
    {
        Attributes = attributes ?? AttributeTable.Empty;
        Source = source;
        Version = source.Version;
        TypeNames = source.EventTypes.Select(t => t.Name).ToArray();
        Weights = source.EventTypes.Select(t => t.Weight).ToArray();
        _typeUtf8 = TypeNames.Select(Encoding.UTF8.GetBytes).ToArray();
        User = user;
        Groups = groups;
        Leaderboards = leaderboards;
        ItemGroup = Array.Find(groups, g => g.IsItem);
        Item = ItemGroup?.Features ?? [];
        Global = Group(CompiledGroup.GlobalGroup)?.Features ?? [];
        // The item documents' per-type stats (the item route and per-type leaderboards) keep the hour tiles of the item
        // group's unfiltered counts by type.
        ItemHourWindows = Item.Where(f => f.Kind == AggregationKind.Count && f.ByType && f.Filter.IsAll)
            .SelectMany(f => f.Tumbling).Where(w => w.Unit == WindowSize.Hour).Select(w => w.Keep).DefaultIfEmpty(0).Max();
    }

    /// <summary>The default definitions (features/definitions.json, embedded): today's five types and aggregates.</summary>
    public static CompiledDefinitions Default { get; } = FeatureDefinitionsReader.Compile(FeatureDefinitionsReader.ReadDefault());

    public FeatureDefinitions Source { get; }
    public int Version { get; }

    /// <summary>Declared type names, indexed by <see cref="EventType"/> value.</summary>
    public string[] TypeNames { get; }

    /// <summary>Decayed-sum weight per type, indexed by <see cref="EventType"/> value.</summary>
    public double[] Weights { get; }

    public int TypeCount => TypeNames.Length;

    /// <summary>The declared attributes (<see cref="AttributeTable.Empty"/> when the document declares none).</summary>
    public AttributeTable Attributes { get; }

    public CompiledFeature[] User { get; }

    /// <summary>The features of the group <c>item</c> (empty when none is declared).</summary>
    public CompiledFeature[] Item { get; }

    /// <summary>The features of the group <c>global</c> (empty when none is declared).</summary>
    public CompiledFeature[] Global { get; }

    /// <summary>The keyed groups, <c>item</c> and <c>global</c> among them when declared, in declared order.</summary>
    public CompiledGroup[] Groups { get; }

    /// <summary>The group kept in the item documents, or null.</summary>
    public CompiledGroup? ItemGroup { get; }

    /// <summary>The declared leaderboards.</summary>
    public CompiledLeaderboard[] Leaderboards { get; }

    public CompiledGroup? Group(string name) => Array.Find(Groups, g => g.Name == name);

    public CompiledLeaderboard? Leaderboard(string name) => Array.Find(Leaderboards, l => l.Name == name);

    /// <summary>Hour tiles kept per item (the item group's hour window), 0 when none is declared.</summary>
    public int ItemHourWindows { get; }

    internal CompiledFeature? UserFeature(string name)
    {
        foreach (var f in User) if (f.Name == name) return f;
        return null;
    }

    public string TypeName(EventType type) => TypeNames[(int)type];

    public bool TryGetType(ReadOnlySpan<char> name, out EventType type)
    {
        for (var i = 0; i < TypeNames.Length; i++)
        {
            if (name.SequenceEqual(TypeNames[i]))
            {
                type = (EventType)i;
                return true;
            }
        }
        type = default;
        return false;
    }

    /// <summary>Matches the raw UTF-8 bytes of a type (no string allocated on the hot path).</summary>
    public bool TryGetTypeUtf8(ReadOnlySpan<byte> utf8, out EventType type)
    {
        var names = _typeUtf8;
        for (var i = 0; i < names.Length; i++)
        {
            if (utf8.SequenceEqual(names[i]))
            {
                type = (EventType)i;
                return true;
            }
        }
        type = default;
        return false;
    }
}
