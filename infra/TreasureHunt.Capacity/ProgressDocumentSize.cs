using TreasureHunt.Core.Costs;

namespace TreasureHunt.Capacity;

/// <summary>
/// The size and write RU of one partition's progress document over a flush cycle (every batch rewrites it with the
/// pending rollup delta; the sealing write holds the sealed one), RU averaged over the cycle's writes. Derivation:
/// docs/internals.md#progress-document-size.
/// </summary>
/// <param name="WritesPerFlush">n: batch writes per flush cycle.</param>
/// <param name="AverageItems">Distinct items (pending or sealed) a written document holds, averaged over the cycle.</param>
/// <param name="AverageBytes">Bytes a written document has, averaged over the cycle.</param>
/// <param name="SealedBytes">Bytes of the largest document: the write that seals a full flush.</param>
/// <param name="RuPerWrite">Write RU averaged over the cycle's writes.</param>
public sealed record ProgressDocumentSize(double WritesPerFlush, double AverageItems, double AverageBytes, double SealedBytes, double RuPerWrite)
{
    /// <summary>The document without a delta: id, partition, consumer group, applied position, timestamps, flags, empty
    /// parking lists (measured), plus the system properties Cosmos DB adds and counts in its size
    /// (<see cref="ItemDocumentRollupDesign.CosmosSystemPropertiesBytes"/>).</summary>
    public const double FixedBytes = 290 + ItemDocumentRollupDesign.CosmosSystemPropertiesBytes;

    /// <summary>One <c>sentThrough</c> entry (<c>"16-3":123456789,</c>): one per shard of the layout plus the global entity.</summary>
    public const double SentThroughBytesPerEntity = 18;

    /// <summary>A delta's range, message count, layout, global counters and braces, without its shards.</summary>
    public const double DeltaFixedBytes = 190;

    /// <summary>One shard's map in a delta (<c>"3":{…},</c>) without its items.</summary>
    public const double DeltaBytesPerShard = 7;

    /// <summary>One item of a delta without its id: quotes, colon and comma around the id, totals per type and one
    /// hour window (<c>"…":{"totals":[1,0,0,0,0],"hours":[{"start":1764590400,"counts":[1,0,0,0,0]}]},</c>).</summary>
    public const double ItemBytesWithoutId = 78;

    /// <summary>Batch writes averaged exactly up to this many per flush; beyond (tiny batches), at this many evenly spaced ones.</summary>
    private const int MaxSampledWrites = 32;

    /// <summary>Bytes of a document whose delta (pending or sealed) holds <paramref name="items"/> distinct items.</summary>
    public static double Bytes(CapacityInputs inputs, double items)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        var shards = inputs.RollupShardCount;
        var shardsTouched = shards * (1 - Math.Pow(1 - 1.0 / shards, items));
        return FixedBytes + (shards + 1) * SentThroughBytesPerEntity
               + DeltaFixedBytes + shardsTouched * DeltaBytesPerShard + items * (ItemBytesWithoutId + inputs.ItemIdLength);
    }

    /// <summary>What the keyed groups (<see cref="CapacityInputs.KeyedGroups"/>) add to a delta of <paramref name="events"/>
    /// events holding <paramref name="items"/> distinct items: the item group's partial state in each item entry, and
    /// per other group its distinct keys among the events (Zipf over its cardinality), each a <c>GroupKeyDelta</c> filed
    /// under its document id. Partial states are measured (<see cref="KeyedGroupInput.DeltaBytes"/>) for the entry's
    /// events in the delta.</summary>
    public static double KeyedBytes(CapacityInputs inputs, double events, double items)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        double bytes = 0;
        foreach (var g in inputs.KeyedGroups)
        {
            if (g.IsItem)
            {
                if (items > 0) bytes += items * (ItemDocumentRollupDesign.KeyedPropertyBytes + g.DeltaBytes(events / items));
                continue;
            }
            var keys = ZipfDistinct.Expected(events, g.Keys, inputs.ZipfExponent);
            if (keys > 0) bytes += keys * (ItemDocumentRollupDesign.KeyDeltaFixedBytes + g.Name.Length + g.TypicalKeyBytes + g.DeltaBytes(events / keys));
        }
        return bytes;
    }

    public static ProgressDocumentSize At(CapacityInputs inputs, TrafficPoint traffic)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        ArgumentNullException.ThrowIfNull(traffic);
        var flush = PartitionFlushes.At(inputs, traffic);
        var eventsPerFlush = flush.EventsPerFlush;
        var batch = traffic.BatchSize;
        var writes = Math.Max(1, Math.Ceiling(eventsPerFlush / batch - 1e-9));

        // Write n: the sealed delta of the whole flush (E events), pending empty.
        var sealedItems = flush.DistinctItemsPerFlush;
        var sealedBytes = Bytes(inputs, sealedItems) + KeyedBytes(inputs, eventsPerFlush, sealedItems);
        double itemsSum = sealedItems, bytesSum = sealedBytes, ruSum = RequestUnitEstimator.Write((long)sealedBytes);

        // Writes 1 … n − 1: the pending delta of j·B events (all of them when n − 1 ≤ MaxSampledWrites, else evenly
        // spaced samples standing for the n − 1 writes).
        var pendingWrites = writes - 1;
        if (pendingWrites > 0)
        {
            var samples = (int)Math.Min(pendingWrites, MaxSampledWrites);
            double items = 0, bytes = 0, ru = 0;
            for (var s = 0; s < samples; s++)
            {
                var j = samples == pendingWrites ? s + 1 : 1 + s * (pendingWrites - 1) / Math.Max(1, samples - 1);
                var pendingEvents = Math.Min(j * batch, eventsPerFlush);
                var pendingItems = ZipfDistinct.Expected(pendingEvents, inputs.Items, inputs.ZipfExponent);
                var pendingBytes = Bytes(inputs, pendingItems) + KeyedBytes(inputs, pendingEvents, pendingItems);
                items += pendingItems;
                bytes += pendingBytes;
                ru += RequestUnitEstimator.Write((long)pendingBytes);
            }
            itemsSum += items / samples * pendingWrites;
            bytesSum += bytes / samples * pendingWrites;
            ruSum += ru / samples * pendingWrites;
        }
        return new ProgressDocumentSize(writes, itemsSum / writes, bytesSum / writes, sealedBytes, ruSum / writes);
    }
}
