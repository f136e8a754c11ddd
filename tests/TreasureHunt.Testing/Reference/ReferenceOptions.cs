using TreasureHunt.Core.Aggregation;
using TreasureHunt.Core.Events;

namespace TreasureHunt.Testing.Reference;

/// <summary>REFERENCE (tests only): the schema-1 <c>Aggregation</c> settings (weights, half-life, windows, recent items
/// are feature definitions now; the duplicate settings stayed in <see cref="AggregationOptions"/>).</summary>
public sealed class ReferenceOptions
{
    public const string Section = "Aggregation";

    /// <summary>Half-life of category affinity, in days (default 7).</summary>
    public double AffinityHalfLifeDays { get; set; } = 7;

    /// <summary>Affinity weight per event type (defaults: view 1, click 2, share 3, claim 5, purchase 10).</summary>
    public Dictionary<string, double> AffinityWeights { get; set; } = new()
    {
        ["view"] = 1, ["click"] = 2, ["share"] = 3, ["claim"] = 5, ["purchase"] = 10,
    };

    /// <summary>Producer duplicates (same eventId, same user) are dropped when they arrive within this many minutes of enqueue time.</summary>
    public double DuplicateHorizonMinutes { get; set; } = 15;

    /// <summary>At most this many event ids are remembered per user for duplicate detection (the oldest are forgotten first).</summary>
    public int MaxRememberedEventIdsPerUser { get; set; } = 2000;

    public int MinuteWindows { get; set; } = 120;
    public int HourWindows { get; set; } = 48;
    public int DayWindows { get; set; } = 35;
    public int RecentItems { get; set; } = 20;

    public TimeSpan AffinityHalfLife => TimeSpan.FromDays(AffinityHalfLifeDays);
    public TimeSpan DuplicateHorizon => TimeSpan.FromMinutes(DuplicateHorizonMinutes);

    /// <summary>The weights as an array indexed by <see cref="EventType"/>; throws with the bad key named when misconfigured.</summary>
    public double[] WeightsByType()
    {
        var weights = new double[EventTypes.Count];
        foreach (var (name, weight) in AffinityWeights)
        {
            if (!EventTypes.TryParse(name, out var type))
            {
                throw new InvalidOperationException($"{Section}:AffinityWeights has unknown type '{name}'; expected one of {string.Join(", ", EventTypes.Names)}.");
            }
            weights[(int)type] = weight;
        }
        return weights;
    }

    public void Validate()
    {
        if (!(AffinityHalfLifeDays > 0)) throw new InvalidOperationException($"{Section}:AffinityHalfLifeDays must be > 0.");
        if (DuplicateHorizonMinutes < 0) throw new InvalidOperationException($"{Section}:DuplicateHorizonMinutes must be >= 0.");
        if (MinuteWindows < 1 || HourWindows < 1 || DayWindows < 1) throw new InvalidOperationException($"{Section}: window counts must be >= 1.");
        if (RecentItems < 1) throw new InvalidOperationException($"{Section}:RecentItems must be >= 1.");
        if (MaxRememberedEventIdsPerUser < 1) throw new InvalidOperationException($"{Section}:MaxRememberedEventIdsPerUser must be >= 1.");
        _ = WeightsByType();
    }
}
