using TreasureHunt.Core.Costs;
using TreasureHunt.Core.Groups;

namespace TreasureHunt.Capacity;

/// <summary>
/// The capacity and cost model: from traffic inputs to Event Hubs tier/units/partitions, Cosmos DB mode and RU/s per
/// container, Flex Consumption memory and instances, the durable task hub's storage operations, entity figures of the
/// rollup design, $ per month by meter, and every limit checked at the peak. Host-neutral (used by <c>./th plan</c>
/// and by the tests); Azure's limits are in <see cref="AzureLimits"/>, per-event figures in <see cref="MeasuredFigures"/>,
/// prices in <see cref="PriceTable"/>, the rollup design's quantities in <see cref="IRollupCapacityDesign"/>.
/// </summary>
public sealed class CapacityModel(MeasuredFigures measured, PriceTable prices, IRollupCapacityDesign? rollupDesign = null)
{
    /// <summary>Hours in a billing month (Azure pricing pages use 730).</summary>
    public const double HoursPerMonth = 730;

    /// <summary>Instances are planned for at most this utilization at peak (headroom for rebalancing and retries).</summary>
    public const double TargetInstanceUtilization = 0.8;

    /// <summary>Event Hubs units are planned for at most this utilization at peak.</summary>
    public const double TargetUnitUtilization = 0.9;

    /// <summary>Retention the planner writes (hours).</summary>
    public const int PlannedRetentionHours = 72;

    // Durable task hub on Azure Storage (https://learn.microsoft.com/azure/azure-functions/durable/durable-functions-azure-storage-provider):
    // entity operations travel as messages on the control queues; each execution reads and appends the instance's
    // history (History table, partitioned by instance id) and updates the Instances table; large state goes to blobs.
    // The per-operation counts below are this model's reading of that design, not published figures.

    /// <summary>Queue operations per entity signal on the Azure Storage backend: the sender's put, the receiver's get and delete.</summary>
    public const double QueueOpsPerSignal = 3;

    /// <summary>Table operations per entity batch: read the history, append it (one entity-group transaction), update the instance row.</summary>
    public const double TableOpsPerEntityBatch = 3;

    /// <summary>Blob operations per entity batch when the state is larger than <see cref="AzureLimits.DurableLargeMessageBytes"/>: read and write.</summary>
    public const double BlobOpsPerLargeEntityBatch = 2;

    /// <summary>The Event Hubs trigger checkpoints once per batch (host.json batchCheckpointFrequency 1): one blob write.</summary>
    public const double BlobOpsPerCheckpoint = 1;

    public MeasuredFigures Measured { get; } = measured ?? throw new ArgumentNullException(nameof(measured));
    public PriceTable Prices { get; } = prices ?? throw new ArgumentNullException(nameof(prices));
    /// <summary>The rollup design modeled: the <see cref="ItemDocumentRollupDesign"/> unless another is given.</summary>
    public IRollupCapacityDesign RollupDesign { get; } = rollupDesign ?? new ItemDocumentRollupDesign();

    public CapacityPlan Plan(CapacityInputs inputs)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        if (inputs.Validate() is { } error) throw new ArgumentException(error, nameof(inputs));

        var vcpu = AzureLimits.FlexInstanceSizes.First(s => s.MemoryMb == inputs.InstanceMemoryMb).Vcpu;
        var perInstance = inputs.EventsPerSecondPerInstance ?? Measured.EventsPerSecondPerVcpu * vcpu;
        var peakRate = inputs.PeakEventsPerSecond;
        var eventHubs = PlanEventHubs(inputs, peakRate, perInstance);
        var partitions = eventHubs.Partitions;

        var sustained = Traffic(inputs, inputs.EventsPerSecond, partitions);
        var peak = Traffic(inputs, peakRate, partitions);
        var rollupsSustained = RollupDesign.Evaluate(inputs, sustained);
        var rollupsPeak = RollupDesign.Evaluate(inputs, peak);

