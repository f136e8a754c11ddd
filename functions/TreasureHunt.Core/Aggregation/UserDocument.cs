using System.Text.Json.Serialization;
using TreasureHunt.Core.Events;
using TreasureHunt.Core.Features;
using TreasureHunt.Core.Features.Aggregators;

namespace TreasureHunt.Core.Aggregation;

/// <summary>
/// One user's document in the Cosmos <c>users</c> container (id = partition key = userId), schema 2: the user's
/// features as compiled from the feature definitions (<see cref="Features"/>, one compact <see cref="FeatureState"/>
/// per declared user feature), the delivery state that makes applying a batch exactly-once (<see cref="Delivery"/>),
/// and the definitions version and event types it was computed with. Every part is bounded by the definitions and the
/// delivery settings, never by the traffic. Schema-1 documents (the earlier fixed-shape user document) are read into the
/// legacy members and upgraded by <see cref="Upgrade"/>. Shape: docs/data-model.md.
/// </summary>
public sealed class UserDocument
{
    public const int SchemaVersion = 2;

    [JsonPropertyName("id")] public string Id { get; set; } = "";
    [JsonPropertyName("userId")] public string UserId { get; set; } = "";

    /// <summary>The document's state schema: 2 (1 = the earlier fixed shape, upgraded on read).</summary>
    [JsonPropertyName("schema")] public int Schema { get; set; } = SchemaVersion;

    /// <summary>The feature-definitions version the features were last computed with.</summary>
    [JsonPropertyName("version")] public int DefinitionsVersion { get; set; }

    /// <summary>The event types the per-type counters are indexed by (the definitions' types when last written).</summary>
    [JsonPropertyName("types")] public string[] Types { get; set; } = [];

    [JsonPropertyName("firstEventTime")] public DateTimeOffset? FirstEventTime { get; set; }
    [JsonPropertyName("lastEventTime")] public DateTimeOffset? LastEventTime { get; set; }

    /// <summary>Watermarks per source partition, compact producer-duplicate memory, latest batch's duplicate decisions.</summary>
    [JsonPropertyName("delivery")] public DeliveryState Delivery { get; set; } = DeliveryState.Create();

    /// <summary>Feature name → state.</summary>
    [JsonPropertyName("features")] public Dictionary<string, FeatureState> Features { get; set; } = new(StringComparer.Ordinal);

    /// <summary>How many times a per-user cap dropped something: decayed-sum keys evicted over topN, event ids forgotten at the delivery cap.</summary>
    [JsonPropertyName("capsReached")] public long CapsReached { get; set; }

    /// <summary>The store's concurrency token; not part of the document body.</summary>
    [JsonIgnore] public string? ETag { get; set; }

