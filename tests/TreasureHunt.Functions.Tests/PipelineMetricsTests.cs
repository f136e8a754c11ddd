using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using TreasureHunt.Core.Costs;
using TreasureHunt.Core.Events;
using TreasureHunt.Functions.Rollups;
using TreasureHunt.Functions.Tests.Fakes;
using TreasureHunt.Pipeline.FinOps;
using TreasureHunt.Pipeline.Processing;
using TreasureHunt.Pipeline.Telemetry;

namespace TreasureHunt.Functions.Tests;

/// <summary>
/// The pipeline's OpenTelemetry instruments, read with a <see cref="MeterListener"/> (as an exporter reads them)
/// after a real batch through the batch processor, against the batch's own summary and cost record.
/// Measurements are filtered by a partition id / function name unique to the test (every host's meter has the same
/// name).
/// </summary>
public sealed class PipelineMetricsTests
{
    private sealed class Recorded : IDisposable
    {
        private readonly MeterListener _listener = new();
        private readonly List<(string Instrument, double Value, Dictionary<string, string> Tags)> _measurements = [];

        public Recorded(string tagName, string tagValue)
        {
            _listener.InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Meter.Name == PipelineMetrics.MeterName) listener.EnableMeasurementEvents(instrument);
            };
            _listener.SetMeasurementEventCallback<long>((i, v, t, _) => Add(i, v, t, tagName, tagValue));
            _listener.SetMeasurementEventCallback<double>((i, v, t, _) => Add(i, v, t, tagName, tagValue));
            _listener.Start();
        }

        private void Add(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags, string tagName, string tagValue)
        {
            var dictionary = new Dictionary<string, string>();
            foreach (var t in tags) dictionary[t.Key] = t.Value?.ToString() ?? "";
            if (dictionary.GetValueOrDefault(tagName) != tagValue) return;
            lock (_measurements) _measurements.Add((instrument.Name, value, dictionary));
        }

        public double Sum(string instrument, string? tag = null, string? value = null)
        {
            lock (_measurements)
            {
                return _measurements.Where(m => m.Instrument == instrument && (tag is null || m.Tags.GetValueOrDefault(tag) == value)).Sum(m => m.Value);
            }
        }

        public List<double> Values(string instrument)
        {
            lock (_measurements) return _measurements.Where(m => m.Instrument == instrument).Select(m => m.Value).ToList();
        }

        public void Dispose() => _listener.Dispose();
    }

    [Fact]
    public async Task A_batch_records_events_outcomes_dead_letters_by_reason_freshness_and_entity_signals_matching_its_summary()
    {
        var partition = "m" + Guid.NewGuid().ToString("N")[..8];
        using var recorded = new Recorded("partition", partition);
        // The 60-day-old event below must reach the aggregate (to be late), so the contract's age limit is raised past it.
        using var app = new TestApp(new Dictionary<string, string?> { ["Rollups:FlushMinEvents"] = "1", ["Contract:MaxEventAgeDays"] = "90" });
        var enqueued = TestApp.Now.AddSeconds(-2); // the clock reads Now: every applied event is 2 s fresh
        string[] bodies =
        [
            TestApp.Event("e1", "alice", "sword"),
            TestApp.Event("e2", "bob", "sword"),
            TestApp.Event("e3", "alice", "shield", "purchase"),
            TestApp.Event("e1", "alice", "sword"),                                   // producer duplicate
            TestApp.Event("e4", "alice", "map", timestamp: TestApp.Now.AddDays(-60)), // past every window's retention: late
            "{not json",
            """{"eventId":"e5","userId":"carol","itemId":"x","type":"dance","timestamp":"2026-11-27T13:00:00Z"}""",
        ];
        var batch = new PartitionBatch(partition, bodies.Select((b, i) => new RawMessage(TestApp.Utf8(b), 500 + i, enqueued)).ToList());

        var processor = app.Services.GetRequiredService<PartitionBatchProcessor>();
        BatchSummary summary;
        using (DurableRollupClient.Use(app.Entities.AsClient()))
        {
            summary = await processor.ProcessAsync(batch, "aggregator", CancellationToken.None);
        }

        // The batch is what it was built to be, so every instrument below is checked against a non-zero number.
        Assert.Equal((7, 4, 1, 1, 2), (summary.Messages, summary.Applied, summary.Duplicates, summary.Late, summary.DeadLettered));
        Assert.True(summary.RollupSignals > 1);

        Assert.Equal(summary.Messages, recorded.Sum("th.events.in"));
        Assert.Equal(summary.Applied, recorded.Sum("th.events.applied"));
        Assert.Equal(summary.Duplicates, recorded.Sum("th.events.duplicates"));
        Assert.Equal(summary.Late, recorded.Sum("th.events.late"));
        Assert.Equal(summary.DeadLettered, recorded.Sum("th.events.deadlettered"));
        Assert.Equal(1, recorded.Sum("th.events.deadlettered", "reason", "not_json"));
        Assert.Equal(1, recorded.Sum("th.events.deadlettered", "reason", "unknown_type"));
        Assert.Equal(0, recorded.Sum("th.events.redelivered"));
        Assert.Equal(1, recorded.Sum("th.batches"));
        Assert.Equal(summary.RollupSignals, recorded.Sum("th.entity.signals"));

        var freshness = recorded.Values("th.freshness");
        Assert.Equal(summary.Applied, freshness.Count);
        Assert.All(freshness, ms => Assert.Equal(2000, ms));

        // Every signal sent was applied by its entity (in-memory backend), each recording one entity-lag value.
        Assert.Equal(summary.RollupSignals, recorded.Values("th.entity.lag").Count);

        // Redelivering the same batch is counted as redelivered, never as applied again.
        using (DurableRollupClient.Use(app.Entities.AsClient()))
        {
            await processor.ProcessAsync(batch, "aggregator", CancellationToken.None);
        }
        Assert.Equal(summary.Applied, recorded.Sum("th.events.applied"));
        Assert.Equal(summary.Messages, recorded.Sum("th.events.redelivered"));
    }

    [Fact]
    public void A_cost_record_records_invocations_store_writes_RU_charged_and_estimated_and_modeled_usd_by_meter()
    {
        var function = "Metrics" + Guid.NewGuid().ToString("N")[..8];
        using var recorded = new Recorded("function", function);
        using var app = new TestApp();
        var recorder = app.Services.GetRequiredService<CostRecorder>();
        using var scope = InvocationUsage.Begin(out var usage);
        usage.AddEvents(1000);
        usage.AddStoreWrite();
        usage.AddStoreWrite();
        usage.AddRequestUnits(charged: 1, estimated: 6.3);
        usage.AddRequestUnits(charged: 1, estimated: 5);

        var record = recorder.Record("inv-1", function, CostTriggers.EventHub, TestApp.Now, TimeSpan.FromMilliseconds(250), usage, succeeded: true);

        Assert.Equal(1, recorded.Sum("th.invocations", "succeeded", "True"));
        Assert.Equal(record.StoreWrites, recorded.Sum("th.store.writes"));
        Assert.Equal(2, recorded.Sum("th.cosmos.ru.charged"));
        Assert.Equal(record.CosmosRu, recorded.Sum("th.cosmos.ru.estimated"), 9);
        Assert.Equal((double)record.Usd.Total, recorded.Sum("th.cost.usd"), 12);
        Assert.Equal((double)record.Usd.Compute, recorded.Sum("th.cost.usd", "meter", "compute"), 12);
        Assert.Equal((double)record.Usd.EventHubs, recorded.Sum("th.cost.usd", "meter", "eventhubs"), 12);
        Assert.True(record.Usd.EventHubs > 0 && record.Usd.Cosmos > 0);
    }

    [Fact]
    public void Parked_messages_and_partition_hold_time_have_recording_methods()
    {
        var partition = "p" + Guid.NewGuid().ToString("N")[..8];
        using var recorded = new Recorded("partition", partition);

        var metrics = new PipelineMetrics();
        metrics.RecordParked(partition, "store_unavailable", 3);
        metrics.RecordPartitionHold(partition, TimeSpan.FromSeconds(42));

        Assert.Equal(3, recorded.Sum("th.events.parked", "reason", "store_unavailable"));
        Assert.Equal([42.0], recorded.Values("th.partition.hold_time"));
    }

    [Fact]
    public void A_partition_hold_is_reported_by_the_held_gauges_while_it_lasts_and_every_failed_attempt_is_counted()
    {
        var clock = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(TestApp.Now);
        using var meters = new ScopedMeterFactory();
        using var holds = new PartitionHolds(clock, meters);
        var values = new Dictionary<string, double>();
        using var listener = new MeterListener
        {
            InstrumentPublished = (instrument, l) => { if (instrument.Meter.Scope == meters) l.EnableMeasurementEvents(instrument); }, // this instance's only
        };
        listener.SetMeasurementEventCallback<int>((i, v, _, _) => values[i.Name] = v);
        listener.SetMeasurementEventCallback<double>((i, v, _, _) => values[i.Name] = v);
        listener.SetMeasurementEventCallback<long>((i, v, _, _) => values[i.Name] = values.GetValueOrDefault(i.Name) + v);
        listener.Start();

        holds.Failed("4", 10, new TimeoutException("store timed out"));
        clock.Advance(TimeSpan.FromSeconds(12));
        holds.Failed("4", 10, new TimeoutException("store timed out"));
        listener.RecordObservableInstruments();
        Assert.Equal((1.0, 12.0, 2.0), (values["th.partitions.held"], values["th.partitions.held.max_seconds"], values["th.batches.retried"]));

        clock.Advance(TimeSpan.FromSeconds(3));
        holds.Released("4");
        listener.RecordObservableInstruments();
        Assert.Equal((0.0, 0.0), (values["th.partitions.held"], values["th.partitions.held.max_seconds"]));
        Assert.Equal(15.0, holds.Totals().LongestHoldSeconds);
    }

    /// <summary>Meters scoped to one test, so that a listener sees this test's instruments only.</summary>
    private sealed class ScopedMeterFactory : IMeterFactory
    {
        private readonly List<Meter> _meters = [];

        public Meter Create(MeterOptions options)
        {
            var meter = new Meter(new MeterOptions(options.Name) { Version = options.Version, Tags = options.Tags, Scope = this });
            _meters.Add(meter);
            return meter;
        }

        public void Dispose() => _meters.ForEach(m => m.Dispose());
    }
}
