namespace TreasureHunt.Core.Costs;

/// <summary>What one function invocation (or local-host equivalent) did and cost: one row of the <c>costledger</c> table.</summary>
public sealed record CostRecord
{
    public required string InvocationId { get; init; }
    public required string Function { get; init; }
    /// <summary>eventHub, http, entity or timer.</summary>
    public required string Trigger { get; init; }
    public required DateTimeOffset Start { get; init; }
    public required double DurationMs { get; init; }
    public long Events { get; init; }
    public double CosmosRu { get; init; }
    /// <summary>True when <see cref="CosmosRu"/> is estimated from document sizes (the local emulator reports a flat 1 RU).</summary>
    public bool RuEstimated { get; init; }
    public long TableOps { get; init; }
    public long EntitySignals { get; init; }
    public long StoreWrites { get; init; }
    /// <summary>The store writes that wrote a user document (part of <see cref="StoreWrites"/>).</summary>
    public long UserWrites { get; init; }
    /// <summary>The store writes that wrote a partition progress document (part of <see cref="StoreWrites"/>).</summary>
    public long ProgressWrites { get; init; }
    public int MemoryMb { get; init; }
    public bool Succeeded { get; init; } = true;
    /// <summary>User document writes attributed to features (bytes and estimated RU), null when the invocation wrote none.</summary>
    public IReadOnlyDictionary<string, FeatureCost>? Features { get; init; }
    public required CostBreakdown Usd { get; init; }
}

/// <summary>Modeled cost in USD, by meter.</summary>
public sealed record CostBreakdown(decimal Compute, decimal Executions, decimal Cosmos, decimal EventHubs)
{
    public static readonly CostBreakdown Zero = new(0, 0, 0, 0);

    public decimal Total => Compute + Executions + Cosmos + EventHubs;

    public static CostBreakdown operator +(CostBreakdown a, CostBreakdown b) =>
        new(a.Compute + b.Compute, a.Executions + b.Executions, a.Cosmos + b.Cosmos, a.EventHubs + b.EventHubs);
}
