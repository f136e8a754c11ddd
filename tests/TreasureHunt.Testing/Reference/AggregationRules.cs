using TreasureHunt.Core.Aggregation;
using TreasureHunt.Core.Events;

namespace TreasureHunt.Testing.Reference;

/// <summary>REFERENCE (tests only): the schema-1 aggregation settings in their precomputed form.</summary>
public sealed class AggregationRules
{
    public AggregationRules(ReferenceOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        Weights = options.WeightsByType();
        HalfLifeSeconds = options.AffinityHalfLife.TotalSeconds;
        DuplicateHorizon = options.DuplicateHorizon;
        MaxRememberedEventIds = options.MaxRememberedEventIdsPerUser;
        RecentItems = options.RecentItems;
        Keep = [options.MinuteWindows, options.HourWindows, options.DayWindows];
    }

    public static AggregationRules Default { get; } = new(new ReferenceOptions());

    /// <summary>Affinity weight indexed by <see cref="EventType"/>.</summary>
    public double[] Weights { get; }
    public double HalfLifeSeconds { get; }
    public TimeSpan DuplicateHorizon { get; }
    public int MaxRememberedEventIds { get; }
    public int RecentItems { get; }

    /// <summary>How many windows to keep, indexed by <see cref="WindowSize"/>.</summary>
    public int[] Keep { get; }

    public int KeepOf(WindowSize size) => Keep[(int)size];

    /// <summary>0.5^(Δt / halfLife): the decay between two instants Δt seconds apart.</summary>
    public double Decay(double deltaSeconds) => Math.Pow(0.5, deltaSeconds / HalfLifeSeconds);
}
