using HdrHistogram;
using TreasureHunt.Core.Costs;
using TreasureHunt.Core.Events;

namespace TreasureHunt.Local.Hosting;

/// <summary>
/// Counters the load and bench commands read from a running host (GET /api/local/metrics): processed events,
/// batches, store writes (and their split: user documents, progress documents, the rest), RU, entity signals and modeled cost from the cost records, and freshness — the time from a
/// message's enqueue to its user aggregate being written (readable) — in an HdrHistogram.
/// </summary>
public sealed class LocalMetrics
{
    private readonly Lock _lock = new();
    private LongHistogram _freshnessMs = NewHistogram();
    private long _events, _batches, _storeWrites, _userWrites, _progressWrites, _timerProgressWrites, _entitySignals, _failures;
    private double _ru;
    private bool _ruEstimated;
    private decimal _usd, _processingUsd;
    private readonly Dictionary<(string Name, string Key), EntityCounters> _entities = [];
    private DateTimeOffset _since = DateTimeOffset.UtcNow;
    private long _selfSignals;

    private sealed class EntityCounters
    {
        public long Operations, Batches;
        public int MaxStateChars;
    }

    /// <summary>An entity batch (<c>LocalEntityHost</c>'s observer): operations, saved state size, signals it sent.
    /// The signals (the item shards' delayed self-signals) count as entity signals like the partitions' own.</summary>
    public void RecordEntityBatch(string entityName, string entityKey, int operations, int stateChars, int signalsSent)
    {
        lock (_lock)
        {
            if (!_entities.TryGetValue((entityName, entityKey), out var counters)) _entities[(entityName, entityKey)] = counters = new EntityCounters();
            counters.Operations += operations;
            counters.Batches++;
            counters.MaxStateChars = Math.Max(counters.MaxStateChars, stateChars);
            _entitySignals += signalsSent;
            _selfSignals += signalsSent;
        }
    }

    public void RecordBatch(IReadOnlyList<RawMessage> messages, DateTimeOffset readableAt)
    {
        lock (_lock)
        {
            _batches++;
            _events += messages.Count;
            foreach (var m in messages)
            {
                _freshnessMs.RecordValue(Math.Clamp((long)(readableAt - m.EnqueuedTime).TotalMilliseconds, 0, _freshnessMs.HighestTrackableValue));
            }
        }
    }

    public void RecordCost(CostRecord record)
    {
        lock (_lock)
        {
            _storeWrites += record.StoreWrites;
            _userWrites += record.UserWrites;
            _progressWrites += record.ProgressWrites;
            if (record.Trigger == TreasureHunt.Pipeline.FinOps.CostTriggers.Timer) _timerProgressWrites += record.ProgressWrites;
            _entitySignals += record.EntitySignals;
            _ru += record.CosmosRu;
            _ruEstimated |= record.RuEstimated;
            _usd += record.Usd.Total;
            if (record.Trigger != TreasureHunt.Pipeline.FinOps.CostTriggers.Http) _processingUsd += record.Usd.Total;
            if (!record.Succeeded) _failures++;
        }
    }

    public void Reset()
    {
        lock (_lock)
        {
            _freshnessMs = NewHistogram();
            _events = _batches = _storeWrites = _userWrites = _progressWrites = _timerProgressWrites = _entitySignals = _failures = 0;
            _ru = 0;
            _usd = _processingUsd = 0;
            _entities.Clear();
            _selfSignals = 0;
            _since = DateTimeOffset.UtcNow;
        }
    }

    public MetricsSnapshot Snapshot()
    {
        lock (_lock)
        {
            return new MetricsSnapshot(_events, _batches, _storeWrites, _ru, _ruEstimated, _entitySignals, _usd, _processingUsd, _failures,
                _freshnessMs.TotalCount == 0 ? 0 : _freshnessMs.GetValueAtPercentile(50),
                _freshnessMs.TotalCount == 0 ? 0 : _freshnessMs.GetValueAtPercentile(95),
                _freshnessMs.TotalCount == 0 ? 0 : _freshnessMs.GetValueAtPercentile(99),
                _freshnessMs.TotalCount == 0 ? 0 : _freshnessMs.GetMaxValue(),
                EntityFigures(), _selfSignals, _userWrites, _progressWrites, _timerProgressWrites);
        }
    }

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
