using TreasureHunt.Core.Costs;
using TreasureHunt.Core.Events;

namespace TreasureHunt.Capacity;

/// <summary>
/// The rollup design in the capacity model: partitions seal and signal their pending rollup, item shards buffer item and
/// key deltas and write each touched document and leaderboard section per seal. Quantities and sizes:
/// docs/internals.md#item-document-rollup-design.
/// </summary>
public sealed class ItemDocumentRollupDesign : IRollupCapacityDesign
{
    /// <summary>One applied range (partition id, from, to) in the entity state.</summary>
    public const double AppliedRangeBytes = 48;

    /// <summary>One item delta in a pending or sealed buffer, without its id: totals and the hour window it adds.</summary>
    public const double ItemDeltaBytesWithoutId = 40;

    /// <summary>Item document: braces and property names (id, totals, hours, flushes).</summary>
    public const double ItemDocumentFixedBytes = 60;

    /// <summary>One all-time total per type (up to 7 digits and a comma).</summary>
    public const double TotalBytesPerType = 8;

    /// <summary>One hour window: its start (12 B with key and punctuation) + 6 B of count per type.</summary>
    public const double HourWindowFixedBytes = 12;
    public const double HourWindowBytesPerType = 6;

    /// <summary>The last flush number per shard that wrote the item ("16-3": 1234567): one shard, two during a reshard.</summary>
    public const double FlushNumberBytes = 24;
    public const int ShardGenerationsPerItem = 2;

    /// <summary>System properties Cosmos DB adds to every item and counts in its size (_rid, _self, _etag, _attachments,
    /// _ts: https://learn.microsoft.com/azure/cosmos-db/resource-model, "Properties of an item"); estimated from their
    /// usual lengths.</summary>
    public const double CosmosSystemPropertiesBytes = 180;

    /// <summary>One leaderboard entry, compact [id, count]: the id + 14 B (count and punctuation): 30 B for a 16-character id.</summary>
    public const double LeaderEntryBytesWithoutId = 14;

    /// <summary>One shard's section in a leaderboard document (its key, its flush number, the array brackets).</summary>
    public const double LeaderboardSectionFixedBytes = 24;

    /// <summary>Leaderboard document: id (type and window), braces and keys.</summary>
    public const double LeaderboardDocumentFixedBytes = 60;

    /// <summary>Windows a shard's flush touches per type: the current hour and all-time (a flush straddling an hour
    /// boundary touches three; rare at a 1 s flush and ignored).</summary>
    public const double WindowsPerFlushPerType = 2;

    /// <summary><c>globaltotals</c> state without its applied ranges: counters per type, duplicates, dead letters, late.</summary>
    public const double GlobalTotalsBaseBytes = 1_024;

    /// <summary>One key's entry in a shard buffer without its state: the group, the document id and the punctuation of
    /// <c>GroupKeyDelta</c> ({"g","k","s"} and the id it is filed under).</summary>
    public const double KeyDeltaFixedBytes = 30;

    /// <summary>The <c>"keyed":</c> property name and punctuation around the item group's state in an item document or delta.</summary>
    public const double KeyedPropertyBytes = 10;

    public string Name => "Rollups:ShardCount itemshard buffers → item and leaderboard documents + globaltotals";

    public static double ItemDeltaBytes(CapacityInputs inputs) => ItemDeltaBytesWithoutId + inputs.ItemIdLength;

    /// <summary>Worst-case item document: every one of <c>ItemHourWindows</c> windows present, two shard generations'
    /// flush numbers. At the defaults (48 windows, 5 types, 16-character ids): 60 + 16 + 5 × 8 + 2 × 24 + 180 + 48 × (12 + 5 × 6) = 2,360 B.</summary>
    public static double ItemDocumentBytes(CapacityInputs inputs) =>
        ItemDocumentFixedBytes + inputs.ItemIdLength + EventTypes.Count * TotalBytesPerType + ShardGenerationsPerItem * FlushNumberBytes
        + CosmosSystemPropertiesBytes + inputs.ItemHourWindows * (HourWindowFixedBytes + HourWindowBytesPerType * EventTypes.Count);

    /// <summary>A leaderboard document holding <paramref name="sections"/> shard sections of top-<c>LeaderboardSize</c>
    /// (a section never holds more entries than its shard has items).</summary>
    public static double LeaderboardDocumentBytes(CapacityInputs inputs, int sections)
    {
        var entries = Math.Min(inputs.LeaderboardSize, Math.Ceiling((double)inputs.Items / sections));
        return LeaderboardDocumentFixedBytes + CosmosSystemPropertiesBytes
               + sections * (LeaderboardSectionFixedBytes + entries * (LeaderEntryBytesWithoutId + inputs.ItemIdLength));
    }

