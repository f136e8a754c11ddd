using System.Text.Json;
using TreasureHunt.Core.Aggregation;
using TreasureHunt.Capacity;
using TreasureHunt.Core.Costs;
using TreasureHunt.Core.Events;
using TreasureHunt.Core.Rollups;
using Xunit.Abstractions;

namespace TreasureHunt.Core.Tests;

/// <summary>The capacity model (infra/TreasureHunt.Capacity): monotonic, binding limits at hand-computed points, agreement with what
/// ./th bench measured, the entity state constants against the real serialized state, and the rollup design's reference point.</summary>
public sealed class CapacityModelTests(ITestOutputHelper output)
{
    private static readonly CapacityModel Model = new(MeasuredFigures.Default, new PriceTable());

    /// <summary>Events/s the planned Event Hubs units carry (whatever the tier).</summary>
    private static double IngressCapacity(CapacityPlan plan) => plan.Limits.Single(l => l.Name.StartsWith("Event Hubs ingress (", StringComparison.Ordinal)) switch
    {
        { Unit: "events/s" } l => l.Limit,
        var l => l.Limit * 1e6 / MeasuredFigures.Default.EventBytes, // MB/s
    };

    [Fact]
    public void More_events_per_second_never_gives_less_capacity()
    {
        double[] rates = [10, 100, 500, 1_000, 2_000, 5_000, 9_000, 10_000, 12_000, 20_000, 30_000, 50_000, 80_000, 100_000, 150_000, 200_000, 300_000];
        CapacityPlan? previous = null;
        foreach (var rate in rates)
        {
            var plan = Model.Plan(new CapacityInputs { EventsPerSecond = rate, Users = 1_000_000, Items = 100_000 });
            Assert.True(IngressCapacity(plan) >= plan.Inputs.PeakEventsPerSecond * 0.999 || plan.EventHubs.Tier == EventHubsTier.Dedicated,
                $"{rate}/s: the planned units carry {IngressCapacity(plan):N0} events/s < peak");
            if (previous is not null)
            {
                var at = $"{previous.Inputs.EventsPerSecond} → {rate} events/s";
                Assert.True(plan.EventHubs.Tier >= previous.EventHubs.Tier, $"{at}: tier {previous.EventHubs.Tier} → {plan.EventHubs.Tier}");
                Assert.True(IngressCapacity(plan) >= IngressCapacity(previous), $"{at}: ingress capacity {IngressCapacity(previous):N0} → {IngressCapacity(plan):N0}");
                Assert.True(plan.EventHubs.Partitions >= previous.EventHubs.Partitions, $"{at}: partitions {previous.EventHubs.Partitions} → {plan.EventHubs.Partitions}");
                Assert.True(plan.Functions.InstancesAtPeak >= previous.Functions.InstancesAtPeak, $"{at}: instances");
                Assert.True(plan.Functions.MaximumInstanceCount >= previous.Functions.MaximumInstanceCount, $"{at}: maximum instance count");
                Assert.False(plan.Cosmos.Serverless && !previous.Cosmos.Serverless, $"{at}: back from autoscale to serverless");
                for (var c = 0; c < plan.Cosmos.Containers.Count; c++)
                {
                    var now = plan.Cosmos.Containers[c];
                    var before = previous.Cosmos.Containers[c];
                    // RU/s are planned on the partitions of each plan; a plan with more partitions has smaller batches per
                    // partition only when the rate per partition falls, never below what fewer partitions needed here.
                    Assert.True(now.PeakRuPerSecond >= before.PeakRuPerSecond * 0.999, $"{at}: {now.Container} peak RU/s {before.PeakRuPerSecond:N0} → {now.PeakRuPerSecond:N0}");
                    Assert.True(now.AutoscaleMaxRuPerSecond >= before.AutoscaleMaxRuPerSecond, $"{at}: {now.Container} autoscale max");
                }
                Assert.True(plan.Storage.Peak.Total >= previous.Storage.Peak.Total * 0.999, $"{at}: storage ops/s");
                Assert.True(plan.Cost.Total >= previous.Cost.Total, $"{at}: $ per month {previous.Cost.Total:N2} → {plan.Cost.Total:N2}");
            }
            previous = plan;
        }
    }

    [Fact]
    public void Standard_partitions_bind_when_the_tier_is_forced_beyond_it()
    {
        // 20,000/s × 3 = 60,000/s on Standard: 32 partitions (the tier's maximum) → 60,000 / 32 = 1,875 events/s per
        // partition against 1,000 (187.5 %); 67 TUs against 40 (167.5 %); 67 TUs carry 67,000/s (89.6 %).
        var plan = Model.Plan(new CapacityInputs { EventsPerSecond = 20_000, Tier = EventHubsTier.Standard, Users = 1_000_000, Items = 100_000 });

        Assert.Equal(32, plan.EventHubs.Partitions);
        Assert.Equal(67, plan.EventHubs.Units);
        var binding = plan.BindingServiceLimit;
        Assert.Equal("Event Hubs ingress per partition", binding.Name);
        Assert.Equal(1.875, binding.Utilization, 6);
        Assert.True(binding.Exceeded);
        Assert.Equal(67.0 / 40, plan.Limits.Single(l => l.Name == "Event Hubs Standard throughput units").Utilization, 6);
    }

