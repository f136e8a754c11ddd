using System.Diagnostics;
using Microsoft.Extensions.Options;
using TreasureHunt.Core.Aggregation;
using TreasureHunt.Core.Costs;
using TreasureHunt.Core.Events;
using TreasureHunt.Core.Features;
using TreasureHunt.Core.Ports;
using TreasureHunt.Core.Rollups;
using TreasureHunt.Pipeline.Processing;
using TreasureHunt.Pipeline.Telemetry;

namespace TreasureHunt.Local.Hosting;

/// <summary>
/// The benchmark's baseline, not the product: what the public Azure reference implementations do — for every
/// event, read the user's document, apply that one event, write it back, and send that event's rollup as its
/// own entity signals. Same documents and entities as the product, so the two strategies are comparable per event,
/// and the same instruments (batch, freshness per event at its write, signals).
/// </summary>
internal sealed class PerEventBatchHandler(
    IUserDocumentStore users,
    IDeadLetterStore deadLetters,
    IRollupClient rollups,
    CompiledDefinitions definitions,
    DeliveryRules deliveryRules,
    IOptions<RollupOptions> rollupOptions,
    IOptions<ContractOptions> contractOptions,
    PipelineMetrics metrics,
    TimeProvider time) : IBatchHandler
{
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, Dictionary<string, long>> _sentThrough = new(StringComparer.Ordinal);

    public async Task<BatchSummary> HandleAsync(PartitionBatch batch, string consumerGroup, CancellationToken cancellationToken)
    {
        var stopwatch = Stopwatch.StartNew();
        InvocationUsage.Current?.AddEvents(batch.Messages.Count);
        var parser = new EventParser(definitions) { MaxEventAge = contractOptions.Value.MaxEventAge };
        int applied = 0, duplicates = 0, deadLettered = 0, signals = 0;
        var deadLettersByReason = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var message in batch.Messages)
        {
            if (!parser.TryParse(message, batch.PartitionId, out var parsed, out var deadLetter))
            {
                await deadLetters.WriteAsync([deadLetter!], cancellationToken);
                deadLettered++;
                deadLettersByReason[deadLetter!.ReasonCode] = deadLettersByReason.GetValueOrDefault(deadLetter.ReasonCode) + 1;
                continue;
            }
            var e = new SequencedEvent(parsed!, message.SequenceNumber, message.EnqueuedTime);
            var outcome = new EventOutcome[1];
            await users.UpdateAsync(parsed!.UserId, aggregate =>
            {
                aggregate.Apply([e], batch.PartitionId, definitions, deliveryRules, outcome);
                return outcome[0] is EventOutcome.Applied or EventOutcome.AppliedLate;
            }, cancellationToken);
            if (outcome[0] == EventOutcome.Duplicate) duplicates++; else applied++;
            if (outcome[0] is EventOutcome.Applied or EventOutcome.AppliedLate) metrics.RecordFreshness(batch.PartitionId, time.GetUtcNow() - message.EnqueuedTime);

            var builder = new RollupDeltaBuilder(rollupOptions.Value.ShardCount, definitions);
            builder.Add(e, outcome[0]);
            // Ranges start after what this partition last sent each entity (in memory: the baseline does not survive a
            // crash exactly-once anyway), so the entities' applied ranges stay contiguous as in the product.
            var sentThrough = _sentThrough.GetOrAdd(batch.PartitionId, _ => new Dictionary<string, long>(StringComparer.Ordinal));
            var single = RollupSignals.From(batch.PartitionId, builder.Build(message.SequenceNumber, message.SequenceNumber), rollupOptions.Value.ShardCount, sentThrough);
            await rollups.SignalAsync(single, cancellationToken);
            foreach (var key in single.Shards.Keys) sentThrough[key] = message.SequenceNumber;
            sentThrough[RollupEntityNames.GlobalKey] = message.SequenceNumber;
            InvocationUsage.Current?.AddEntitySignals(single.Count);
            metrics.RecordEntitySignals(batch.PartitionId, single.Count);
            signals += single.Count;
        }
        var summary = new BatchSummary(batch.PartitionId, batch.FirstSequenceNumber, batch.LastSequenceNumber, batch.Messages.Count, 0,
            applied, 0, duplicates, 0, deadLettered, applied, signals, stopwatch.Elapsed);
        metrics.RecordBatch(summary, deadLettersByReason);
        return summary;
    }
}
