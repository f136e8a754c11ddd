using TreasureHunt.Core.Configuration;
using Microsoft.Extensions.Options;

namespace TreasureHunt.Pipeline.Retention;

/// <summary>How long cost-ledger rows and dead letters are kept, bound from the configuration section <c>Retention</c>.</summary>
public sealed class RetentionOptions
{
    public const string Section = "Retention";

    /// <summary>Rows of hours that ended more than this many days ago are deleted.</summary>
    [SettingRange(1, 3650, ErrorMessage = $"{Section}:Days must be 1..3650.")]
    public int Days { get; set; } = 30;

    /// <summary>How often the local host sweeps (the Functions app's timer runs hourly, <c>RetentionFunction.Schedule</c>).</summary>
    [SettingRange(1, 1440, ErrorMessage = $"{Section}:IntervalMinutes must be 1..1440.")]
    public int IntervalMinutes { get; set; } = 60;
}

/// <summary>Validates <see cref="RetentionOptions"/> at start-up (source-generated from its DataAnnotations attributes).</summary>
[OptionsValidator]
public partial class RetentionOptionsValidator : IValidateOptions<RetentionOptions>
{
}