    [Fact]
    public void Instances_bind_when_partitions_are_too_few_for_the_peak()
    {
        // 10,000/s, no peak, 4 partitions on Premium: the trigger runs at most 4 instances of 1 vCPU, each
        // 4,348.7 / 2 = 2,174.35 events/s → 8,697.4 events/s; 10,000 / 8,697.4 = 1.1498.
        var plan = Model.Plan(new CapacityInputs { EventsPerSecond = 10_000, PeakFactor = 1, Partitions = 4, Tier = EventHubsTier.Premium, Users = 1_000_000, Items = 100_000 });

        var binding = plan.BindingServiceLimit;
        Assert.Equal("Functions: events/s the partitions' instances carry", binding.Name);
        Assert.Equal(10_000 / (4 * 4348.7 / 2), binding.Utilization, 6);
        Assert.Equal(5, plan.Functions.InstancesAtPeak); // ceil(10,000 / 2,174.35)
    }

    [Fact]
    public void The_cost_ledger_partition_binds_with_one_event_batches()
    {
        // Batches of 1 event: 3,000 invocations/s at the 3,000/s peak, plus flushes and entity batches, each one
        // cost-ledger row in the hour's table partition: ≥ 3,000 rows/s against 2,000 entities/s (≥ 150 %).
        var plan = Model.Plan(new CapacityInputs { EventsPerSecond = 1_000, MaxBatchSize = 1, Users = 100_000, Items = 1_000 });

        var binding = plan.BindingServiceLimit;
        Assert.Equal("Cost ledger rows per table partition (one partition per hour)", binding.Name);
        Assert.True(binding.Utilization >= 1.5, $"{binding.Utilization:P1}");
        Assert.Equal(1, plan.Peak.BatchSize);
        Assert.InRange(plan.Peak.UserWritesPerEvent, 0.95, 1.0); // one user per batch (the interval model: ≥ 0.95)
    }

    [Fact]
    public void Cosmos_users_throughput_binds_at_ten_thousand_events_per_second()
    {
        // 30,000/s peak: Standard would need ceil(30,000 / 900) = 34 partitions > 32, so Premium with 32 partitions and
        // 2 PUs (6 MB/s of 10); the users container's autoscale maximum is the peak RU/s ÷ 0.9 rounded up to 1,000,
        // so it runs at just under 90 %, above every other service limit.
        var plan = Model.Plan(new CapacityInputs { EventsPerSecond = 10_000 });

        Assert.Equal(EventHubsTier.Premium, plan.EventHubs.Tier);
        Assert.Equal(32, plan.EventHubs.Partitions);
        Assert.Equal(2, plan.EventHubs.Units);
        Assert.False(plan.Cosmos.Serverless);
        var binding = plan.BindingServiceLimit;
        Assert.Equal("Cosmos DB users RU/s (autoscale max)", binding.Name);
        Assert.InRange(binding.Utilization, 0.85, 0.9);
    }

    [Fact]
    public void Small_deployments_stay_on_standard_and_serverless()
    {
        // 1/s × 3: 1 TU, 4 partitions. Cosmos: ~6 RU/s for users + ~5 RU/s for progress (a batch and a write of a
        // document under 1 KB per event) ≈ $11 a month serverless, against ≥ 2 × $8.76 for two autoscale containers
        // (1,000 RU/s maximum, billed at ≥ 100 RU/s × 730 h × $0.012 per 100 RU/s-hour).
        var plan = Model.Plan(new CapacityInputs { EventsPerSecond = 1, Users = 10_000, Items = 1_000 });

        Assert.Equal(EventHubsTier.Standard, plan.EventHubs.Tier);
        Assert.Equal(1, plan.EventHubs.Units);
        Assert.Equal(4, plan.EventHubs.Partitions);
        Assert.True(plan.Cosmos.Serverless);
        Assert.Contains(plan.Cost.Lines, l => l.Meter == "Cosmos DB RU (serverless)");
    }

    [Fact]
    public void Sustained_load_moves_cosmos_to_autoscale_although_serverless_would_fit()
    {
        // 100/s × 3 = 300/s peaks need < 5,000 RU/s per container (serverless fits), but a sustained ~600 RU/s costs
        // 600 × 2,628,000 s × $0.25/M ≈ $394 a month serverless and ≈ 600 / 100 × $0.012 × 730 h ≈ $53 (+ peak hours) autoscale.
        var plan = Model.Plan(new CapacityInputs { EventsPerSecond = 100, Users = 100_000, Items = 10_000 });

        Assert.All(plan.Cosmos.Containers, c => Assert.True(c.PeakRuPerSecond < 5_000));
        Assert.False(plan.Cosmos.Serverless);
        Assert.Contains(plan.Cost.Lines, l => l.Meter == "Cosmos DB autoscale");
    }

