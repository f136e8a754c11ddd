using System.Diagnostics.Metrics;
using HdrHistogram;
using Microsoft.Extensions.Hosting;
using TreasureHunt.Pipeline.FinOps;
using TreasureHunt.Pipeline.Telemetry;

namespace TreasureHunt.Local.Dashboard;

/// <summary>
/// Feeds the live dashboard from the pipeline's OpenTelemetry instruments (<see cref="PipelineMetrics"/>), read
/// in-process with a <see cref="MeterListener"/> — the same numbers an OTLP or Azure Monitor exporter sends.
/// Every <see cref="Interval"/> it closes a sample (events/s, freshness p50/p99, $ per million events, query $ per
/// hour, RU and store writes per event, partition backlog) into a ring of <see cref="Capacity"/> samples
/// (1 hour at 2 s): bounded memory whatever the uptime. Dead letters and parked messages are cumulative per reason
/// (a closed set of reason codes).
/// </summary>
public sealed class DashboardSampler : BackgroundService
{
    public const int Capacity = 1800;
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(2);

    private readonly TimeProvider _time;
    private readonly Lock _lock = new();
    private readonly MeterListener _listener = new();
    private readonly Queue<DashboardSample> _samples = new();
    private readonly Dictionary<string, long> _deadLetters = new(StringComparer.Ordinal);
    private readonly Dictionary<string, long> _parked = new(StringComparer.Ordinal);
    private readonly Dictionary<string, long> _backlog = new(StringComparer.Ordinal);
    private LongHistogram _freshness = NewHistogram();
    private LongHistogram _entityLag = NewHistogram();
    private IntervalCounts _current;
    private Totals _totals;
    private long _lastTick;

