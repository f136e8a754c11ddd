using System.Diagnostics.Metrics;
using HdrHistogram;
using TreasureHunt.Pipeline.FinOps;
using TreasureHunt.Pipeline.Telemetry;

namespace TreasureHunt.Local.Hosting;

/// <summary>
/// What the load and bench commands read from a running host (GET /api/local/metrics), listened to on this host's
/// pipeline meter (<see cref="PipelineMetrics"/>) as an exporter would: events and batches, freshness (enqueue → user
/// document written) in an HdrHistogram, store writes by kind, RU, entity signals, modeled cost, failed invocations.
/// The entity figures (operations and saved state size per instance) come from the entity host, which alone sees
/// the state.
/// </summary>
public sealed class LocalMetrics : IDisposable
{
    private readonly Lock _lock = new();
    private readonly MeterListener _listener = new();
    private LongHistogram _freshnessMs = NewHistogram();
    private long _events, _batches, _storeWrites, _userWrites, _progressWrites, _timerProgressWrites, _entitySignals, _selfSignals, _failures;
    private double _ruCharged, _ruEstimatedTotal, _usd, _processingUsd;
    private bool _ruEstimated;
    private readonly Dictionary<(string Name, string Key), EntityCounters> _entities = [];
    private DateTimeOffset _since = DateTimeOffset.UtcNow;

    private sealed class EntityCounters
    {
        public long Operations, Batches;
        public int MaxStateChars;
    }