    public RollupLoad Evaluate(CapacityInputs inputs, TrafficPoint traffic)
    {
        var shards = inputs.RollupShardCount;
        var items = inputs.Items;
        var rate = traffic.EventsPerSecond;

        // ---- partitions → entities (as in the design this one replaces). Keyed groups: every event is assumed to carry
        // every group's key; a key is routed to a shard by the hash of its document id, like an item, so a flush's
        // distinct keys add to the shards it touches and to what each signal carries.
        var groups = inputs.KeyedGroups;
        var itemGroup = groups.FirstOrDefault(g => g.IsItem);
        var own = groups.Where(g => g.OwnDocuments).ToList();
        var flushes = PartitionFlushes.At(inputs, traffic);
        var flushesPerSecond = flushes.FlushesPerSecond;
        var keysPerFlush = own.Select(g => ZipfDistinct.Expected(flushes.EventsPerFlush, g.Keys, inputs.ZipfExponent)).ToArray();
        var shardsTouched = own.Count == 0
            ? flushes.ShardsTouchedPerFlush
            : shards * (1 - Math.Pow(1 - 1.0 / shards, flushes.DistinctItemsPerFlush + keysPerFlush.Sum()));
        var applyOpsPerShard = flushesPerSecond * shardsTouched / shards;
        var itemsPerSignal = shardsTouched > 0 ? flushes.DistinctItemsPerFlush / shardsTouched : 0;
        var keysPerSignal = keysPerFlush.Select(k => shardsTouched > 0 ? k / shardsTouched : 0).ToArray();
        var signalsPerFlushEvent = own.Count == 0 ? flushes.SignalsPerEvent : (shardsTouched + 1) / flushes.EventsPerFlush;
        // A shard holding unwritten data keeps one delayed flush signal scheduled (at most 1 per delay); a delayed flush
        // that seals the tail signals one more at once to write it: at most 2 per delay.
        var selfOpsPerShard = 2 / inputs.ItemFlushSignalDelaySeconds;

        // ---- itemshard buffers: seal at ItemFlushSeconds or ItemFlushMaxItems (items and keys together), whichever comes
        // first; a shard only seals inside a batch, so never more often than it receives signals.
        double ItemsPerShard(double seconds) => ZipfDistinct.Expected(rate * seconds, items, inputs.ZipfExponent) / shards;
        double KeysPerShard(KeyedGroupInput g, double seconds) => ZipfDistinct.Expected(rate * seconds, g.Keys, inputs.ZipfExponent) / shards;
        double DistinctPerShard(double seconds) => ItemsPerShard(seconds) + own.Sum(g => KeysPerShard(g, seconds));
        var sealSeconds = SecondsToCollect(DistinctPerShard, inputs.ItemFlushMaxItems, inputs.ItemFlushSeconds);
        var interval = applyOpsPerShard > 0 ? Math.Max(sealSeconds, 1 / applyOpsPerShard) : inputs.ItemFlushSeconds;
        var entriesPerSignal = itemsPerSignal + keysPerSignal.Sum();
        var distinctAtSeal = DistinctPerShard(interval);
        // What a seal holds, split between items and each group's keys in proportion to their distinct counts.
        var sealShare = distinctAtSeal > 0 ? Math.Min(distinctAtSeal, inputs.ItemFlushMaxItems + entriesPerSignal) / distinctAtSeal : 0;
        var bufferShare = distinctAtSeal > 0 ? Math.Min(distinctAtSeal, inputs.ItemFlushMaxItems) / distinctAtSeal : 0;
        var itemsPerSeal = ItemsPerShard(interval) * sealShare;
        var keysPerSeal = own.Select(g => KeysPerShard(g, interval) * sealShare).ToArray();
        var bufferItems = ItemsPerShard(interval) * bufferShare + itemsPerSignal;
        var bufferKeys = own.Select((g, i) => KeysPerShard(g, interval) * bufferShare + keysPerSignal[i]).ToArray();
        // A delta holds its key's events of the seal: the shard's events per seal ÷ its distinct keys of the group.
        var eventsPerShardInterval = rate / shards * interval;
        var deltaBytes = ItemDeltaBytes(inputs) + (itemGroup is null ? 0 : KeyedPropertyBytes + itemGroup.DeltaBytes(eventsPerShardInterval / Math.Max(1, ItemsPerShard(interval))));
        var keyDeltaBytes = own.Select(g => KeyDeltaFixedBytes + g.Name.Length + g.TypicalKeyBytes
            + g.DeltaBytes(eventsPerShardInterval / Math.Max(1, KeysPerShard(g, interval)))).ToArray();
        var appliedBytes = traffic.Partitions * AppliedRangeBytes;
        var pendingBytes = bufferItems * deltaBytes + bufferKeys.Select((k, i) => k * keyDeltaBytes[i]).Sum();
        var sealedBytes = pendingBytes;
        var shardState = appliedBytes + pendingBytes + sealedBytes;

        // ---- Cosmos DB: per sealed item one point read + one replace of its document; per touched (window, type) one
        // read + one ETag replace of the leaderboard document. The item group's stored features ride in the item
        // documents (typical size priced; worst case the bound).
        var itemKeyedTypical = itemGroup is null ? 0 : KeyedPropertyBytes + itemGroup.TypicalStateBytes;
        var itemDocumentBytes = ItemDocumentBytes(inputs) + itemKeyedTypical;
        var itemReadRu = RequestUnitEstimator.Read((long)itemDocumentBytes);
        var itemWriteRu = RequestUnitEstimator.Write((long)itemDocumentBytes);
        var itemWritesPerSecond = shards * itemsPerSeal / interval;

        var eventsPerShardSeal = rate / shards * interval;
        var typesTouched = EventTypes.Count * (1 - Math.Pow(1 - 1.0 / EventTypes.Count, eventsPerShardSeal)); // equal type shares assumed
        var leaderboardWritesPerSeal = WindowsPerFlushPerType * typesTouched;
        var leaderboardBytes = LeaderboardDocumentBytes(inputs, shards);
        var leaderboardReadRu = RequestUnitEstimator.Read((long)leaderboardBytes);
        var leaderboardWriteRu = RequestUnitEstimator.Write((long)leaderboardBytes);
        var leaderboardWritesPerSecond = shards * leaderboardWritesPerSeal / interval;
        var reshardSections = shards + inputs.ReshardTarget;

        // ---- keyed groups: per sealed key one read + one conditional replace of its document; per declared leaderboard
        // window a shard's seal touches (it holds at least one of the group's keys: 1 − e^−keys), one read + one replace.
        var keyed = new List<KeyedGroupLoad>();
        var keyedLeaderboardWritesPerSeal = 0.0;
        var hottestLeaderboardRu = leaderboardReadRu + leaderboardWriteRu;
        var hottestKeyRu = 0.0;
        foreach (var g in groups)
        {
            var index = own.IndexOf(g);
            var perSeal = g.IsItem ? itemsPerSeal : keysPerSeal[index];
            var typical = g.IsItem ? itemDocumentBytes : g.TypicalDocumentBytes;
            var worst = g.IsItem ? ItemDocumentBytes(inputs) + KeyedPropertyBytes + g.WorstStateBytes : g.WorstDocumentBytes;
            var writes = g.IsItem ? 0 : shards * perSeal / interval;
            var keyRu = RequestUnitEstimator.Read((long)typical) + RequestUnitEstimator.Write((long)typical);
            if (!g.IsItem) hottestKeyRu = Math.Max(hottestKeyRu, keyRu / interval);
            double boardWrites = 0, boardRu = 0, boardDocuments = 0, boardTypical = 0, boardWorst = 0, boardWorstReshard = 0;
            foreach (var board in g.Leaderboards)
            {
                var entries = Math.Min(board.K, Math.Ceiling((double)g.Keys / shards));
                var bytes = LeaderboardDocumentFixedBytes + CosmosSystemPropertiesBytes + shards * (LeaderboardSectionFixedBytes + entries * board.TypicalEntryBytes);
                var boardRuPerWrite = RequestUnitEstimator.Read((long)bytes) + RequestUnitEstimator.Write((long)bytes);
                var perShardSeal = board.Windows * -double.ExpM1(-perSeal);
                keyedLeaderboardWritesPerSeal += perShardSeal;
                boardWrites += shards * perShardSeal / interval;
                boardRu += shards * perShardSeal / interval * boardRuPerWrite;
                boardDocuments += board.DocumentsKept;
                boardTypical = Math.Max(boardTypical, bytes);
                boardWorst = Math.Max(boardWorst, board.WorstBytes);
                boardWorstReshard = Math.Max(boardWorstReshard, board.WorstBytesDuringReshard);
                hottestLeaderboardRu = Math.Max(hottestLeaderboardRu, boardRuPerWrite);
            }
            // Storage is priced on the keys' average size (most keys are rare and small); the item group's: what it adds
            // to the item documents.
            var storage = g.Keys * (g.IsItem ? KeyedPropertyBytes + g.StoredStateBytes : g.TypicalDocumentBytes - g.TypicalStateBytes + g.StoredStateBytes)
                          + g.Leaderboards.Sum(b => b.DocumentsKept) * boardTypical;
            // The item group's share of the item documents' RU: what its state adds to each read and replace.
            var baseItemBytes = (long)ItemDocumentBytes(inputs);
            var addedItemRu = g.IsItem
                ? itemWritesPerSecond * (itemReadRu + itemWriteRu - RequestUnitEstimator.Read(baseItemBytes) - RequestUnitEstimator.Write(baseItemBytes))
                : 0;
            keyed.Add(new KeyedGroupLoad(g.Name, g.Keys, perSeal, writes, writes * keyRu, typical, worst,
                boardWrites, boardRu, boardDocuments, boardTypical, boardWorst, boardWorstReshard, storage, addedItemRu));
        }
        var keyWritesPerSecond = keyed.Sum(k => k.DocumentWritesPerSecond);
        var keyedBoardWritesPerSecond = keyed.Sum(k => k.LeaderboardWritesPerSecond);

        var cosmos = new RollupCosmosLoad(
            ItemWritesPerSecond: itemWritesPerSecond + keyWritesPerSecond,
            ItemReadsPerSecond: itemWritesPerSecond + keyWritesPerSecond,
            ItemRuPerSecond: itemWritesPerSecond * (itemReadRu + itemWriteRu) + keyed.Sum(k => k.DocumentRuPerSecond),
            LeaderboardWritesPerSecond: leaderboardWritesPerSecond + keyedBoardWritesPerSecond,
            LeaderboardReadsPerSecond: leaderboardWritesPerSecond + keyedBoardWritesPerSecond,
            LeaderboardRuPerSecond: leaderboardWritesPerSecond * (leaderboardReadRu + leaderboardWriteRu) + keyed.Sum(k => k.LeaderboardRuPerSecond),
            ItemDocumentBytes: itemDocumentBytes,
            LeaderboardDocumentBytes: leaderboardBytes,
            LeaderboardDocumentBytesDuringReshard: LeaderboardDocumentBytes(inputs, reshardSections),
            ItemDocuments: items,
            // Hour documents of the last ItemHourWindows hours (older ones expire) + all-time, per type.
            LeaderboardDocuments: EventTypes.Count * (inputs.ItemHourWindows + 1),
            // Every shard rewrites the current hour's (and all-time) document of a type, and of each declared window, once per seal.
            HottestLeaderboardDocumentRuPerSecond: shards / interval * hottestLeaderboardRu,
            // The most popular item (or key) lives in one shard and is written at most once per seal.
            HottestItemDocumentRuPerSecond: Math.Max(itemReadRu + itemWriteRu, hottestKeyRu * interval) / interval,
            KeyedStorageBytes: keyed.Sum(k => k.StorageBytes),
            StoredItemDocumentBytes: itemGroup is null ? null : ItemDocumentBytes(inputs));

        var buffers = new ItemShardBuffers(interval, itemsPerSeal, itemsPerSignal, pendingBytes, sealedBytes, appliedBytes,
            2 * (itemsPerSeal + keysPerSeal.Sum() + leaderboardWritesPerSeal + keyedLeaderboardWritesPerSeal) / interval,
            KeysPerFlush: keysPerSeal.Sum(), KeysPerSignal: keysPerSignal.Sum());

        var bufferNote = own.Count == 0
            ? $"≤ {bufferItems:N0} item deltas × {deltaBytes:N0} B"
            : $"≤ {bufferItems:N0} item deltas × {deltaBytes:N0} B + " + string.Join(" + ", own.Select((g, i) => $"{bufferKeys[i]:N0} {g.Name} keys × {keyDeltaBytes[i]:N0} B"));
        return new RollupLoad(
            [
                new EntityFigure("itemshard", shards, shardState, applyOpsPerShard + selfOpsPerShard,
                    $"{traffic.Partitions} applied ranges + pending and sealed buffers of {bufferNote}; seals every {interval:N2} s"),
                new EntityFigure("globaltotals", 1, GlobalTotalsBaseBytes + appliedBytes, flushesPerSecond, "counters + one applied range per partition"),
            ],
            SignalsPerEvent: signalsPerFlushEvent + shards * selfOpsPerShard / rate,
            FlushesPerSecond: flushesPerSecond,
            EntitiesReadPerLeaderboardQuery: 1,
            ItemStatsReadBytes: itemDocumentBytes,
            Cosmos: cosmos,
            ItemShard: buffers,
            Keyed: groups.Count == 0 ? null : keyed);
    }

    /// <summary>Seconds until a shard holds <paramref name="maxItems"/> distinct items, at most <paramref name="maxSeconds"/>
    /// (bisection; <paramref name="distinctAfter"/> grows with time).</summary>
    private static double SecondsToCollect(Func<double, double> distinctAfter, double maxItems, double maxSeconds)
    {
        if (distinctAfter(maxSeconds) <= maxItems) return maxSeconds;
        double lo = 0, hi = maxSeconds;
        for (var i = 0; i < 30 && hi - lo > maxSeconds * 1e-4; i++)
        {
            var mid = (lo + hi) / 2;
            if (distinctAfter(mid) < maxItems) lo = mid; else hi = mid;
        }
        return hi;
    }
}