    [Fact]
    public void Store_writes_per_event_match_the_bench_within_ten_percent()
    {
        var measured = BenchResults();
        var traffic = CapacityModel.Traffic(BenchWorkload(measured), measured.EventsPerSecond, measured.Partitions);
        var writesPerEvent = traffic.UserWritesPerEvent + 1 / traffic.BatchSize;

        output.WriteLine($"modeled store writes/event {writesPerEvent:F4} (bench {measured.StoreWritesPerEvent})");
        Assert.InRange(writesPerEvent / measured.StoreWritesPerEvent, 0.9, 1.1);
    }

    [Fact]
    public void Progress_document_constants_match_the_serialized_document()
    {
        // As the Cosmos store writes it (System.Text.Json, web defaults): the document without a delta, at a steady
        // state (a sentThrough entry per shard and the global entity), then pending deltas of 4,000 Zipf-drawn events
        // over 1 M items with 16-character ids (one hour window each), as the batches build them.
        var json = new JsonSerializerOptions(JsonSerializerDefaults.Web);
        var inputs = new CapacityInputs { EventsPerSecond = 50_000 };
        var shards = inputs.RollupShardCount;
        var now = new DateTimeOffset(2026, 12, 3, 14, 0, 0, TimeSpan.Zero);
        var progress = PartitionProgress.Create("$Default", "31");
        progress.AppliedThrough = 123_456_789;
        progress.BatchWrittenAt = now;
        var empty = JsonSerializer.SerializeToUtf8Bytes(progress, json).Length;
        for (var i = 0; i < shards; i++) progress.SentThrough[ShardRouting.ShardKey(shards, i)] = 123_456_789;
        progress.SentThrough[RollupEntityNames.GlobalKey] = 123_456_789;
        var withSentThrough = JsonSerializer.SerializeToUtf8Bytes(progress, json).Length;

        // Zipf(1) over 1 M items by inverse CDF, seeded: the load generator's distribution.
        const int catalog = 1_000_000;
        var cumulative = new double[catalog];
        var sum = 0.0;
        for (var k = 0; k < catalog; k++) cumulative[k] = sum += 1.0 / (k + 1);
        var random = new Random(42);
        var types = Enum.GetValues<EventType>();
        long sequence = 123_456_790;
        var documentBytes = new List<(double Items, double Bytes)>();
        for (var batch = 0; batch < 4; batch++)
        {
            var builder = new RollupDeltaBuilder(shards);
            var first = sequence;
            for (var e = 0; e < 1_000; e++, sequence++)
            {
                var rank = Array.BinarySearch(cumulative, random.NextDouble() * sum);
                var itemId = $"item-{(rank < 0 ? ~rank : rank):D11}"; // 16 characters
                var type = types[random.Next(types.Length)];
                builder.Add(new SequencedEvent(new TreasureEvent($"e-{sequence}", "u-1", itemId, TreasureEvent.DefaultCategory, type, 1, now), sequence, now), EventOutcome.Applied);
            }
            progress.Accumulate(builder.Build(first, sequence - 1), now);
            var items = progress.Pending!.Shards.Values.Sum(s => s.Count);
            documentBytes.Add((items, JsonSerializer.SerializeToUtf8Bytes(progress, json).Length));
        }

        var system = ItemDocumentRollupDesign.CosmosSystemPropertiesBytes;
        output.WriteLine($"serialized: {empty} B without a delta (model {ProgressDocumentSize.FixedBytes - system} + {system} system), " +
                         $"{(withSentThrough - empty) / (shards + 1.0):F1} B per sentThrough entry (model {ProgressDocumentSize.SentThroughBytesPerEntity})");
        foreach (var (items, bytes) in documentBytes)
        {
            output.WriteLine($"  pending {items:N0} items: {bytes:N0} B + {system} system; model {ProgressDocumentSize.Bytes(inputs, items):N0} B ({(bytes - withSentThrough) / items:F1} B per item with its share of the delta's fixed part)");
        }
        Assert.InRange((ProgressDocumentSize.FixedBytes - system) / empty, 0.85, 1.15);
        Assert.InRange(ProgressDocumentSize.SentThroughBytesPerEntity / ((withSentThrough - empty) / (shards + 1.0)), 0.85, 1.15);
        Assert.All(documentBytes, d => Assert.InRange(ProgressDocumentSize.Bytes(inputs, d.Items) / (d.Bytes + system), 0.95, 1.05));
        // The largest pending delta: 4,000 events hit about the model's expected distinct items.
        Assert.InRange(documentBytes[^1].Items / ZipfDistinct.Expected(4_000, catalog), 0.95, 1.05);
    }