    // ---- Schema 1 (read only: upgraded by Upgrade, never written) -------------------------------------------------
    [JsonPropertyName("counts")] [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public long[]? LegacyCounts { get; set; }
    [JsonPropertyName("values")] [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public double[]? LegacyValues { get; set; }
    [JsonPropertyName("minute")] [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public List<WindowCounts>? LegacyMinute { get; set; }
    [JsonPropertyName("hour")] [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public List<WindowCounts>? LegacyHour { get; set; }
    [JsonPropertyName("day")] [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public List<WindowCounts>? LegacyDay { get; set; }
    [JsonPropertyName("affinity")] [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public Dictionary<string, double>? LegacyAffinity { get; set; }
    [JsonPropertyName("recentItems")] [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public List<RecentItem>? LegacyRecentItems { get; set; }
    [JsonPropertyName("watermarks")] [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public Dictionary<string, long>? LegacyWatermarks { get; set; }
    [JsonPropertyName("seen")] [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public List<SeenEvent>? LegacySeen { get; set; }
    [JsonPropertyName("duplicates")] [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public List<DuplicateDelivery>? LegacyDuplicates { get; set; }

    /// <summary>The feature states bound to <see cref="_boundTo"/>, in the order of its user features (not serialized).</summary>
    private FeatureState[] _bound = [];
    private CompiledDefinitions? _boundTo;

    public static UserDocument Create(string userId, CompiledDefinitions definitions)
    {
        var document = new UserDocument { Id = userId, UserId = userId };
        document.Bind(definitions);
        return document;
    }

    [JsonIgnore] public long TotalEvents => Feature("events")?.Counts?.Sum() ?? 0;

    public FeatureState? Feature(string name) => Features.GetValueOrDefault(name);

    /// <summary>
    /// Makes the document current for <paramref name="definitions"/>: upgrades a schema-1 document, maps per-type
    /// counters to the current types (by name), creates the state of features added since, resets redefined ones and
    /// drops the state of features no longer declared. Cheap when already bound to the same definitions.
    /// </summary>
    public void Bind(CompiledDefinitions definitions)
    {
        ArgumentNullException.ThrowIfNull(definitions);
        if (ReferenceEquals(_boundTo, definitions)) return;
        if (Schema < SchemaVersion) Upgrade(definitions);
        var typeMap = TypeMap(Types, definitions.TypeNames);
        var bound = new FeatureState[definitions.User.Length];
        var kept = new Dictionary<string, FeatureState>(definitions.User.Length, StringComparer.Ordinal);
        for (var i = 0; i < bound.Length; i++)
        {
            var feature = definitions.User[i];
            if (!Features.TryGetValue(feature.Name, out var state))
            {
                state = new FeatureState();
            }
            state.Bind(feature, typeMap);
            bound[i] = kept[feature.Name] = state;
        }
        Features = kept;
        Types = definitions.TypeNames;
        DefinitionsVersion = definitions.Version;
        Schema = SchemaVersion;
        _bound = bound;
        _boundTo = definitions;
    }

    /// <summary>stored type index → current index (−1 when the type is no longer declared); null when identical.</summary>
    private static int[]? TypeMap(string[] stored, string[] current)
    {
        if (stored.Length == 0 || stored.AsSpan().SequenceEqual(current)) return null;
        var map = new int[stored.Length];
        for (var i = 0; i < stored.Length; i++) map[i] = Array.IndexOf(current, stored[i]);
        return map;
    }

    /// <summary>
    /// Applies one partition's events for this user (in sequence order): the delivery state decides, per event, New,
    /// AlreadyApplied (a redelivery at or below the partition's watermark) or Duplicate (a producer duplicate within
    /// the horizon); only New events are aggregated. One outcome per event goes to <paramref name="outcomes"/>.
    /// Returns how many times a per-user cap was reached by this batch.
    /// </summary>
    public long Apply(IReadOnlyList<SequencedEvent> events, string partitionId, CompiledDefinitions definitions, DeliveryRules delivery, Span<EventOutcome> outcomes)
    {
        ArgumentNullException.ThrowIfNull(events);
        ArgumentNullException.ThrowIfNull(definitions);
        if (outcomes.Length < events.Count)
        {
            throw new ArgumentException("one outcome slot per event is required", nameof(outcomes));
        }
        Bind(definitions);
        var caps = 0L;
        var forgottenBefore = Delivery.ForgottenAtCap;
        Delivery.Begin(partitionId, delivery.Horizon, delivery.MaxRememberedIds);
        for (var i = 0; i < events.Count; i++)
        {
            var e = events[i];
            outcomes[i] = Delivery.Decide(e.Event.EventIdHash(), e.SequenceNumber, e.EnqueuedTime) switch
            {
                DeliveryDecision.New => Add(e.Event, definitions, ref caps) ? EventOutcome.Applied : EventOutcome.AppliedLate,
                DeliveryDecision.AlreadyApplied => EventOutcome.AlreadyApplied,
                _ => EventOutcome.Duplicate,
            };
        }
        Delivery.End();
        caps += Delivery.ForgottenAtCap - forgottenBefore;
        CapsReached += caps;
        return caps;
    }

    /// <summary>Aggregates one new event into every feature; false when it missed a tile past retention (late).</summary>
    internal bool Add(TreasureEvent e, CompiledDefinitions definitions, ref long caps)
    {
        var t = e.Timestamp;
        var previousLast = LastEventTime;
        if (FirstEventTime is null || t < FirstEventTime) FirstEventTime = t;
        if (previousLast is null || t > previousLast.Value) LastEventTime = t;
        var context = new ApplyContext(definitions, previousLast, LastEventTime!.Value);
        var inAll = true;
        var features = definitions.User;
        var states = _bound;
        for (var i = 0; i < states.Length; i++)
        {
            var feature = features[i];
            inAll &= feature.Aggregator.Apply(states[i], feature, e, feature.Filter.Matches(e), context, ref caps);
        }
        return inAll;
    }

    /// <summary>
    /// Merges the features of <paramref name="other"/> — the same user's partial document over other events — into
    /// this one, as if this document had aggregated both event sets: event times, every feature's state (through its
    /// aggregation's merge) and the caps counter. The delivery state is not merged: merging is for documents built
    /// over disjoint events (a stream split in parts), not for two deliveries of the same events.
    /// </summary>
    internal void MergeFeatures(UserDocument other, CompiledDefinitions definitions)
    {
        ArgumentNullException.ThrowIfNull(other);
        ArgumentNullException.ThrowIfNull(definitions);
        Bind(definitions);
        other.Bind(definitions);
        var context = new MergeContext(definitions, LastEventTime, other.LastEventTime);
        var features = definitions.User;
        var capsBefore = 0L;
        var capsAfter = 0L;
        for (var i = 0; i < _bound.Length; i++)
        {
            capsBefore += _bound[i].CapReached + other._bound[i].CapReached;
            features[i].Aggregator.Merge(_bound[i], other._bound[i], features[i], context);
            capsAfter += _bound[i].CapReached;
        }
        CapsReached += other.CapsReached + (capsAfter - capsBefore);
        if (other.FirstEventTime is { } first && (FirstEventTime is null || first < FirstEventTime)) FirstEventTime = first;
        LastEventTime = context.Last;
    }

    /// <summary>
    /// Schema 1 → 2: the fixed aggregate's parts go to the default definitions' features of the same shape
    /// (<c>events</c>: count by type with minute/hour/day tiles; <c>value</c>: sum by type; <c>affinity</c>: decayed sum
    /// by category; <c>recentItems</c>: last-k distinct items) and the delivery state is rebuilt from the watermarks,
    /// remembered ids and duplicate decisions with the same semantics. Features schema 1 did not have start empty.
    /// </summary>
    private void Upgrade(CompiledDefinitions definitions)
    {
        Types = EventTypes.Names;
        Features = new Dictionary<string, FeatureState>(StringComparer.Ordinal);
        foreach (var feature in definitions.User)
        {
            if (feature.Aggregator.FromSchema1(feature, this) is { } state) Features.TryAdd(feature.Name, state);
        }
        Delivery = DeliveryState.FromSchema1(
            LegacyWatermarks ?? new Dictionary<string, long>(StringComparer.Ordinal),
            LegacySeen ?? [],
            LegacyDuplicates ?? []);
        LegacyCounts = null;
        LegacyValues = null;
        LegacyMinute = LegacyHour = LegacyDay = null;
        LegacyAffinity = null;
        LegacyRecentItems = null;
        LegacyWatermarks = null;
        LegacySeen = null;
        LegacyDuplicates = null;
        Schema = SchemaVersion;
    }
}

/// <summary>The delivery settings (from <see cref="AggregationOptions"/>): producer-duplicate horizon and per-user id cap.</summary>
public sealed record DeliveryRules(TimeSpan Horizon, int MaxRememberedIds)
{
    public static DeliveryRules Default { get; } = From(new AggregationOptions());

    public static DeliveryRules From(AggregationOptions options) => new(options.DuplicateHorizon, options.MaxRememberedEventIdsPerUser);
}
