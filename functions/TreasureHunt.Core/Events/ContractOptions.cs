using TreasureHunt.Core.Configuration;

namespace TreasureHunt.Core.Events;

/// <summary>The configurable limits of the event contract, bound from the configuration section <c>Contract</c>;
/// validated at start-up by the source-generated <c>ContractOptionsValidator</c> (TreasureHunt.Pipeline).</summary>
public sealed class ContractOptions
{
    public const string Section = "Contract";

    /// <summary>35 days: the longest window of the default definitions (the user <c>events</c> feature's
    /// <c>day:35</c>). An older event can count in no window but the lifetime ones, and every distinct old hour would
    /// otherwise create its own hour documents.</summary>
    public const int DefaultMaxEventAgeDays = 35;

    /// <summary>An event whose timestamp is more than this many days before its enqueue time is dead-lettered
    /// <c>too_old</c>.</summary>
    [SettingRange(1, 3650, ErrorMessage = $"{Section}:MaxEventAgeDays must be 1..3650.")]
    public int MaxEventAgeDays { get; set; } = DefaultMaxEventAgeDays;

    public TimeSpan MaxEventAge => TimeSpan.FromDays(MaxEventAgeDays);
}