    [Fact]
    public void Progress_ru_grows_with_flush_min_events_and_follows_the_document_size()
    {
        // Larger flushes keep more distinct items pending in the document every batch rewrites.
        ProgressDocumentSize? previous = null;
        double previousRu = 0;
        foreach (var minEvents in new[] { 1_000, 2_000, 4_000, 8_000, 16_000 })
        {
            var inputs = ReferencePoint with { RollupFlushMinEvents = minEvents, RollupFlushMaxAgeSeconds = 60 };
            var plan = Model.Plan(inputs);
            var document = plan.Cosmos.ProgressDocument!;
            var progress = plan.Cosmos.Containers.Single(c => c.Container == "progress");
            output.WriteLine($"FlushMinEvents {minEvents:N0}: {document.WritesPerFlush} writes per flush, {document.AverageItems:N0} items, {document.AverageBytes:N0} B on average ({document.SealedBytes:N0} B sealing), {document.RuPerWrite:N2} RU per write; progress {progress.SustainedRuPerSecond:N0} / {progress.PeakRuPerSecond:N0} RU/s, max {progress.AutoscaleMaxRuPerSecond:N0}");

            Assert.Equal(plan.Peak.BatchesPerSecond * document.RuPerWrite, progress.PeakRuPerSecond, 6);
            Assert.Equal(Math.Max(1, minEvents / 1_000), document.WritesPerFlush);
            if (previous is not null)
            {
                Assert.True(document.AverageBytes > previous.AverageBytes, $"{minEvents}: {document.AverageBytes:N0} B ≤ {previous.AverageBytes:N0} B");
                Assert.True(document.RuPerWrite > previous.RuPerWrite, $"{minEvents}: {document.RuPerWrite:N2} RU ≤ {previous.RuPerWrite:N2}");
                Assert.True(progress.PeakRuPerSecond > previousRu, $"{minEvents}: {progress.PeakRuPerSecond:N0} RU/s ≤ {previousRu:N0}");
            }
            previous = document;
            previousRu = progress.PeakRuPerSecond;
        }

        // The average over a cycle, by hand at the reference point: writes of D(1,000), D(2,000) and D(3,000) pending
        // items and the sealed D(4,000), each priced by the size table.
        var reference = Model.Plan(ReferencePoint).Cosmos.ProgressDocument!;
        var byHand = new[] { 1_000, 2_000, 3_000, 4_000 }
            .Average(events => RequestUnitEstimator.Write((long)ProgressDocumentSize.Bytes(ReferencePoint, ZipfDistinct.Expected(events, 1_000_000))));
        Assert.Equal(byHand, reference.RuPerWrite, 9);
        Assert.Equal(ProgressDocumentSize.Bytes(ReferencePoint, ZipfDistinct.Expected(4_000, 1_000_000)), reference.SealedBytes, 6);
    }

    /// <summary>The reference point: 10 M users, 1 M items (Zipf), 32 partitions, 50,000/s sustained, 150,000/s peaks.</summary>
    private static readonly CapacityInputs ReferencePoint = new() { EventsPerSecond = 50_000, PeakFactor = 3, Users = 10_000_000, Items = 1_000_000, Partitions = 32 };

