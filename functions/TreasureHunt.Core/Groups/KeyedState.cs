using System.Text.Json.Serialization;
using TreasureHunt.Core.Events;
using TreasureHunt.Core.Features;
using TreasureHunt.Core.Features.Aggregators;

namespace TreasureHunt.Core.Groups;

/// <summary>
/// The features of one key of a keyed group: one <see cref="FeatureState"/> per stored feature (<see cref="CompiledGroup.Stored"/>), and the event times
/// the windowed states are kept relative to. Both a partial state — what a batch adds to the key, carried in the
/// rollup delta and the shard signals — and the document's state; partial states combine through each aggregation's
/// merge, so the state of a key is the same however its events were split across partitions and batches. Bounded by
/// the group's definitions (<see cref="GroupDefinitionsCompiler.WorstCaseBytes"/>), never by the traffic.
/// </summary>
public sealed class KeyedState : IJsonOnSerializing
{
    /// <summary>
    /// True for a partial state (a delta): it is written without the features no event of it passed the filter of, which
    /// merge exactly as an empty state (a fresh one is bound in their place). A delta's item-group state would otherwise
    /// carry every feature's empty shape — rings and sketches included — for every key of every flush.
    /// </summary>
    [JsonPropertyName("partial")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public bool Partial { get; set; }

    [JsonPropertyName("first")] public DateTimeOffset? FirstEventTime { get; set; }
    [JsonPropertyName("last")] public DateTimeOffset? LastEventTime { get; set; }

    /// <summary>Events counted into the key, whether or not a feature's filter kept them.</summary>
    [JsonPropertyName("events")] public long Events { get; set; }

    /// <summary>Feature name → state.</summary>
    [JsonPropertyName("features")] public Dictionary<string, FeatureState> Features { get; set; } = new(StringComparer.Ordinal);

    private FeatureState[] _bound = [];
    private CompiledGroup? _boundTo;

    /// <summary>Per bound feature: whether an event passed its filter here or it came with a state (a partial state keeps only those).</summary>
    private bool[] _held = [];

    public FeatureState? Feature(string name) => Features.GetValueOrDefault(name);

    /// <summary>Makes the state fit <paramref name="group"/>: states of features declared since are created, redefined
    /// ones start over, undeclared ones are dropped. Per-type counters follow the declared types by index (types are only
    /// ever appended). Cheap when already bound to the same group.</summary>
    public void Bind(CompiledGroup group)
    {
        ArgumentNullException.ThrowIfNull(group);
        if (ReferenceEquals(_boundTo, group)) return;
        var bound = new FeatureState[group.Stored.Length];
        var held = new bool[bound.Length];
        var kept = new Dictionary<string, FeatureState>(bound.Length, StringComparer.Ordinal);
        for (var i = 0; i < bound.Length; i++)
        {
            var feature = group.Stored[i];
            held[i] = Features.TryGetValue(feature.Name, out var state);
            state ??= new FeatureState();
            state.Bind(feature, null);
            bound[i] = kept[feature.Name] = state;
        }
        Features = kept;
        _bound = bound;
        _held = held;
        _boundTo = group;
    }

    /// <summary>Aggregates one event of the key into every feature of the group.</summary>
    public void Add(TreasureEvent e, CompiledGroup group, CompiledDefinitions definitions)
    {
        ArgumentNullException.ThrowIfNull(e);
        Bind(group);
        var t = e.Timestamp;
        var previousLast = LastEventTime;
        if (FirstEventTime is null || t < FirstEventTime) FirstEventTime = t;
        if (previousLast is null || t > previousLast.Value) LastEventTime = t;
        Events++;
        var context = new ApplyContext(definitions, previousLast, LastEventTime!.Value);
        var caps = 0L;
        var features = group.Stored;
        for (var i = 0; i < _bound.Length; i++)
        {
            var feature = features[i];
            var matches = feature.Filter.Matches(e);
            _held[i] |= matches;
            feature.Aggregator.Apply(_bound[i], feature, e, matches, context, ref caps);
        }
    }

    /// <summary>Merges <paramref name="other"/> — the same key's partial state over other events — into this one.</summary>
    public void Merge(KeyedState other, CompiledGroup group, CompiledDefinitions definitions)
    {
        ArgumentNullException.ThrowIfNull(other);
        ArgumentNullException.ThrowIfNull(group);
        Bind(group);
        other.Bind(group);
        var context = new MergeContext(definitions, LastEventTime, other.LastEventTime);
        for (var i = 0; i < _bound.Length; i++)
        {
            group.Stored[i].Aggregator.Merge(_bound[i], other._bound[i], group.Stored[i], context);
            _held[i] |= other._held[i];
        }
        if (other.FirstEventTime is { } first && (FirstEventTime is null || first < FirstEventTime)) FirstEventTime = first;
        LastEventTime = context.Last;
        Events += other.Events;
    }

    /// <summary>A partial copy to merge into (a fresh state merged with this one): the copy shares nothing with this state.</summary>
    public KeyedState Copy(CompiledGroup group, CompiledDefinitions definitions)
    {
        var copy = new KeyedState { Partial = true };
        copy.Merge(this, group, definitions);
        return copy;
    }

    void IJsonOnSerializing.OnSerializing()
    {
        if (!Partial || _boundTo is null) return;
        for (var i = 0; i < _bound.Length; i++)
        {
            if (!_held[i]) Features.Remove(_boundTo.Stored[i].Name);
        }
        _boundTo = null; // bound again (the dropped features fresh) if used after this
    }
}
