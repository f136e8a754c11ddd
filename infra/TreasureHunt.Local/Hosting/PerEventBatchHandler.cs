using System.Diagnostics;
using Microsoft.Extensions.Options;
using TreasureHunt.Core.Aggregation;
using TreasureHunt.Core.Costs;
using TreasureHunt.Core.Events;
using TreasureHunt.Core.Features;
using TreasureHunt.Core.Ports;
using TreasureHunt.Core.Rollups;
using TreasureHunt.Pipeline.Processing;

namespace TreasureHunt.Local.Hosting;

/// <summary>
/// The benchmark's baseline, not the product: what the public Azure reference implementations do — for every
/// event, read the user's document, apply that one event, write it back, and send that event's rollup as its
/// own entity signals. Same documents and entities as the product, so the two strategies are comparable per event.
/// </summary>
internal sealed class PerEventBatchHandler(
    IUserAggregateStore users,
    IDeadLetterStore deadLetters,
    IRollupClient rollups,
    CompiledDefinitions definitions,
    DeliveryRules deliveryRules,
    IOptions<RollupOptions> rollupOptions) : IBatchHandler
{
    public async Task<BatchSummary> HandleAsync(PartitionBatch batch, string consumerGroup, CancellationToken cancellationToken)
    {
        var stopwatch = Stopwatch.StartNew();
        InvocationUsage.Current?.AddEvents(batch.Messages.Count);
        var parser = new EventParser(definitions);
        int applied = 0, duplicates = 0, deadLettered = 0, signals = 0;
        foreach (var message in batch.Messages)
        {
            if (!parser.TryParse(message, batch.PartitionId, out var parsed, out var deadLetter))
            {
                await deadLetters.WriteAsync([deadLetter!], cancellationToken);
                deadLettered++;
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

            var builder = new RollupDeltaBuilder(rollupOptions.Value.ShardCount);
            builder.Add(e, outcome[0]);
            var single = RollupSignals.From(batch.PartitionId, builder.Build(message.SequenceNumber, message.SequenceNumber));
            await rollups.SignalAsync(single, cancellationToken);
            InvocationUsage.Current?.AddEntitySignals(single.Count);
            signals += single.Count;
        }
        return new BatchSummary(batch.PartitionId, batch.FirstSequenceNumber, batch.LastSequenceNumber, batch.Messages.Count, 0,
            applied, 0, duplicates, 0, deadLettered, applied, signals, stopwatch.Elapsed);
    }
}