    /// <summary>
    /// The rollup design (<see cref="ItemDocumentRollupDesign"/>, the model's default) at the reference point: every
    /// design limit of the rollup design holds (entity state ≤ 1 MB, ≤ 100 operations/s per instance at peak, ≤ 0.01 signals per
    /// event, one document per leaderboard query, item stats one point read ≤ 8 KB), with the figures computed by hand.
    /// </summary>
    [Fact]
    public void Default_flush_max_age_keeps_cross_partition_answers_within_5_s_and_the_signal_budget_at_the_reference_point()
    {
        var plan = Model.Plan(ReferencePoint);
        Assert.Equal(2, new RollupOptions().FlushMaxAgeSeconds);
        Assert.Equal(2, new RollupOptions().ItemTailFlushSeconds);
        Assert.Equal(new RollupOptions().FlushMaxAgeSeconds, ReferencePoint.RollupFlushMaxAgeSeconds);
        Assert.Equal(new RollupOptions().ItemTailFlushSeconds, ReferencePoint.ItemFlushSignalDelaySeconds);
        Assert.Equal(new RollupOptions().ItemFlushMaxItems, ReferencePoint.ItemFlushMaxItems); // the model assumes the app's default
        foreach (var row in plan.FreshnessSustained.Concat(plan.FreshnessPeak))
        {
            output.WriteLine($"max age {row.FlushMaxAgeSeconds} s: totals ≤ {row.TotalsSeconds:N2} s, items ≤ {row.ItemsSeconds:N2} s, final ≤ {row.FinalAfterStopSeconds:N1} s; {row.SignalsPerEvent:F5} signals/event, globaltotals {row.GlobalTotalsOpsPerSecond:N1} ops/s, itemshard {row.ItemShardOpsPerSecond:N1} ops/s");
        }

        // The default: every cross-partition answer within 5 s under load and 15 s after the stream stops, inside the
        // entity budget, sustained and at peak.
        foreach (var row in new[] { plan.FreshnessSustained, plan.FreshnessPeak }.Select(rows => rows.Single(r => r.FlushMaxAgeSeconds == 2)))
        {
            Assert.InRange(row.TotalsSeconds, 0, row.ItemsSeconds);
            Assert.InRange(row.ItemsSeconds, 0, 5);
            Assert.InRange(row.FinalAfterStopSeconds, 0, 15);
            Assert.InRange(row.SignalsPerEvent, 0, AzureLimits.EntitySignalsPerEvent);
            Assert.InRange(row.GlobalTotalsOpsPerSecond, 0, AzureLimits.EntityOpsPerSecondPerInstance);
            Assert.InRange(row.ItemShardOpsPerSecond, 0, AzureLimits.EntityOpsPerSecondPerInstance);
        }
        // Why not 1 s: at the sustained rate a partition would seal ~1,560 events per flush, over the signal budget.
        Assert.True(plan.FreshnessSustained.Single(r => r.FlushMaxAgeSeconds == 1).SignalsPerEvent > AzureLimits.EntitySignalsPerEvent);
        // Longer ages trade freshness for fewer signals; at peak the count (FlushMinEvents) seals first whatever the age.
        var sustained = plan.FreshnessSustained.OrderBy(r => r.FlushMaxAgeSeconds).ToList();
        for (var i = 1; i < sustained.Count; i++)
        {
            Assert.True(sustained[i].TotalsSeconds >= sustained[i - 1].TotalsSeconds);
            Assert.True(sustained[i].SignalsPerEvent <= sustained[i - 1].SignalsPerEvent);
            Assert.True(sustained[i].FinalAfterStopSeconds > sustained[i - 1].FinalAfterStopSeconds);
        }
        Assert.Single(plan.FreshnessPeak.Select(r => Math.Round(r.SignalsPerEvent, 9)).Distinct());
    }

