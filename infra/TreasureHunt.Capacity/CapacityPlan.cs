namespace TreasureHunt.Capacity;

public enum LimitKind
{
    /// <summary>An Azure service limit: the plan's units, partitions or RU/s must stay under it.</summary>
    Service,

    /// <summary>A rollup design limit (entity state, entity operation rate, signals per event, query fan-out).</summary>
    Design,
}

/// <summary>One limit checked at the peak: demand vs what is allowed.</summary>
public sealed record LimitCheck(string Name, LimitKind Kind, double Demand, double Limit, string Unit, string Source)
{
    public double Utilization => Limit <= 0 ? double.PositiveInfinity : Demand / Limit;
    public bool Exceeded => Utilization > 1;

    /// <summary>How many times the peak demand fits under the limit (1.25 = 25 % headroom; below 1 = exceeded).</summary>
    public double Headroom => Demand <= 0 ? double.PositiveInfinity : Limit / Demand;
}

public sealed record EventHubsPlan(EventHubsTier Tier, int Units, string UnitName, int Partitions, int RetentionHours, bool Capture, double PeakIngressBytesPerSecond);

public sealed record CosmosContainerPlan(string Container, double SustainedRuPerSecond, double PeakRuPerSecond, int AutoscaleMaxRuPerSecond);

/// <summary>Cosmos DB mode and containers; <see cref="StorageGb"/> includes <see cref="RollupStorageGb"/> (the rollup
/// design's item and leaderboard documents). <see cref="ProgressDocument"/>: the progress document's size and RU per
/// write at peak (what the <c>progress</c> container's RU/s are priced from).</summary>
public sealed record CosmosPlan(bool Serverless, IReadOnlyList<CosmosContainerPlan> Containers, double StorageGb, double UserDocumentBytes, double RollupStorageGb = 0,
    ProgressDocumentSize? ProgressDocument = null)
{
    /// <summary>RU/s of the rollup design's containers (items, leaderboards) at peak.</summary>
    public double RollupPeakRuPerSecond => Containers.Where(c => c.Container is "items" or "leaderboards").Sum(c => c.PeakRuPerSecond);
}

public sealed record FunctionsPlan(int InstanceMemoryMb, double Vcpu, double EventsPerSecondPerInstance, int InstancesAtPeak, int MaximumInstanceCount,
    double ExecutionsPerSecond, double BilledGbSecondsPerSecond);

public sealed record StorageOps(double QueueOps, double TableOps, double BlobOps)
{
    public double Total => QueueOps + TableOps + BlobOps;
}

public sealed record TaskHubStoragePlan(StorageOps Sustained, StorageOps Peak, double LedgerRowsPerSecondAtPeak);

public sealed record CostLine(string Meter, string Basis, decimal UsdPerMonth);

public sealed record MonthlyCost(IReadOnlyList<CostLine> Lines, double EventsPerMonth, decimal LedgerEquivalentUsdPerMillionEvents)
{
    public decimal Total => Lines.Sum(l => l.UsdPerMonth);
    public decimal UsdPerMillionEvents => EventsPerMonth <= 0 ? 0 : Total / (decimal)EventsPerMonth * 1_000_000m;
}

/// <summary>Everything the planner computed for one set of inputs.</summary>
public sealed record CapacityPlan(
    CapacityInputs Inputs,
    string RollupDesign,
    TrafficPoint Sustained,
    TrafficPoint Peak,
    double RuPerEventSustained,
    double RuPerEventPeak,
    EventHubsPlan EventHubs,
    CosmosPlan Cosmos,
    FunctionsPlan Functions,
    TaskHubStoragePlan Storage,
    RollupLoad RollupsSustained,
    RollupLoad RollupsPeak,
    MonthlyCost Cost,
    IReadOnlyList<LimitCheck> Limits)
{
    /// <summary>The limit with the least headroom at peak, over every limit.</summary>
    public LimitCheck BindingLimit => Limits.MaxBy(l => l.Utilization)!;

    /// <summary>The Azure service limit with the least headroom at peak (what more units / another tier would move).</summary>
    public LimitCheck BindingServiceLimit => Limits.Where(l => l.Kind == LimitKind.Service).MaxBy(l => l.Utilization)!;

    /// <summary>The rollup design limit (entity state and rate, signals per event, query reads) with the least headroom at peak.</summary>
    public LimitCheck BindingDesignLimit => Limits.Where(l => l.Kind == LimitKind.Design).MaxBy(l => l.Utilization)!;

    public IEnumerable<LimitCheck> Exceeded => Limits.Where(l => l.Exceeded);

    /// <summary>Cross-partition freshness vs entity load per <c>Rollups:FlushMaxAgeSeconds</c> candidate, sustained and at peak.</summary>
    public IReadOnlyList<RollupFreshness> FreshnessSustained { get; init; } = [];
    public IReadOnlyList<RollupFreshness> FreshnessPeak { get; init; } = [];
}
