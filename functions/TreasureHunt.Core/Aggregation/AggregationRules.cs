using TreasureHunt.Core.Events;

namespace TreasureHunt.Core.Aggregation;

/// <summary>The validated, precomputed form of <see cref="AggregationOptions"/> used on the hot path.</summary>
public sealed class AggregationRules
{
    public AggregationRules(AggregationOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        // The same rules the host checks at start-up (AggregationOptionsValidator), for rules built outside it.
        var errors = new List<System.ComponentModel.DataAnnotations.ValidationResult>();
        if (!System.ComponentModel.DataAnnotations.Validator.TryValidateObject(options, new(options), errors, validateAllProperties: true))
        {
            throw new InvalidOperationException(string.Join(" ", errors.Select(e => e.ErrorMessage)));
        }
        Weights = options.WeightsByType();
        HalfLifeSeconds = options.AffinityHalfLife.TotalSeconds;
        DuplicateHorizon = options.DuplicateHorizon;
        MaxRememberedEventIds = options.MaxRememberedEventIdsPerUser;
        RecentItems = options.RecentItems;
        Keep = [options.MinuteWindows, options.HourWindows, options.DayWindows];
    }

    public static AggregationRules Default { get; } = new(new AggregationOptions());

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