    [Fact]
    public void Reference_point_meets_every_issue_10_limit_with_the_item_document_design()
    {
        var plan = Model.Plan(ReferencePoint);
        Print(plan);

        Assert.Equal(new ItemDocumentRollupDesign().Name, plan.RollupDesign);
        var design = plan.Limits.Where(l => l.Kind == LimitKind.Design).ToList();
        Assert.Equal(7, design.Count); // 2 entities × (ops, state) + signals/event + leaderboard reads + item-stats bytes
        Assert.All(design, l => Assert.False(l.Exceeded, $"{l.Name}: {l.Demand:N4} > {l.Limit:N4} {l.Unit}"));

        var peak = plan.RollupsPeak;
        var shard = peak.Entities.Single(e => e.Entity == "itemshard");
        var global = peak.Entities.Single(e => e.Entity == "globaltotals");
        Assert.Equal(16, shard.Instances);
        // 150,000 / 32 = 4,687.5 events/s per partition → a flush every 4,000 events: 37.5 flushes/s, each touching all 16
        // shards (~2,400 distinct items per flush) → 37.5 apply signals/s per shard + ≤ 2 self flush signals per 2 s.
        Assert.Equal(38.5, shard.OpsPerSecondPerInstance, 1);
        Assert.Equal(37.5, global.OpsPerSecondPerInstance, 1);
        Assert.Equal(17.0 / 4000 + 16 * 1.0 / 150_000, peak.SignalsPerEvent, 5);
        Assert.InRange(shard.StateBytes, 100_000, AzureLimits.EntityStateBytes);
        Assert.Equal(1_024 + 32 * 48, global.StateBytes);
        // At peak a shard sees ~9,000 events/s over its 62,500 items: it collects 1,900 distinct items in < 1 s, so it
        // seals at ItemFlushMaxItems, not at ItemFlushSeconds.
        var buffers = peak.ItemShard!;
        Assert.InRange(buffers.FlushIntervalSeconds, 0.1, 0.99);
        Assert.InRange(buffers.ItemsPerFlush, 1_890, 1_910);
        Assert.Equal(32 * 48 + 2 * (1_900 + buffers.ItemsPerSignal) * 56, shard.StateBytes, 1);

        // Item document: 60 + 16 + 5 × 8 + 2 × 24 + 180 + 48 × (12 + 5 × 6) = 2,360 B; leaderboard document:
        // 240 + 16 × (24 + 100 × 30) = 48,624 B (16 + 32 = 48 sections while resharding to 32: 145,392 B).
        var documents = peak.Cosmos!;
        Assert.Equal(2_360, documents.ItemDocumentBytes);
        Assert.Equal(2_360, peak.ItemStatsReadBytes);
        Assert.Equal(48_624, documents.LeaderboardDocumentBytes);
        Assert.Equal(145_392, documents.LeaderboardDocumentBytesDuringReshard);
        Assert.Equal(1, peak.EntitiesReadPerLeaderboardQuery);
        Assert.Equal(documents.ItemWritesPerSecond, documents.ItemReadsPerSecond);
        Assert.Equal(16 * buffers.ItemsPerFlush / buffers.FlushIntervalSeconds, documents.ItemWritesPerSecond, 6);
        Assert.Equal(documents.ItemWritesPerSecond * (RequestUnitEstimator.Read(2_360) + RequestUnitEstimator.Write(2_360)), documents.ItemRuPerSecond, 6);

        // The rollup RU is part of the Cosmos plan and of the RU per event.
        var items = plan.Cosmos.Containers.Single(c => c.Container == "items");
        var leaderboards = plan.Cosmos.Containers.Single(c => c.Container == "leaderboards");
        Assert.Equal(documents.ItemRuPerSecond, items.PeakRuPerSecond, 6);
        Assert.Equal(documents.LeaderboardRuPerSecond, leaderboards.PeakRuPerSecond, 6);
        Assert.Equal(plan.Cosmos.Containers.Sum(c => c.PeakRuPerSecond) / 150_000, plan.RuPerEventPeak, 9);
        Assert.Equal(1e6 * 2_360 / 1e9 + 5 * 49 * 48_624 / 1e9, plan.Cosmos.RollupStorageGb, 6);

        // The progress container: 150 batches/s at peak, each rewriting its partition's progress document with the
        // pending delta of 1,000 to 3,000 events or the sealed one of 4,000 (~2,390 distinct items, ~226 KB): ~55 RU per
        // write on average by the size table → ~8,300 RU/s at peak, autoscale max 10,000 (at 5.84 RU per write it was
        // 876 RU/s and 1,000).
        var progress = plan.Cosmos.Containers.Single(c => c.Container == "progress");
        var progressDocument = plan.Cosmos.ProgressDocument!;
        Assert.Equal(4, progressDocument.WritesPerFlush);
        Assert.InRange(progressDocument.SealedBytes, 220_000, 232_000);
        Assert.InRange(progressDocument.RuPerWrite, 50, 60);
        Assert.Equal(150 * progressDocument.RuPerWrite, progress.PeakRuPerSecond, 6);
        Assert.Equal(10_000, progress.AutoscaleMaxRuPerSecond);
        Assert.False(plan.Limits.Single(l => l.Name == "Cosmos DB progress document size (sealing write)").Exceeded);

        // Which limit binds first. Among the rollup design limits: the leaderboard query's reads (1 of 2), ahead of signals per
        // event (17 / 4,000 = 0.0043 of 0.01, 43 %). Overall: the 32 partitions the reference point fixes carry 32 × 2,174
        // events/s (one bench-measured 1-vCPU instance each) < 150,000/s (the planner alone would choose 88). The Azure
        // Storage provider's documented 64 operations/s for one entity is above the 37.7 operations/s every shard (and
        // globaltotals 37.5) receives at peak (at the former default of 2,000 events per flush: 75.2, exceeded).
        output.WriteLine($"binds first: {plan.BindingLimit.Name} ({plan.BindingLimit.Utilization:P0}); among the rollup design limits: {plan.BindingDesignLimit.Name} ({plan.BindingDesignLimit.Utilization:P0})");
        Assert.Equal("Entities or documents read per leaderboard query", plan.BindingDesignLimit.Name);
        Assert.Equal(0.5, plan.BindingDesignLimit.Utilization, 6);
        Assert.Equal("Functions: events/s the partitions' instances carry", plan.BindingLimit.Name);
        Assert.False(plan.Limits.Single(l => l.Name == "Entity itemshard: documented single-entity throughput").Exceeded);
        Assert.False(plan.Limits.Single(l => l.Name == "Entity globaltotals: documented single-entity throughput").Exceeded);
    }

    /// <summary>The test above fails when a limit is exceeded: settings that break one of the rollup design limits are reported
    /// exceeded and name that limit as the one that binds first.</summary>
    [Theory]
    [InlineData("256 shards", "Entity signals per event")] // all 256 shards touched per 4,000-event flush: 0.064 signals/event
    [InlineData("1,000-event partition flushes", "Entity signals per event")] // 17 / 1,000 = 0.017 (and 150 ops/s per shard)
    [InlineData("2 shards, 1,000-event partition flushes", "Entity itemshard: operations per instance")] // 150 flushes/s, each touching both shards
    [InlineData("60 s item flushes without an item cap", "Entity itemshard: state per instance")] // ~46,000 items per buffer × 56 B × 2
    public void A_setting_that_breaks_a_limit_is_reported_exceeded_and_binding(string change, string limit)
    {
        var inputs = change switch
        {
            "256 shards" => ReferencePoint with { RollupShardCount = 256 },
            "1,000-event partition flushes" => ReferencePoint with { RollupFlushMinEvents = 1_000 },
            "2 shards, 1,000-event partition flushes" => ReferencePoint with { RollupShardCount = 2, RollupFlushMinEvents = 1_000 },
            _ => ReferencePoint with { ItemFlushSeconds = 60, ItemFlushMaxItems = 1_000_000 },
        };
        var plan = Model.Plan(inputs);
        Print(plan);

        var broken = plan.Limits.Single(l => l.Name == limit);
        Assert.True(broken.Exceeded, $"{broken.Name}: {broken.Demand:N4} / {broken.Limit:N4}");
        Assert.Equal(limit, plan.BindingDesignLimit.Name);
    }