    public LocalMetrics(PipelineMetrics pipeline)
    {
        ArgumentNullException.ThrowIfNull(pipeline);
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter == pipeline.Meter) listener.EnableMeasurementEvents(instrument);
        };
        _listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) => OnMeasurement(instrument, value, tags));
        _listener.SetMeasurementEventCallback<double>((instrument, value, tags, _) => OnMeasurement(instrument, value, tags));
        _listener.Start();
    }

    /// <summary>An entity batch (<c>LocalEntityHost</c>'s observer): its operations and saved state size.</summary>
    public void RecordEntityBatch(string entityName, string entityKey, int operations, int stateChars)
    {
        lock (_lock)
        {
            if (!_entities.TryGetValue((entityName, entityKey), out var counters)) _entities[(entityName, entityKey)] = counters = new EntityCounters();
            counters.Operations += operations;
            counters.Batches++;
            counters.MaxStateChars = Math.Max(counters.MaxStateChars, stateChars);
        }
    }

    private void OnMeasurement(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        var trigger = Tag(tags, "trigger");
        lock (_lock)
        {
            switch (instrument.Name)
            {
                case "th.events.in": _events += (long)value; break;
                case "th.batches": _batches += (long)value; break;
                case "th.freshness": _freshnessMs.RecordValue(Math.Clamp((long)value, 0, _freshnessMs.HighestTrackableValue)); break;
                case "th.store.writes": RecordWrites((long)value, Tag(tags, "kind"), trigger); break;
                case "th.cosmos.ru.charged": _ruCharged += value; break;
                case "th.cosmos.ru.estimated": _ruEstimatedTotal += value; _ruEstimated = true; break;
                case "th.cost.usd": _usd += value; if (trigger != CostTriggers.Http) _processingUsd += value; break;
                case "th.invocations" when Tag(tags, "succeeded") == bool.FalseString: _failures += (long)value; break;
                case "th.entity.signals": _entitySignals += (long)value; break;
                case "th.entity.self_signals": _entitySignals += (long)value; _selfSignals += (long)value; break;
            }
        }
    }

    private void RecordWrites(long writes, string kind, string trigger)
    {
        _storeWrites += writes;
        if (kind == "user") _userWrites += writes;
        if (kind != "progress") return;
        _progressWrites += writes;
        if (trigger == CostTriggers.Timer) _timerProgressWrites += writes;
    }

    public void Reset()
    {
        lock (_lock)
        {
            _freshnessMs = NewHistogram();
            _events = _batches = _storeWrites = _userWrites = _progressWrites = _timerProgressWrites = _entitySignals = _selfSignals = _failures = 0;
            _ruCharged = _ruEstimatedTotal = _usd = _processingUsd = 0;
            _entities.Clear();
            _since = DateTimeOffset.UtcNow;
        }
    }

    /// <summary>The figures since the last reset. RU is the estimate where the store estimates (the emulator), else
    /// what Cosmos DB charged, as in the cost records.</summary>
    public MetricsSnapshot Snapshot()
    {
        lock (_lock)
        {
            return new MetricsSnapshot(_events, _batches, _storeWrites, _ruEstimated ? _ruEstimatedTotal : _ruCharged, _ruEstimated, _entitySignals,
                (decimal)_usd, (decimal)_processingUsd, _failures,
                _freshnessMs.TotalCount == 0 ? 0 : _freshnessMs.GetValueAtPercentile(50),
                _freshnessMs.TotalCount == 0 ? 0 : _freshnessMs.GetValueAtPercentile(95),
                _freshnessMs.TotalCount == 0 ? 0 : _freshnessMs.GetValueAtPercentile(99),
                _freshnessMs.TotalCount == 0 ? 0 : _freshnessMs.GetMaxValue(),
                EntityFigures(), _selfSignals, _userWrites, _progressWrites, _timerProgressWrites);
        }
    }

    public void Dispose() => _listener.Dispose();

    /// <summary>Per entity name since the last reset: instances, state size (max and p99 over instances of each
    /// one's largest saved state), operations per second of the busiest instance (over the time since the reset).</summary>
    private List<EntityFigure> EntityFigures()
    {
        var seconds = Math.Max(1e-3, (DateTimeOffset.UtcNow - _since).TotalSeconds);
        return _entities.GroupBy(e => e.Key.Name, StringComparer.Ordinal).Select(g =>
        {
            var sizes = g.Select(e => e.Value.MaxStateChars).Order().ToList();
            return new EntityFigure(g.Key, sizes.Count, sizes[^1], sizes[Math.Min(sizes.Count - 1, (int)Math.Ceiling(sizes.Count * 0.99) - 1)],
                g.Max(e => e.Value.Operations) / seconds, g.Sum(e => e.Value.Operations), g.Sum(e => e.Value.Batches));
        }).OrderBy(f => f.Entity, StringComparer.Ordinal).ToList();
    }

    private static string Tag(ReadOnlySpan<KeyValuePair<string, object?>> tags, string name)
    {
        foreach (var t in tags)
        {
            if (t.Key == name) return t.Value?.ToString() ?? "";
        }
        return "";
    }

    private static LongHistogram NewHistogram() => new(highestTrackableValue: 3_600_000, numberOfSignificantValueDigits: 3);
}

public sealed record MetricsSnapshot(
    long Events, long Batches, long StoreWrites, double Ru, bool RuEstimated, long EntitySignals, decimal Usd, decimal ProcessingUsd, long FailedInvocations,
    long FreshnessP50Ms, long FreshnessP95Ms, long FreshnessP99Ms, long FreshnessMaxMs,
    IReadOnlyList<EntityFigure>? Entities = null, long EntitySelfSignals = 0, long UserWrites = 0, long ProgressWrites = 0, long TimerProgressWrites = 0)
{
    /// <summary>Progress writes of the partitions' batches (at most one per batch); the rest are the flush
    /// timer's, which seals, sends and clears the rollups of partitions that went idle (2 writes per idle partition).</summary>
    public long BatchProgressWrites => ProgressWrites - TimerProgressWrites;

    /// <summary>Store writes that are neither user nor progress documents: items, leaderboards, the definitions registry.</summary>
    public long OtherWrites => StoreWrites - UserWrites - ProgressWrites;
}

/// <summary>One entity name's figures in a run (<see cref="LocalMetrics"/>): state sizes in characters of serialized
/// JSON (= bytes for the ASCII state), operations per second of the busiest instance.</summary>
public sealed record EntityFigure(string Entity, int Instances, int MaxStateBytes, int P99StateBytes, double MaxOpsPerSecondPerInstance, long Operations, long Batches);
