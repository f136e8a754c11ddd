using TreasureHunt.Core.Configuration;

namespace TreasureHunt.Core.Aggregation;

/// <summary>
/// Delivery settings of the user documents, bound from the configuration section <c>Aggregation</c>. Validated at
/// start-up by the source-generated <c>AggregationOptionsValidator</c> (TreasureHunt.Pipeline); every message names the
/// setting. What is aggregated (event types and their weights, windows, affinity half-life, recent items) is declared
/// in the feature definitions (<c>Features:DefinitionsPath</c>), not here.
/// </summary>
public sealed class AggregationOptions
{
    public const string Section = "Aggregation";

    /// <summary>Producer duplicates (same eventId, same user) are dropped when they arrive within this many minutes of enqueue time.</summary>
    [SettingRange(0d, double.MaxValue, ErrorMessage = $"{Section}:DuplicateHorizonMinutes must be >= 0.")]
    public double DuplicateHorizonMinutes { get; set; } = 15;

    /// <summary>At most this many event ids are remembered per user for duplicate detection (the oldest are forgotten first).</summary>
    [SettingRange(1, int.MaxValue, ErrorMessage = $"{Section}:MaxRememberedEventIdsPerUser must be >= 1.")]
    public int MaxRememberedEventIdsPerUser { get; set; } = 2000;

    public TimeSpan DuplicateHorizon => TimeSpan.FromMinutes(DuplicateHorizonMinutes);
}
