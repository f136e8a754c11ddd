namespace TreasureHunt.Core.Aggregation;

/// <summary>
/// Delivery settings of the user documents, bound from the configuration section <c>Aggregation</c>. What is
/// aggregated (event types and their weights, windows, affinity half-life, recent items) is declared in the feature
/// definitions (<c>Features:DefinitionsPath</c>), not here.
/// </summary>
public sealed class AggregationOptions
{
    public const string Section = "Aggregation";

    /// <summary>Producer duplicates (same eventId, same user) are dropped when they arrive within this many minutes of enqueue time.</summary>
    public double DuplicateHorizonMinutes { get; set; } = 15;

    /// <summary>At most this many event ids are remembered per user for duplicate detection (the oldest are forgotten first).</summary>
    public int MaxRememberedEventIdsPerUser { get; set; } = 2000;

    public TimeSpan DuplicateHorizon => TimeSpan.FromMinutes(DuplicateHorizonMinutes);

    public void Validate()
    {
        if (DuplicateHorizonMinutes < 0) throw new InvalidOperationException($"{Section}:DuplicateHorizonMinutes must be >= 0.");
        if (MaxRememberedEventIdsPerUser < 1) throw new InvalidOperationException($"{Section}:MaxRememberedEventIdsPerUser must be >= 1.");
    }
}