    [Fact]
    public void Leaderboard_documents_with_both_generations_of_a_large_reshard_exceed_the_cosmos_item_limit()
    {
        // Top-1,000 sections of 30,024 B: 16 sections = 480 KB; resharding 16 → 128 holds 144 sections = 4.3 MB > 2 MB.
        var plan = Model.Plan(ReferencePoint with { LeaderboardSize = 1_000, ReshardShardCount = 128 });

        Assert.False(plan.Limits.Single(l => l.Name == "Cosmos DB leaderboard document size").Exceeded);
        var resharding = plan.Limits.Single(l => l.Name == "Cosmos DB leaderboard document size while resharding 16 → 128");
        Assert.True(resharding.Exceeded);
        Assert.Equal(240 + 144 * (24 + 1_000 * 30), resharding.Demand);
    }

    [Fact]
    public void Item_writes_follow_the_distinct_items_of_a_flush_interval()
    {
        // With no item cap, a shard seals every ItemFlushSeconds: the items written per second are the distinct items
        // of all events of one interval (Zipf), whatever the shard count.
        foreach (var shards in new[] { 4, 16, 64 })
        {
            var inputs = ReferencePoint with { RollupShardCount = shards, ItemFlushMaxItems = int.MaxValue, ItemFlushSeconds = 2 };
            var traffic = CapacityModel.Traffic(inputs, 50_000, 32);
            var load = new ItemDocumentRollupDesign().Evaluate(inputs, traffic);
            Assert.Equal(2, load.ItemShard!.FlushIntervalSeconds);
            Assert.Equal(ZipfDistinct.Expected(100_000, 1_000_000) / 2, load.Cosmos!.ItemWritesPerSecond, 6);
        }

        // A longer interval writes fewer items per second (more events per item) and holds more per shard.
        var oneSecond = new ItemDocumentRollupDesign().Evaluate(ReferencePoint with { ItemFlushMaxItems = int.MaxValue }, CapacityModel.Traffic(ReferencePoint, 50_000, 32));
        var tenSeconds = new ItemDocumentRollupDesign().Evaluate(ReferencePoint with { ItemFlushMaxItems = int.MaxValue, ItemFlushSeconds = 10 }, CapacityModel.Traffic(ReferencePoint, 50_000, 32));
        // ...but not much fewer: most distinct items of the Zipf tail have one event in either interval.
        Assert.InRange(tenSeconds.Cosmos!.ItemWritesPerSecond / oneSecond.Cosmos!.ItemWritesPerSecond, 0.5, 0.9);
        Assert.True(tenSeconds.Entities[0].StateBytes > oneSecond.Entities[0].StateBytes * 5);
    }

    private void Print(CapacityPlan plan)
    {
        var p = plan.RollupsPeak;
        output.WriteLine($"{plan.RollupDesign}; peak {plan.Peak.EventsPerSecond:N0}/s, {plan.EventHubs.Partitions} partitions");
        foreach (var entity in p.Entities)
        {
            output.WriteLine($"{entity.Entity} ×{entity.Instances}: state {entity.StateBytes:N0} B ({entity.StateNote}); {entity.OpsPerSecondPerInstance:N2} ops/s each at peak");
        }
        output.WriteLine($"signals/event {p.SignalsPerEvent:F5}; task hub storage {plan.Storage.Peak.Total:N0} ops/s at peak; leaderboard query reads {p.EntitiesReadPerLeaderboardQuery}; item stats {p.ItemStatsReadBytes:N0} B");
        if (p.ItemShard is { } b)
        {
            output.WriteLine($"itemshard seals every {b.FlushIntervalSeconds:N3} s, {b.ItemsPerFlush:N0} items (+{b.ItemsPerSignal:N0} per signal); pending ≤ {b.PendingBytes:N0} B, sealed ≤ {b.SealedBytes:N0} B, applied {b.AppliedRangesBytes:N0} B; {b.CosmosOperationsPerSecond:N0} Cosmos ops/s per shard");
        }
        if (p.Cosmos is { } c)
        {
            output.WriteLine($"items: {c.ItemWritesPerSecond:N0} writes/s + {c.ItemReadsPerSecond:N0} reads/s = {c.ItemRuPerSecond:N0} RU/s ({c.ItemDocumentBytes:N0} B documents); leaderboards: {c.LeaderboardWritesPerSecond:N0} writes/s + reads = {c.LeaderboardRuPerSecond:N0} RU/s ({c.LeaderboardDocumentBytes:N0} B, {c.LeaderboardDocumentBytesDuringReshard:N0} B resharding); hottest leaderboard document {c.HottestLeaderboardDocumentRuPerSecond:N0} RU/s; storage {c.StorageBytes / 1e9:N2} GB");
        }
        foreach (var container in plan.Cosmos.Containers) output.WriteLine($"  Cosmos {container.Container}: {container.SustainedRuPerSecond:N0} RU/s sustained, {container.PeakRuPerSecond:N0} peak, autoscale max {container.AutoscaleMaxRuPerSecond:N0}");
        output.WriteLine($"cost ${plan.Cost.Total:N0}/month; binding: {plan.BindingLimit.Name} ({plan.BindingLimit.Utilization:P0})");
        foreach (var limit in plan.Limits.OrderByDescending(l => l.Utilization)) output.WriteLine($"  {limit.Name}: {limit.Demand:N4} / {limit.Limit:N4} {limit.Unit} → {(limit.Exceeded ? "EXCEEDED" : "ok")}");
    }

