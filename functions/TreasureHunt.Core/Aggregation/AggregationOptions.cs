using System.ComponentModel.DataAnnotations;
using TreasureHunt.Core.Configuration;
using TreasureHunt.Core.Events;

namespace TreasureHunt.Core.Aggregation;

/// <summary>
/// Aggregation settings, bound from the configuration section <c>Aggregation</c>. Validated at start-up by the
/// source-generated <c>AggregationOptionsValidator</c> (TreasureHunt.Pipeline): the attributes and
/// <see cref="Validate(ValidationContext)"/> below are the rules; every message names the setting.
/// </summary>
public sealed class AggregationOptions : IValidatableObject
{
    public const string Section = "Aggregation";

    /// <summary>Half-life of category affinity, in days (default 7).</summary>
    [SettingRange(0d, double.MaxValue, MinimumIsExclusive = true, ErrorMessage = $"{Section}:AffinityHalfLifeDays must be > 0.")]
    public double AffinityHalfLifeDays { get; set; } = 7;

    /// <summary>Affinity weight per event type (defaults: view 1, click 2, share 3, claim 5, purchase 10).</summary>
    public Dictionary<string, double> AffinityWeights { get; set; } = new()
    {
        ["view"] = 1, ["click"] = 2, ["share"] = 3, ["claim"] = 5, ["purchase"] = 10,
    };

    /// <summary>Producer duplicates (same eventId, same user) are dropped when they arrive within this many minutes of enqueue time.</summary>
    [SettingRange(0d, double.MaxValue, ErrorMessage = $"{Section}:DuplicateHorizonMinutes must be >= 0.")]
    public double DuplicateHorizonMinutes { get; set; } = 15;

    /// <summary>At most this many event ids are remembered per user for duplicate detection (the oldest are forgotten first).</summary>
    [SettingRange(1, int.MaxValue, ErrorMessage = $"{Section}:MaxRememberedEventIdsPerUser must be >= 1.")]
    public int MaxRememberedEventIdsPerUser { get; set; } = 2000;

    [SettingRange(1, int.MaxValue, ErrorMessage = $"{Section}:MinuteWindows must be >= 1.")]
    public int MinuteWindows { get; set; } = 120;
    [SettingRange(1, int.MaxValue, ErrorMessage = $"{Section}:HourWindows must be >= 1.")]
    public int HourWindows { get; set; } = 48;
    [SettingRange(1, int.MaxValue, ErrorMessage = $"{Section}:DayWindows must be >= 1.")]
    public int DayWindows { get; set; } = 35;
    [SettingRange(1, int.MaxValue, ErrorMessage = $"{Section}:RecentItems must be >= 1.")]
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

    /// <summary>The rules attributes cannot state: every affinity weight names a known event type and is finite and >= 0.</summary>
    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        foreach (var (name, weight) in AffinityWeights)
        {
            if (!EventTypes.TryParse(name, out _))
            {
                yield return new ValidationResult($"{Section}:AffinityWeights has unknown type '{name}'; expected one of {string.Join(", ", EventTypes.Names)}.", [nameof(AffinityWeights)]);
            }
            else if (!double.IsFinite(weight) || weight < 0)
            {
                yield return new ValidationResult($"{Section}:AffinityWeights:{name} must be a finite number >= 0.", [nameof(AffinityWeights)]);
            }
        }
    }
}