        // ---- Cosmos DB: one write per touched user per batch (users), one progress write per batch (a batch that seals
        // its rollup sends it after that write, and the next batch's write clears it), and the rollup
        // design's item and leaderboard documents (items, leaderboards) when it writes any. A user write costs the
        // bench's RU per store write; a progress write costs what its document's size costs (it carries the pending
        // rollup delta, up to a flush's distinct items: ProgressDocumentSize).
        // (The bench's RU per store write blends in its own progress writes, one per 1,000-event batch: ~0.02 of its
        // 2.39 RU per event at today's size table, and less at the estimator it ran with; left in, so users are priced
        // up to ~1 % high.)
        var ruPerWrite = Measured.RuPerStoreWrite;
        var progressSustained = ProgressDocumentSize.At(inputs, sustained);
        var progressPeak = ProgressDocumentSize.At(inputs, peak);
        double UsersRu(TrafficPoint t) => t.EventsPerSecond * t.UserWritesPerEvent * ruPerWrite;
        static double ProgressRu(TrafficPoint t, ProgressDocumentSize document) => t.BatchesPerSecond * document.RuPerWrite;
        var containers = new List<CosmosContainerPlan>
        {
            Container("users", UsersRu(sustained), UsersRu(peak)),
            Container("progress", ProgressRu(sustained, progressSustained), ProgressRu(peak, progressPeak)),
        };
        if (rollupsSustained.Cosmos is { } itemsSustained && rollupsPeak.Cosmos is { } itemsPeak)
        {
            containers.Add(Container("items", itemsSustained.ItemRuPerSecond, itemsPeak.ItemRuPerSecond));
            containers.Add(Container("leaderboards", itemsSustained.LeaderboardRuPerSecond, itemsPeak.LeaderboardRuPerSecond));
        }
        var ruPerEventSustained = containers.Sum(c => c.SustainedRuPerSecond) / inputs.EventsPerSecond;
        var ruPerEventPeak = containers.Sum(c => c.PeakRuPerSecond) / peakRate;
        var userDocumentBytes = DocumentBytesForWriteRu(ruPerWrite);
        var rollupStorageGb = (rollupsSustained.Cosmos?.StorageBytes ?? 0) / 1e9;
        var storageGb = inputs.Users * userDocumentBytes / 1e9 + rollupStorageGb;
        var serverlessFits = containers.All(c => c.PeakRuPerSecond <= AzureLimits.CosmosServerlessRuPerSecondPerContainer);
        var serverlessUsd = ServerlessRuUsd(containers.Sum(c => c.SustainedRuPerSecond));
        var autoscaleUsd = containers.Sum(c => AutoscaleUsd(inputs, c));
        var cosmos = new CosmosPlan(serverlessFits && serverlessUsd <= autoscaleUsd, containers, storageGb, userDocumentBytes, rollupStorageGb, progressPeak);

        // ---- Functions (Flex Consumption): the Event Hubs trigger runs one instance per partition at most.
        var instancesAtPeak = (int)Math.Ceiling(peakRate / perInstance);
        var maxInstances = (int)Math.Clamp(Math.Ceiling((Math.Max(partitions, instancesAtPeak) + 10) / 10.0) * 10,
            AzureLimits.FlexMinMaximumInstanceCount, AzureLimits.FlexMaxInstanceCount);
        double Executions(TrafficPoint t, RollupLoad r) => t.BatchesPerSecond + r.FlushesPerSecond + r.SignalsPerSecond;
        var functions = new FunctionsPlan(inputs.InstanceMemoryMb, vcpu, perInstance, instancesAtPeak, maxInstances,
            Executions(sustained, rollupsSustained), inputs.EventsPerSecond / perInstance * inputs.InstanceMemoryMb / 1024.0);

        // ---- The task hub's storage account (and the app's tables and checkpoints on the same account).
        StorageOps Ops(TrafficPoint t, RollupLoad r)
        {
            var entityBatches = r.SignalsPerSecond; // conservative: one signal per entity batch
            var largeBatches = r.Entities.Where(e => e.StateBytes > AzureLimits.DurableLargeMessageBytes).Sum(e => e.Instances * e.OpsPerSecondPerInstance);
            var ledgerRows = Executions(t, r);
            return new StorageOps(
                QueueOps: r.SignalsPerSecond * QueueOpsPerSignal,
                TableOps: entityBatches * TableOpsPerEntityBatch + ledgerRows / inputs.LedgerRowsPerTransaction,
                BlobOps: largeBatches * BlobOpsPerLargeEntityBatch + t.BatchesPerSecond * BlobOpsPerCheckpoint);
        }
        var storage = new TaskHubStoragePlan(Ops(sustained, rollupsSustained), Ops(peak, rollupsPeak), Executions(peak, rollupsPeak));

