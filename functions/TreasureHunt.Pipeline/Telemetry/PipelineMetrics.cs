using System.Diagnostics;
using System.Diagnostics.Metrics;
using TreasureHunt.Core.Costs;
using TreasureHunt.Pipeline.Processing;

namespace TreasureHunt.Pipeline.Telemetry;

/// <summary>
/// Every pipeline metric, as <see cref="System.Diagnostics.Metrics"/> instruments of one meter named
/// <see cref="MeterName"/>, recorded by host-neutral code (batch processor, rollup flusher, entities, cost recorder) so
/// that both hosts' exporters and the local host's dashboard and counters see the same numbers (docs/observability.md).
/// One instance per DI container, its meter made by <see cref="IMeterFactory"/>, so two hosts in one process do not see
/// each other's measurements. Attributes are low-cardinality: partition ids, reason codes, function names, meters.
/// </summary>
public sealed class PipelineMetrics
{
    public const string MeterName = "TreasureHunt.Pipeline";

    /// <param name="meterFactory">The container's meter factory; without one (code built outside DI) the meter is
    /// this instance's own.</param>
    public PipelineMetrics(IMeterFactory? meterFactory = null)
    {
        Meter = meterFactory?.Create(MeterName, "1.0.0") ?? new Meter(MeterName, "1.0.0");
        EventsIn = Meter.CreateCounter<long>("th.events.in", "{event}", "messages delivered to the batch processor, redeliveries included");
        EventsApplied = Meter.CreateCounter<long>("th.events.applied", "{event}", "events applied to a user aggregate (late ones included)");
        EventsRedelivered = Meter.CreateCounter<long>("th.events.redelivered", "{event}", "messages skipped because already applied (redelivery after a crash or retry)");
        EventsDuplicate = Meter.CreateCounter<long>("th.events.duplicates", "{event}", "producer duplicates dropped (same eventId within the horizon)");
        EventsLate = Meter.CreateCounter<long>("th.events.late", "{event}", "events applied whose window was past retention");
        EventsDeadLettered = Meter.CreateCounter<long>("th.events.deadlettered", "{event}", "messages rejected to the dead-letter table, by reason code");
        EventsParked = Meter.CreateCounter<long>("th.events.parked", "{event}", "messages parked for a later retry, by reason");
        Batches = Meter.CreateCounter<long>("th.batches", "{batch}", "partition batches processed");
        Freshness = Meter.CreateHistogram<double>("th.freshness", "ms", "enqueue time to user aggregate written (readable), per applied message",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000, 60000, 300000] });
        StoreWrites = Meter.CreateCounter<long>("th.store.writes", "{write}", "Cosmos document writes, by function, trigger and kind of document");
        RuCharged = Meter.CreateCounter<double>("th.cosmos.ru.charged", "{RU}", "request units Cosmos DB reported (the emulator: a flat 1 per call)");
        RuEstimated = Meter.CreateCounter<double>("th.cosmos.ru.estimated", "{RU}", "request units estimated from document sizes (emulator only)");
        CostUsd = Meter.CreateCounter<double>("th.cost.usd", "USD", "modeled cost, by function, trigger and meter");
        Invocations = Meter.CreateCounter<long>("th.invocations", "{invocation}", "invocations with a cost record, by function, trigger and outcome");
        EntitySignals = Meter.CreateCounter<long>("th.entity.signals", "{signal}", "signals sent to the rollup entities, by source partition");
        EntitySelfSignals = Meter.CreateCounter<long>("th.entity.self_signals", "{signal}", "delayed flush signals the item shards send themselves (at most one per ItemTailFlushSeconds each)");
        ItemDocumentWrites = Meter.CreateCounter<long>("th.items.written", "{document}", "item documents written by the item shards");
        LeaderboardWrites = Meter.CreateCounter<long>("th.leaderboards.written", "{document}", "leaderboard documents written by the item shards (one section each)");
        ItemShardWriteTime = Meter.CreateHistogram<double>("th.itemshard.write_time", "ms", "time an item shard takes to write one sealed buffer");
        ItemShardWriteFailures = Meter.CreateCounter<long>("th.itemshard.write_failures", "{buffer}", "sealed buffers whose write failed (kept, written by a later batch)");
        ItemDocumentsRefused = Meter.CreateCounter<long>("th.itemshard.items_refused", "{document}", "item documents the store refused for good (an id it cannot address): their delta is dropped, the rest of the buffer written");
        EntityLag = Meter.CreateHistogram<double>("th.entity.lag", "ms", "rollup range sent by a partition to applied by an entity",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [10, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000, 60000, 300000] });
        PartitionHoldTime = Meter.CreateHistogram<double>("th.partition.hold_time", "s", "how long a consumer held a partition (lease or local pump) before releasing it",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [1, 5, 15, 60, 300, 900, 3600, 14400, 86400] });
        PartitionBacklog = Meter.CreateGauge<long>("th.partition.backlog", "{event}", "messages in the partition not yet processed (local host; Azure: the Event Hubs scaler's metric)");
    }

    public Meter Meter { get; }

    /// <summary>Messages delivered to the batch processor (redeliveries included).</summary>
    public Counter<long> EventsIn { get; }
    public Counter<long> EventsApplied { get; }
    public Counter<long> EventsRedelivered { get; }
    public Counter<long> EventsDuplicate { get; }
    public Counter<long> EventsLate { get; }
    public Counter<long> EventsDeadLettered { get; }
    public Counter<long> EventsParked { get; }
    public Counter<long> Batches { get; }
    public Histogram<double> Freshness { get; }
    public Counter<long> StoreWrites { get; }
    public Counter<double> RuCharged { get; }
    public Counter<double> RuEstimated { get; }
    public Counter<double> CostUsd { get; }
    public Counter<long> Invocations { get; }
    public Counter<long> EntitySignals { get; }
    public Counter<long> EntitySelfSignals { get; }
    public Counter<long> ItemDocumentWrites { get; }
    public Counter<long> LeaderboardWrites { get; }
    public Histogram<double> ItemShardWriteTime { get; }
    public Counter<long> ItemShardWriteFailures { get; }
    public Counter<long> ItemDocumentsRefused { get; }
    public Histogram<double> EntityLag { get; }
    public Histogram<double> PartitionHoldTime { get; }
    public Gauge<long> PartitionBacklog { get; }

    /// <summary>What one processed batch did (<see cref="PartitionBatchProcessor"/> calls this with its summary).</summary>
    public void RecordBatch(BatchSummary summary, IReadOnlyDictionary<string, int> deadLettersByReason)
    {
        ArgumentNullException.ThrowIfNull(summary);
        ArgumentNullException.ThrowIfNull(deadLettersByReason);
        var partition = new KeyValuePair<string, object?>("partition", summary.PartitionId);
        Batches.Add(1, partition);
        EventsIn.Add(summary.Messages, partition);
        Add(EventsApplied, summary.Applied, partition);
        Add(EventsRedelivered, summary.SkippedAlreadyProcessed + summary.AlreadyApplied, partition);
        Add(EventsDuplicate, summary.Duplicates, partition);
        Add(EventsLate, summary.Late, partition);
        foreach (var (reason, count) in deadLettersByReason)
        {
            EventsDeadLettered.Add(count, partition, new("reason", reason));
        }
    }

    /// <summary>Freshness of one message whose aggregate was just written.</summary>
    public void RecordFreshness(string partitionId, TimeSpan enqueueToWritten) =>
        Freshness.Record(Math.Max(0, enqueueToWritten.TotalMilliseconds), new KeyValuePair<string, object?>("partition", partitionId));

    /// <summary>Messages parked (set aside for a later retry instead of dead-lettered), by reason.</summary>
    public void RecordParked(string partitionId, string reason, long count = 1) =>
        EventsParked.Add(count, new KeyValuePair<string, object?>("partition", partitionId), new("reason", reason));

    /// <summary>A consumer released a partition it held for <paramref name="held"/> (lease lost, shutdown, rebalance).</summary>
    public void RecordPartitionHold(string partitionId, TimeSpan held) =>
        PartitionHoldTime.Record(held.TotalSeconds, new KeyValuePair<string, object?>("partition", partitionId));

    public void RecordPartitionBacklog(string partitionId, long messages) =>
        PartitionBacklog.Record(messages, new KeyValuePair<string, object?>("partition", partitionId));

    public void RecordEntitySignals(string partitionId, int count) =>
        EntitySignals.Add(count, new KeyValuePair<string, object?>("partition", partitionId));

    /// <summary>An entity applied a new rollup range that was sent at <paramref name="sentAt"/>.</summary>
    public void RecordEntitySelfSignal(string entity) =>
        EntitySelfSignals.Add(1, new KeyValuePair<string, object?>("th.entity", entity));

    public void RecordItemShardWrite(string shardKey, int items, int leaderboards, TimeSpan duration)
    {
        var tag = new KeyValuePair<string, object?>("th.shard", shardKey);
        ItemDocumentWrites.Add(items, tag);
        LeaderboardWrites.Add(leaderboards, tag);
        ItemShardWriteTime.Record(duration.TotalMilliseconds, tag);
    }

    public void RecordItemShardWriteFailure(string shardKey) =>
        ItemShardWriteFailures.Add(1, new KeyValuePair<string, object?>("th.shard", shardKey));

    public void RecordItemRefused(string shardKey) =>
        ItemDocumentsRefused.Add(1, new KeyValuePair<string, object?>("th.shard", shardKey));

    public void RecordEntityLag(string entity, string sourcePartition, DateTimeOffset sentAt, DateTimeOffset appliedAt) =>
        EntityLag.Record(Math.Max(0, (appliedAt - sentAt).TotalMilliseconds), new KeyValuePair<string, object?>("entity", entity), new("partition", sourcePartition));

    /// <summary>What one invocation consumed and cost (<see cref="FinOps.CostRecorder"/> calls this for every cost record).</summary>
    public void RecordInvocation(CostRecord record, double chargedRu)
    {
        ArgumentNullException.ThrowIfNull(record);
        var function = new KeyValuePair<string, object?>("function", record.Function);
        var trigger = new KeyValuePair<string, object?>("trigger", record.Trigger);
        Invocations.Add(1, function, trigger, new("succeeded", record.Succeeded));
        AddWrites(record.UserWrites, "user", function, trigger);
        AddWrites(record.ProgressWrites, "progress", function, trigger);
        AddWrites(record.StoreWrites - record.UserWrites - record.ProgressWrites, "other", function, trigger);
        if (chargedRu > 0) RuCharged.Add(chargedRu, function, trigger);
        if (record.RuEstimated && record.CosmosRu > 0) RuEstimated.Add(record.CosmosRu, function, trigger);
        AddUsd(record.Usd.Compute, "compute", function, trigger);
        AddUsd(record.Usd.Executions, "executions", function, trigger);
        AddUsd(record.Usd.Cosmos, "cosmos", function, trigger);
        AddUsd(record.Usd.EventHubs, "eventhubs", function, trigger);
    }

    /// <summary>Store writes by the kind of document written: <c>user</c>, <c>progress</c>, <c>other</c> (items,
    /// leaderboards, the definitions registry).</summary>
    private void AddWrites(long writes, string kind, KeyValuePair<string, object?> function, KeyValuePair<string, object?> trigger)
    {
        if (writes != 0) StoreWrites.Add(writes, function, trigger, new("kind", kind));
    }

    private void AddUsd(decimal usd, string meter, KeyValuePair<string, object?> function, KeyValuePair<string, object?> trigger)
    {
        if (usd != 0) CostUsd.Add((double)usd, function, trigger, new("meter", meter));
    }

    private static void Add(Counter<long> counter, long value, KeyValuePair<string, object?> tag)
    {
        if (value != 0) counter.Add(value, tag);
    }
}
