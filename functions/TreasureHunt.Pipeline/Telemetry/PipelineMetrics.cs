using System.Diagnostics;
using System.Diagnostics.Metrics;
using TreasureHunt.Core.Costs;
using TreasureHunt.Pipeline.Processing;

namespace TreasureHunt.Pipeline.Telemetry;

/// <summary>
/// Every pipeline metric, as <see cref="System.Diagnostics.Metrics"/> instruments of ONE meter,
/// <see cref="MeterName"/> ("TreasureHunt.Pipeline"), recorded by host-neutral code (batch processor, rollup
/// flusher, entities, cost recorder) so that the Functions app (Azure Monitor exporter) and the local host (OTLP
/// exporter, the live dashboard) see the same numbers. The table of names, units and attributes is
/// docs/observability.md. Static because the instruments are process-wide; recording without a listener costs
/// next to nothing. Attributes are low-cardinality by design: partition ids (≤ 32 per hub), reason codes,
/// function names, meters — never user or item ids.
/// </summary>
public static class PipelineMetrics
{
    public const string MeterName = "TreasureHunt.Pipeline";

    public static readonly Meter Meter = new(MeterName, "1.0.0");

    /// <summary>Messages delivered to the batch processor (redeliveries included).</summary>
    public static readonly Counter<long> EventsIn = Meter.CreateCounter<long>("th.events.in", "{event}", "messages delivered to the batch processor, redeliveries included");
    public static readonly Counter<long> EventsApplied = Meter.CreateCounter<long>("th.events.applied", "{event}", "events applied to a user aggregate (late ones included)");
    public static readonly Counter<long> EventsRedelivered = Meter.CreateCounter<long>("th.events.redelivered", "{event}", "messages skipped because already applied (redelivery after a crash or retry)");
    public static readonly Counter<long> EventsDuplicate = Meter.CreateCounter<long>("th.events.duplicates", "{event}", "producer duplicates dropped (same eventId within the horizon)");
    public static readonly Counter<long> EventsLate = Meter.CreateCounter<long>("th.events.late", "{event}", "events applied whose window was past retention");
    public static readonly Counter<long> EventsDeadLettered = Meter.CreateCounter<long>("th.events.deadlettered", "{event}", "messages rejected to the dead-letter table, by reason code");
    public static readonly Counter<long> EventsParked = Meter.CreateCounter<long>("th.events.parked", "{event}", "messages parked for a later retry, by reason");
    public static readonly Counter<long> Batches = Meter.CreateCounter<long>("th.batches", "{batch}", "partition batches processed");
    public static readonly Histogram<double> Freshness = Meter.CreateHistogram<double>("th.freshness", "ms", "enqueue time to user aggregate written (readable), per applied message",
        advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000, 60000, 300000] });
    public static readonly Counter<long> StoreWrites = Meter.CreateCounter<long>("th.store.writes", "{write}", "Cosmos document writes, by function and trigger");
    public static readonly Counter<double> RuCharged = Meter.CreateCounter<double>("th.cosmos.ru.charged", "{RU}", "request units Cosmos DB reported (the emulator: a flat 1 per call)");
    public static readonly Counter<double> RuEstimated = Meter.CreateCounter<double>("th.cosmos.ru.estimated", "{RU}", "request units estimated from document sizes (emulator only)");
    public static readonly Counter<double> CostUsd = Meter.CreateCounter<double>("th.cost.usd", "USD", "modeled cost, by function, trigger and meter");
    public static readonly Counter<long> Invocations = Meter.CreateCounter<long>("th.invocations", "{invocation}", "invocations with a cost record, by function, trigger and outcome");
    public static readonly Counter<long> EntitySignals = Meter.CreateCounter<long>("th.entity.signals", "{signal}", "signals sent to the rollup entities, by source partition");
    public static readonly Counter<long> EntitySelfSignals = Meter.CreateCounter<long>("th.entity.self_signals", "{signal}", "delayed flush signals the item shards send themselves (at most one per ItemTailFlushSeconds each)");
    public static readonly Counter<long> ItemDocumentWrites = Meter.CreateCounter<long>("th.items.written", "{document}", "item documents written by the item shards");
    public static readonly Counter<long> LeaderboardWrites = Meter.CreateCounter<long>("th.leaderboards.written", "{document}", "leaderboard documents written by the item shards (one section each)");
    public static readonly Histogram<double> ItemShardWriteTime = Meter.CreateHistogram<double>("th.itemshard.write_time", "ms", "time an item shard takes to write one sealed buffer");
    public static readonly Counter<long> ItemShardWriteFailures = Meter.CreateCounter<long>("th.itemshard.write_failures", "{buffer}", "sealed buffers whose write failed (kept, written by a later batch)");
    public static readonly Counter<long> ItemDocumentsRefused = Meter.CreateCounter<long>("th.itemshard.items_refused", "{document}", "item documents the store refused for good (an id it cannot address): their delta is dropped, the rest of the buffer written");
    public static readonly Histogram<double> EntityLag = Meter.CreateHistogram<double>("th.entity.lag", "ms", "rollup range sent by a partition to applied by an entity",
        advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [10, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000, 60000, 300000] });
    public static readonly Histogram<double> PartitionHoldTime = Meter.CreateHistogram<double>("th.partition.hold_time", "s", "how long a consumer held a partition (lease or local pump) before releasing it",
        advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [1, 5, 15, 60, 300, 900, 3600, 14400, 86400] });
    public static readonly Gauge<long> PartitionBacklog = Meter.CreateGauge<long>("th.partition.backlog", "{event}", "messages in the partition not yet processed (local host; Azure: the Event Hubs scaler's metric)");

    /// <summary>What one processed batch did (<see cref="PartitionBatchProcessor"/> calls this with its summary).</summary>
    public static void RecordBatch(BatchSummary summary, IReadOnlyDictionary<string, int> deadLettersByReason)
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
    public static void RecordFreshness(string partitionId, TimeSpan enqueueToWritten) =>
        Freshness.Record(Math.Max(0, enqueueToWritten.TotalMilliseconds), new KeyValuePair<string, object?>("partition", partitionId));

    /// <summary>Messages parked (set aside for a later retry instead of dead-lettered), by reason.</summary>
    public static void RecordParked(string partitionId, string reason, long count = 1) =>
        EventsParked.Add(count, new KeyValuePair<string, object?>("partition", partitionId), new("reason", reason));

    /// <summary>A consumer released a partition it held for <paramref name="held"/> (lease lost, shutdown, rebalance).</summary>
    public static void RecordPartitionHold(string partitionId, TimeSpan held) =>
        PartitionHoldTime.Record(held.TotalSeconds, new KeyValuePair<string, object?>("partition", partitionId));

    public static void RecordPartitionBacklog(string partitionId, long messages) =>
        PartitionBacklog.Record(messages, new KeyValuePair<string, object?>("partition", partitionId));

    public static void RecordEntitySignals(string partitionId, int count) =>
        EntitySignals.Add(count, new KeyValuePair<string, object?>("partition", partitionId));

    /// <summary>An entity applied a new rollup range that was sent at <paramref name="sentAt"/>.</summary>
    public static void RecordEntitySelfSignal(string entity) =>
        EntitySelfSignals.Add(1, new KeyValuePair<string, object?>("th.entity", entity));

    public static void RecordItemShardWrite(string shardKey, int items, int leaderboards, TimeSpan duration)
    {
        var tag = new KeyValuePair<string, object?>("th.shard", shardKey);
        ItemDocumentWrites.Add(items, tag);
        LeaderboardWrites.Add(leaderboards, tag);
        ItemShardWriteTime.Record(duration.TotalMilliseconds, tag);
    }

    public static void RecordItemShardWriteFailure(string shardKey) =>
        ItemShardWriteFailures.Add(1, new KeyValuePair<string, object?>("th.shard", shardKey));

    public static void RecordItemRefused(string shardKey) =>
        ItemDocumentsRefused.Add(1, new KeyValuePair<string, object?>("th.shard", shardKey));

    public static void RecordEntityLag(string entity, string sourcePartition, DateTimeOffset sentAt, DateTimeOffset appliedAt) =>
        EntityLag.Record(Math.Max(0, (appliedAt - sentAt).TotalMilliseconds), new KeyValuePair<string, object?>("entity", entity), new("partition", sourcePartition));

    /// <summary>What one invocation consumed and cost (<see cref="FinOps.CostRecorder"/> calls this for every cost record).</summary>
    public static void RecordInvocation(CostRecord record, double chargedRu)
    {
        ArgumentNullException.ThrowIfNull(record);
        var function = new KeyValuePair<string, object?>("function", record.Function);
        var trigger = new KeyValuePair<string, object?>("trigger", record.Trigger);
        Invocations.Add(1, function, trigger, new("succeeded", record.Succeeded));
        if (record.StoreWrites != 0) StoreWrites.Add(record.StoreWrites, function, trigger);
        if (chargedRu > 0) RuCharged.Add(chargedRu, function, trigger);
        if (record.RuEstimated && record.CosmosRu > 0) RuEstimated.Add(record.CosmosRu, function, trigger);
        AddUsd(record.Usd.Compute, "compute", function, trigger);
        AddUsd(record.Usd.Executions, "executions", function, trigger);
        AddUsd(record.Usd.Cosmos, "cosmos", function, trigger);
        AddUsd(record.Usd.EventHubs, "eventhubs", function, trigger);
    }

    private static void AddUsd(decimal usd, string meter, KeyValuePair<string, object?> function, KeyValuePair<string, object?> trigger)
    {
        if (usd != 0) CostUsd.Add((double)usd, function, trigger, new("meter", meter));
    }

    private static void Add(Counter<long> counter, long value, KeyValuePair<string, object?> tag)
    {
        if (value != 0) counter.Add(value, tag);
    }
}