        var cost = Cost(inputs, eventHubs, cosmos, functions, storage, serverlessUsd, autoscaleUsd, storageGb);
        var limits = Limits(inputs, eventHubs, cosmos, functions, storage, peak, rollupsPeak, perInstance);
        return new CapacityPlan(inputs, RollupDesign.Name, sustained, peak, ruPerEventSustained, ruPerEventPeak, eventHubs, cosmos,
            functions, storage, rollupsSustained, rollupsPeak, cost, limits)
        {
            FreshnessSustained = RollupFreshness.Tradeoff(inputs, sustained, RollupDesign),
            FreshnessPeak = RollupFreshness.Tradeoff(inputs, peak, RollupDesign),
        };
    }

    /// <summary>Batch size, batches/s and user writes per event at one rate. A partition's batch is what arrives in half
    /// the freshness budget, capped at maxEventBatchSize. Users are spread over partitions by the hash of userId, so the
    /// partitions' batches of one batch interval hold disjoint users: the users written per interval are the Zipf-expected
    /// distinct users among all partitions' events of that interval (batch × partitions draws over all users).</summary>
    public static TrafficPoint Traffic(CapacityInputs inputs, double eventsPerSecond, int partitions)
    {
        var perPartition = eventsPerSecond / partitions;
        var batch = Math.Clamp(perPartition * inputs.FreshnessMs / 2000.0, 1, inputs.MaxBatchSize);
        var draws = batch * partitions;
        var distinct = ZipfDistinct.Expected(draws, inputs.Users, inputs.ZipfExponent);
        return new TrafficPoint(eventsPerSecond, partitions, perPartition, batch, eventsPerSecond / batch, distinct / draws);
    }

    private EventHubsPlan PlanEventHubs(CapacityInputs inputs, double peakRate, double perInstance)
    {
        var peakBytes = peakRate * Measured.EventBytes;
        var computePartitions = (int)Math.Ceiling(peakRate / (perInstance * TargetInstanceUtilization));

        int StandardPartitions() => Math.Max(computePartitions, (int)Math.Ceiling(peakRate / (AzureLimits.StandardEventsPerSecondPerPartition * TargetUnitUtilization)));
        int StandardUnits() => (int)Math.Ceiling(Math.Max(peakRate / AzureLimits.StandardEventsPerSecondPerTu, peakBytes / AzureLimits.StandardBytesPerSecondPerTu) / TargetUnitUtilization);
        int PremiumUnits(int partitions)
        {
            var needed = Math.Max(Math.Ceiling(peakBytes / AzureLimits.PremiumBytesPerSecondPerPu / TargetUnitUtilization), Math.Ceiling((double)partitions / AzureLimits.PremiumPartitionsPerPu));
            return AzureLimits.PremiumProcessingUnitSteps.FirstOrDefault(step => step >= needed, (int)needed);
        }
        int DedicatedUnits() => (int)Math.Ceiling(peakBytes / AzureLimits.DedicatedBytesPerSecondPerCu / TargetUnitUtilization);

        EventHubsPlan Build(EventHubsTier tier)
        {
            var maxPartitions = MaxPartitions(tier);
            // Premium and Dedicated (chosen when Standard cannot carry the peak) get at least Standard's maximum: the count
            // is fixed once the hub exists and costs nothing there, so a bigger plan never has fewer partitions.
            var wanted = tier == EventHubsTier.Standard ? StandardPartitions() : Math.Max(AzureLimits.StandardMaxPartitions, computePartitions);
            var partitions = inputs.Partitions ?? Math.Min(maxPartitions, RoundUp(Math.Max(4, wanted), 4));
            return tier switch
            {
                EventHubsTier.Standard => new EventHubsPlan(tier, Math.Max(1, StandardUnits()), "throughput units", partitions, PlannedRetentionHours, inputs.Capture, peakBytes),
                EventHubsTier.Premium => new EventHubsPlan(tier, PremiumUnits(partitions), "processing units", partitions, PlannedRetentionHours, inputs.Capture, peakBytes),
                _ => new EventHubsPlan(tier, Math.Max(1, DedicatedUnits()), "capacity units", partitions, PlannedRetentionHours, inputs.Capture, peakBytes),
            };
        }

        // A tier fits when its units carry the peak and, unless the partitions were given, its partitions let the
        // instances carry it (given partitions that are too few show as an exceeded limit, whatever the tier).
        bool Fits(EventHubsPlan plan) => (inputs.Partitions is not null || plan.Partitions >= computePartitions) && plan.Tier switch
        {
            EventHubsTier.Standard => plan.Units <= AzureLimits.StandardMaxThroughputUnits && plan.Partitions >= StandardPartitions() && plan.Partitions <= AzureLimits.StandardMaxPartitions,
            EventHubsTier.Premium => plan.Units <= AzureLimits.PremiumProcessingUnitSteps[^1] && plan.Partitions <= AzureLimits.PremiumMaxPartitions,
            _ => plan.Units <= AzureLimits.DedicatedMaxCapacityUnits,
        };

        if (inputs.Tier is { } fixedTier) return Build(fixedTier);
        foreach (var tier in new[] { EventHubsTier.Standard, EventHubsTier.Premium, EventHubsTier.Dedicated })
        {
            if (inputs.Partitions > MaxPartitions(tier)) continue;
            var plan = Build(tier);
            if (Fits(plan)) return plan;
        }
        return Build(EventHubsTier.Dedicated);
    }

    public static int MaxPartitions(EventHubsTier tier) => tier switch
    {
        EventHubsTier.Standard => AzureLimits.StandardMaxPartitions,
        EventHubsTier.Premium => AzureLimits.PremiumMaxPartitions,
        _ => AzureLimits.DedicatedMaxPartitions,
    };

    private static int RoundUp(int value, int step) => (value + step - 1) / step * step;

    /// <summary>Autoscale maximum: the peak at <see cref="TargetUnitUtilization"/>, rounded up to the 1,000 RU/s step.</summary>
    private static CosmosContainerPlan Container(string name, double sustained, double peak) =>
        new(name, sustained, peak, (int)Math.Clamp(Math.Ceiling(peak / TargetUnitUtilization / AzureLimits.CosmosAutoscaleStep) * AzureLimits.CosmosAutoscaleStep,
            AzureLimits.CosmosAutoscaleMinimumMax, AzureLimits.CosmosAutoscaleMaxPerContainer));

    /// <summary>The document size whose write the RU estimator prices at <paramref name="ru"/> (inverse of
    /// <see cref="RequestUnitEstimator.Write"/>, by bisection): the size implied by the measured RU per write.</summary>
    public static double DocumentBytesForWriteRu(double ru)
    {
        double lo = 1, hi = 2_000_000;
        if (RequestUnitEstimator.Write((long)lo) >= ru) return 1024;
        for (var i = 0; i < 60; i++)
        {
            var mid = (lo + hi) / 2;
            if (RequestUnitEstimator.Write((long)mid) < ru) lo = mid; else hi = mid;
        }
        return Math.Max(1024, hi);
    }

    private decimal ServerlessRuUsd(double ruPerSecond) =>
        (decimal)(ruPerSecond * 3600 * HoursPerMonth / 1e6) * Prices.CosmosUsdPerMillionRu;

    /// <summary>Autoscale bills each hour at the highest RU/s reached (≥ 10 % of the maximum): peak hours at the maximum,
    /// the others at the sustained rate.</summary>
    private decimal AutoscaleUsd(CapacityInputs inputs, CosmosContainerPlan container)
    {
        var floor = container.AutoscaleMaxRuPerSecond * AzureLimits.CosmosAutoscaleFloorFraction;
        var peakHours = HoursPerMonth * inputs.PeakHoursPerDay / 24;
        var ruHours = peakHours * container.AutoscaleMaxRuPerSecond + (HoursPerMonth - peakHours) * Math.Max(floor, container.SustainedRuPerSecond);
        return (decimal)(ruHours / 100) * Prices.CosmosAutoscaleUsdPer100RuPerSecondHour;
    }

    private MonthlyCost Cost(CapacityInputs inputs, EventHubsPlan eventHubs, CosmosPlan cosmos, FunctionsPlan functions, TaskHubStoragePlan storage,
        decimal serverlessUsd, decimal autoscaleUsd, double storageGb)
    {
        var seconds = HoursPerMonth * 3600;
        var events = inputs.EventsPerSecond * seconds;
        var hours = (decimal)HoursPerMonth;
        var lines = new List<CostLine>
        {
            new("Functions compute", $"{functions.BilledGbSecondsPerSecond:N2} GB-s/s × {seconds:N0} s",
                (decimal)(functions.BilledGbSecondsPerSecond * seconds) * Prices.ComputeUsdPerGbSecond),
            new("Functions executions", $"{functions.ExecutionsPerSecond:N1}/s", (decimal)(functions.ExecutionsPerSecond * seconds / 1e6) * Prices.ExecutionsUsdPerMillion),
            cosmos.Serverless
                ? new("Cosmos DB RU (serverless)", $"{cosmos.Containers.Sum(c => c.SustainedRuPerSecond):N0} RU/s", serverlessUsd)
                : new("Cosmos DB autoscale", string.Join(" + ", cosmos.Containers.Select(c => $"{c.Container} max {c.AutoscaleMaxRuPerSecond:N0}")) + $" RU/s, {inputs.PeakHoursPerDay:0.#} h/day at max", autoscaleUsd),
            new("Cosmos DB storage", $"{storageGb:N1} GB", (decimal)storageGb * Prices.CosmosStorageUsdPerGbMonth),
        };
        switch (eventHubs.Tier)
        {
            case EventHubsTier.Standard:
                lines.Add(new("Event Hubs throughput units", $"{eventHubs.Units} TU × {HoursPerMonth} h", eventHubs.Units * hours * Prices.EventHubsStandardUsdPerTuHour));
                lines.Add(new("Event Hubs ingress", $"{events / 1e6:N0} M events", (decimal)(events / 1e6) * Prices.EventHubsUsdPerMillionEvents));
                if (eventHubs.Capture) lines.Add(new("Event Hubs Capture", $"{eventHubs.Units} TU × {HoursPerMonth} h", eventHubs.Units * hours * Prices.EventHubsCaptureUsdPerTuHour));
                break;
            case EventHubsTier.Premium:
                lines.Add(new("Event Hubs processing units", $"{eventHubs.Units} PU × {HoursPerMonth} h (ingress{(eventHubs.Capture ? ", capture" : "")} included)", eventHubs.Units * hours * Prices.EventHubsPremiumUsdPerPuHour));
                break;
            default:
                lines.Add(new("Event Hubs Dedicated", $"{eventHubs.Units} CU × {HoursPerMonth} h", eventHubs.Units * hours * Prices.EventHubsDedicatedUsdPerCuHour));
                break;
        }
        lines.Add(new("Storage transactions", $"{storage.Sustained.Total:N0} ops/s", (decimal)(storage.Sustained.Total * seconds / 10_000) * Prices.StorageUsdPer10kTransactions));

        // What the per-invocation ledger would price for the same traffic (compute, executions, RU at the serverless
        // price, ingress): comparable with ./th bench's usdPerMillionEvents.
        var ledger = lines[0].UsdPerMonth + lines[1].UsdPerMonth + serverlessUsd + (decimal)(events / 1e6) * Prices.EventHubsUsdPerMillionEvents;
        return new MonthlyCost(lines, events, events <= 0 ? 0 : ledger / (decimal)events * 1_000_000m);
    }

    private List<LimitCheck> Limits(CapacityInputs inputs, EventHubsPlan eh, CosmosPlan cosmos, FunctionsPlan functions, TaskHubStoragePlan storage,
        TrafficPoint peak, RollupLoad rollups, double perInstance)
    {
        const string EhQuotas = "learn.microsoft.com/azure/event-hubs/event-hubs-quotas";
        var peakRate = peak.EventsPerSecond;
        var limits = new List<LimitCheck>();
        switch (eh.Tier)
        {
            case EventHubsTier.Standard:
                limits.Add(new("Event Hubs ingress (throughput units)", LimitKind.Service, peakRate,
                    Math.Min(eh.Units * AzureLimits.StandardEventsPerSecondPerTu, eh.Units * AzureLimits.StandardBytesPerSecondPerTu / Measured.EventBytes), "events/s",
                    "1 TU = 1,000 events/s or 1 MB/s: event-hubs-scalability"));
                limits.Add(new("Event Hubs ingress per partition", LimitKind.Service, peakRate / eh.Partitions, AzureLimits.StandardEventsPerSecondPerPartition, "events/s",
                    "a Standard partition carries about 1 TU: event-hubs-scalability"));
                limits.Add(new("Event Hubs Standard throughput units", LimitKind.Service, eh.Units, AzureLimits.StandardMaxThroughputUnits, "TU", EhQuotas));
                limits.Add(new("Event Hubs Standard partitions", LimitKind.Service, eh.Partitions, AzureLimits.StandardMaxPartitions, "partitions", EhQuotas));
                break;
            case EventHubsTier.Premium:
                limits.Add(new("Event Hubs ingress (processing units)", LimitKind.Service, eh.PeakIngressBytesPerSecond / 1e6,
                    eh.Units * AzureLimits.PremiumBytesPerSecondPerPu / 1e6, "MB/s", "5-10 MB/s per PU (lower bound): event-hubs-premium-overview"));
                limits.Add(new("Event Hubs Premium processing units", LimitKind.Service, eh.Units, AzureLimits.PremiumProcessingUnitSteps[^1], "PU", EhQuotas));
                limits.Add(new("Event Hubs Premium partitions", LimitKind.Service, eh.Partitions, AzureLimits.PremiumMaxPartitions, "partitions", EhQuotas));
                break;
            default:
                limits.Add(new("Event Hubs ingress (capacity units)", LimitKind.Service, eh.PeakIngressBytesPerSecond / 1e6,
                    eh.Units * AzureLimits.DedicatedBytesPerSecondPerCu / 1e6, "MB/s", "~100 MB/s per CU (assumption): event-hubs-dedicated-overview"));
                limits.Add(new("Event Hubs Dedicated capacity units", LimitKind.Service, eh.Units, AzureLimits.DedicatedMaxCapacityUnits, "CU", "event-hubs-dedicated-overview"));
                break;
        }
        limits.Add(new("Functions: events/s the partitions' instances carry", LimitKind.Service, peakRate, eh.Partitions * perInstance, "events/s",
            $"1 instance per partition (functions-bindings-event-hubs-trigger) × {perInstance:N0} events/s per instance (bench)"));
        limits.Add(new("Functions maximum instance count", LimitKind.Service, functions.InstancesAtPeak, functions.MaximumInstanceCount, "instances", "flex-consumption-plan"));
        foreach (var container in cosmos.Containers)
        {
            limits.Add(cosmos.Serverless
                ? new($"Cosmos DB {container.Container} RU/s (serverless)", LimitKind.Service, container.PeakRuPerSecond, AzureLimits.CosmosServerlessRuPerSecondPerContainer, "RU/s",
                    "5,000 RU/s per serverless container: cosmos-db/serverless-performance")
                : new($"Cosmos DB {container.Container} RU/s (autoscale max)", LimitKind.Service, container.PeakRuPerSecond, container.AutoscaleMaxRuPerSecond, "RU/s",
                    "autoscale maximum planned from the peak: cosmos-db/provision-throughput-autoscale"));
        }
        limits.Add(new("Storage account operations (task hub, checkpoints, ledger)", LimitKind.Service, storage.Peak.Total, AzureLimits.StorageAccountOpsPerSecond, "ops/s",
            "20,000 requests/s per account: storage/tables/scalability-targets"));
        limits.Add(new("Cost ledger rows per table partition (one partition per hour)", LimitKind.Service, storage.LedgerRowsPerSecondAtPeak, AzureLimits.StorageTablePartitionOpsPerSecond, "entities/s",
            "2,000 entities/s per table partition: storage/tables/scalability-targets"));
        foreach (var entity in rollups.Entities)
        {
            limits.Add(new($"Entity {entity.Entity}: operations per instance", LimitKind.Design, entity.OpsPerSecondPerInstance, AzureLimits.EntityOpsPerSecondPerInstance, "ops/s",
                "design limit; durable-functions-perf-and-scale: tens to low hundreds per entity"));
            limits.Add(new($"Entity {entity.Entity}: documented single-entity throughput", LimitKind.Service, entity.OpsPerSecondPerInstance, AzureLimits.DocumentedEntityOpsPerSecond, "ops/s",
                "64 operations/s on one A1 VM: durable-functions-azure-storage-provider, Performance targets (controlQueueBufferThreshold raises it)"));
            limits.Add(new($"Entity {entity.Entity}: state per instance", LimitKind.Design, entity.StateBytes, AzureLimits.EntityStateBytes, "bytes", "design limit (≤ 1 MB)"));
            limits.Add(new($"Entity {entity.Entity}: task-hub history partition", LimitKind.Service, entity.OpsPerSecondPerInstance * TableOpsPerEntityBatch,
                AzureLimits.StorageTablePartitionOpsPerSecond, "entities/s", "history rows of one instance share a table partition: storage/tables/scalability-targets"));
        }
        limits.Add(new("Entity signals per event", LimitKind.Design, rollups.SignalsPerEvent, AzureLimits.EntitySignalsPerEvent, "signals/event", "design limit"));
        limits.Add(new("Entities or documents read per leaderboard query", LimitKind.Design, rollups.EntitiesReadPerLeaderboardQuery, AzureLimits.LeaderboardEntitiesPerQuery, "reads", "design limit"));
        limits.Add(new("Bytes read per item-stats query", LimitKind.Design, rollups.ItemStatsReadBytes, AzureLimits.ItemStatsReadBytes, "bytes", "design limit (one point read ≤ 8 KB)"));
        if (cosmos.ProgressDocument is { } progress)
        {
            limits.Add(new("Cosmos DB progress document size (sealing write)", LimitKind.Service, progress.SealedBytes, AzureLimits.CosmosMaxItemBytes, "bytes",
                "2 MB per item: cosmos-db/concepts-limits; a flush's distinct items ride in one partition's progress document"));
        }
        if (rollups.Cosmos is { } documents)
        {
            const string Quotas = "cosmos-db/concepts-limits";
            limits.Add(new("Cosmos DB item document size", LimitKind.Service, documents.ItemDocumentBytes, AzureLimits.CosmosMaxItemBytes, "bytes", $"2 MB per item: {Quotas}"));
            limits.Add(new("Cosmos DB leaderboard document size", LimitKind.Service, documents.LeaderboardDocumentBytes, AzureLimits.CosmosMaxItemBytes, "bytes", $"2 MB per item: {Quotas}"));
            limits.Add(new($"Cosmos DB leaderboard document size while resharding {inputs.RollupShardCount} → {inputs.ReshardTarget}", LimitKind.Service,
                documents.LeaderboardDocumentBytesDuringReshard, AzureLimits.CosmosMaxItemBytes, "bytes", $"2 MB per item: {Quotas}; both generations' sections until the old shards drain"));
            limits.Add(new("Cosmos DB RU/s of the hottest leaderboard document", LimitKind.Service, documents.HottestLeaderboardDocumentRuPerSecond, AzureLimits.CosmosRuPerSecondPerPartition, "RU/s",
                $"10,000 RU/s per logical and physical partition: {Quotas} (every shard rewrites it once per seal; queries not included)"));
            limits.Add(new("Cosmos DB RU/s of the hottest item document", LimitKind.Service, documents.HottestItemDocumentRuPerSecond, AzureLimits.CosmosRuPerSecondPerPartition, "RU/s",
                $"10,000 RU/s per logical and physical partition: {Quotas}"));
        }
        foreach (var group in rollups.Keyed ?? [])
        {
            limits.Add(new($"Keyed group {group.Group}: worst-case document", LimitKind.Service, group.WorstDocumentBytes, AzureLimits.CosmosMaxItemBytes, "bytes",
                "2 MB per item: cosmos-db/concepts-limits; the definitions bound a key's features to 1.5 MB at start-up"));
            if (group.WorstLeaderboardBytesDuringReshard > 0)
            {
                limits.Add(new($"Keyed group {group.Group}: leaderboard document, worst case while resharding {inputs.RollupShardCount} → {inputs.ReshardTarget}", LimitKind.Design,
                    group.WorstLeaderboardBytesDuringReshard, KeyedLeaderboardDocument.MaxBytes, "bytes", "the start-up bound of a leaderboard window's document (1.5 MB of Cosmos DB's 2 MB per item)"));
            }
        }
        if (rollups.Keyed is { Count: > 0 })
        {
            // A keyed read is one point read of the key's document (or the item's); a leaderboard one of its window's document.
            limits.Add(new("Documents read per keyed read or declared leaderboard", LimitKind.Design, 1, AzureLimits.LeaderboardEntitiesPerQuery, "reads", "design limit; one point read by id"));
        }
        return limits;
    }
}