    public DashboardSampler(TimeProvider time, PipelineMetrics metrics)
    {
        ArgumentNullException.ThrowIfNull(metrics);
        _time = time;
        _lastTick = time.GetTimestamp();
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter == metrics.Meter) listener.EnableMeasurementEvents(instrument);
        };
        _listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) => OnMeasurement(instrument, value, tags));
        _listener.SetMeasurementEventCallback<double>((instrument, value, tags, _) => OnMeasurement(instrument, value, tags));
        _listener.Start();
    }

    public DashboardSnapshot Snapshot()
    {
        lock (_lock)
        {
            return new DashboardSnapshot(
                Interval.TotalSeconds, Capacity, _samples.ToList(), _totals,
                new SortedDictionary<string, long>(_deadLetters, StringComparer.Ordinal),
                new SortedDictionary<string, long>(_parked, StringComparer.Ordinal),
                new SortedDictionary<string, long>(_backlog, StringComparer.Ordinal));
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval, _time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                CloseSample();
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    public override void Dispose()
    {
        _listener.Dispose();
        base.Dispose();
    }

    /// <summary>Closes the current interval into a sample (the timer calls this; tests may too).</summary>
    public void CloseSample()
    {
        lock (_lock)
        {
            var now = _time.GetTimestamp();
            var seconds = Math.Max(_time.GetElapsedTime(_lastTick, now).TotalSeconds, 1e-3);
            _lastTick = now;
            var c = _current;
            double? PerEvent(double value) => c.Events > 0 ? value / c.Events : null;
            var ru = c.RuEstimated > 0 ? c.RuEstimated : c.RuCharged;
            _samples.Enqueue(new DashboardSample(
                _time.GetUtcNow().ToUnixTimeMilliseconds(),
                c.Events / seconds,
                _freshness.TotalCount > 0 ? _freshness.GetValueAtPercentile(50) : null,
                _freshness.TotalCount > 0 ? _freshness.GetValueAtPercentile(99) : null,
                PerEvent(c.ProcessingUsd * 1_000_000),
                c.QueryUsd / seconds * 3600,
                PerEvent(ru),
                PerEvent(c.ProcessingStoreWrites),
                _entityLag.TotalCount > 0 ? _entityLag.GetValueAtPercentile(99) : null,
                _backlog.Values.Sum()));
            while (_samples.Count > Capacity) _samples.Dequeue();
            _current = default;
            _freshness = NewHistogram();
            _entityLag = NewHistogram();
        }
    }

    private void OnMeasurement(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        var trigger = Tag(tags, "trigger");
        lock (_lock)
        {
            switch (instrument.Name)
            {
                case "th.events.in": _current.Events += (long)value; _totals.Events += (long)value; break;
                case "th.events.applied": _totals.Applied += (long)value; break;
                case "th.events.duplicates": _totals.Duplicates += (long)value; break;
                case "th.events.late": _totals.Late += (long)value; break;
                case "th.events.redelivered": _totals.Redelivered += (long)value; break;
                case "th.events.deadlettered": Increment(_deadLetters, Tag(tags, "reason"), (long)value); _totals.DeadLettered += (long)value; break;
                case "th.events.parked": Increment(_parked, Tag(tags, "reason"), (long)value); _totals.Parked += (long)value; break;
                case "th.freshness": _freshness.RecordValue(Math.Clamp((long)value, 0, _freshness.HighestTrackableValue)); break;
                case "th.entity.lag": _entityLag.RecordValue(Math.Clamp((long)value, 0, _entityLag.HighestTrackableValue)); break;
                case "th.partition.backlog": _backlog[Tag(tags, "partition")] = (long)value; break;
                case "th.store.writes" when trigger != CostTriggers.Http: _current.ProcessingStoreWrites += value; break;
                case "th.cosmos.ru.charged" when trigger != CostTriggers.Http: _current.RuCharged += value; break;
                case "th.cosmos.ru.estimated" when trigger != CostTriggers.Http: _current.RuEstimated += value; break;
                case "th.cost.usd" when trigger == CostTriggers.Http: _current.QueryUsd += value; _totals.Usd += value; break;
                case "th.cost.usd": _current.ProcessingUsd += value; _totals.Usd += value; break;
            }
        }
    }

    private static string Tag(ReadOnlySpan<KeyValuePair<string, object?>> tags, string name)
    {
        foreach (var t in tags)
        {
            if (t.Key == name) return t.Value?.ToString() ?? "";
        }
        return "";
    }

    private static void Increment(Dictionary<string, long> counts, string key, long value) => counts[key] = counts.GetValueOrDefault(key) + value;

    private static LongHistogram NewHistogram() => new(highestTrackableValue: 3_600_000, numberOfSignificantValueDigits: 3);

    private struct IntervalCounts
    {
        public long Events;
        public double ProcessingUsd, QueryUsd, RuCharged, RuEstimated, ProcessingStoreWrites;
    }
}

/// <summary>Cumulative counts since the host started.</summary>
public struct Totals
{
    public long Events { get; set; }
    public long Applied { get; set; }
    public long Duplicates { get; set; }
    public long Late { get; set; }
    public long Redelivered { get; set; }
    public long DeadLettered { get; set; }
    public long Parked { get; set; }
    public double Usd { get; set; }
}

/// <summary>One dashboard interval. Per-event ratios and percentiles are null in an interval without events.</summary>
public sealed record DashboardSample(
    long T, double EventsPerSecond, long? FreshnessP50Ms, long? FreshnessP99Ms, double? UsdPerMillionEvents, double QueryUsdPerHour,
    double? RuPerEvent, double? StoreWritesPerEvent, long? EntityLagP99Ms, long Backlog);

public sealed record DashboardSnapshot(
    double IntervalSeconds, int Capacity, IReadOnlyList<DashboardSample> Samples, Totals Totals,
    IReadOnlyDictionary<string, long> DeadLettersByReason, IReadOnlyDictionary<string, long> ParkedByReason,
    IReadOnlyDictionary<string, long> BacklogByPartition);