    [Fact]
    public void Zipf_distinct_keys_agree_with_a_direct_sum()
    {
        foreach (var (draws, keys) in new[] { (1_000.0, 6_250L), (2_000.0, 1_000_000L), (180e6, 1_000_000L), (1_000.0, 312_500L) })
        {
            var norm = 0.0;
            for (long k = 1; k <= keys; k++) norm += 1.0 / k;
            var direct = 0.0;
            for (long k = 1; k <= keys; k++) direct += 1 - Math.Pow(1 - 1.0 / (k * norm), draws);
            Assert.Equal(direct, ZipfDistinct.Expected(draws, keys), direct * 1e-3);
        }
    }

    [Fact]
    public void Invalid_inputs_are_rejected_with_one_line()
    {
        Assert.Contains("--events-per-second", new CapacityInputs { EventsPerSecond = 0 }.Validate(), StringComparison.Ordinal);
        Assert.Contains("Standard allows at most 32", new CapacityInputs { EventsPerSecond = 1, Partitions = 64, Tier = EventHubsTier.Standard }.Validate(), StringComparison.Ordinal);
        Assert.Contains("512, 2048 or 4096", new CapacityInputs { EventsPerSecond = 1, InstanceMemoryMb = 1024 }.Validate(), StringComparison.Ordinal);
        Assert.Contains("Rollups:ItemFlushSeconds must be > 0", new CapacityInputs { EventsPerSecond = 1, ItemFlushSeconds = 0 }.Validate(), StringComparison.Ordinal);
        Assert.Contains("Rollups:ItemFlushMaxItems must be >= 1", new CapacityInputs { EventsPerSecond = 1, ItemFlushMaxItems = 0 }.Validate(), StringComparison.Ordinal);
        Assert.Contains("reshard target must be 1..1024", new CapacityInputs { EventsPerSecond = 1, ReshardShardCount = 2048 }.Validate(), StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => Model.Plan(new CapacityInputs { EventsPerSecond = -1 }));
    }

    /// <summary>The bench's workload: 50,000 users, 5,000 items, 8 local partitions, full batches of 1,000 (the
    /// unthrottled phase), one busy pump per partition priced like one 2,048 MB instance.</summary>
    private static CapacityInputs BenchWorkload(MeasuredFigures measured) => new()
    {
        EventsPerSecond = measured.EventsPerSecond,
        PeakFactor = 1,
        Users = measured.Users,
        Items = measured.Items,
        Partitions = measured.Partitions,
        Tier = EventHubsTier.Standard,
        MaxBatchSize = measured.BatchSize,
        FreshnessMs = 10_000,
        // The calibration run (docs/bench-results-2026-11-27.json) ran at the defaults of its day, Rollups:FlushMinEvents 2,000
        // and FlushMaxAgeSeconds 5 (its 544 events/s per partition fill 2,000 events before the 5 s age), and one
        // delayed item-shard flush per 5 s (the model's 2 per delay: 10): a run at today's defaults replaces these.
        RollupFlushMinEvents = 2_000,
        RollupFlushMaxAgeSeconds = 5,
        ItemFlushSignalDelaySeconds = 10,
        InstanceMemoryMb = 2_048,
        EventsPerSecondPerInstance = measured.EventsPerSecondPerLocalPump,
    };

    /// <summary>The bench run the planner is calibrated on (docs/bench-results-2026-11-27.json of this checkout); calibrating
    /// on a newer run is a deliberate step: these agreement tests then say whether the model still matches it.</summary>
    private static MeasuredFigures BenchResults()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            var file = Path.Combine(directory.FullName, "docs", MeasuredFigures.CalibrationFile);
            if (File.Exists(file)) return MeasuredFigures.FromBenchJson(File.ReadAllText(file));
        }
        throw new FileNotFoundException($"docs/{MeasuredFigures.CalibrationFile} not found above the test directory.");
    }
}
