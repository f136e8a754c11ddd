using HdrHistogram;
using TreasureHunt.Core.Costs;
using TreasureHunt.Core.Events;

namespace TreasureHunt.Local.Hosting;

/// <summary>
/// Counters the load and bench commands read from a running host (GET /api/local/metrics): processed events,
/// store writes, RU, entity signals and modeled cost from the cost records, and freshness — the time from a
/// message's enqueue to its user aggregate being written (readable) — in an HdrHistogram.
/// </summary>
public sealed class LocalMetrics
{
    private readonly Lock _lock = new();
    private LongHistogram _freshnessMs = NewHistogram();
    private long _events, _batches, _storeWrites, _entitySignals, _failures;
    private double _ru;
    private bool _ruEstimated;
    private decimal _usd, _processingUsd;

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
            _events = _batches = _storeWrites = _entitySignals = _failures = 0;
            _ru = 0;
            _usd = _processingUsd = 0;
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
                _freshnessMs.TotalCount == 0 ? 0 : _freshnessMs.GetMaxValue());
        }
    }

    private static LongHistogram NewHistogram() => new(highestTrackableValue: 3_600_000, numberOfSignificantValueDigits: 3);
}

public sealed record MetricsSnapshot(
    long Events, long Batches, long StoreWrites, double Ru, bool RuEstimated, long EntitySignals, decimal Usd, decimal ProcessingUsd, long FailedInvocations,
    long FreshnessP50Ms, long FreshnessP95Ms, long FreshnessP99Ms, long FreshnessMaxMs);
