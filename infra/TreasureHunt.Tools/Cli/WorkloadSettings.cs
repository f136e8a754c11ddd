using System.ComponentModel;
using Spectre.Console;
using Spectre.Console.Cli;
using TreasureHunt.Tools.Load;

namespace TreasureHunt.Tools.Cli;

/// <summary>
/// The workload options ./th load and ./th bench share: --sessions / --uniform and the session model's parameters
/// (<see cref="SessionSchedule"/>, docs/BENCHMARKS.md "Workloads").
/// </summary>
internal abstract class WorkloadSettings : CommandSettings
{
    [CommandOption("--sessions"), Description("The sessionized workload: users come in sessions of --session-events events, --session-gap-ms apart (load: instead of uniform; bench: only this workload)")]
    public bool Sessions { get; init; }

    [CommandOption("--uniform"), Description("The uniform workload: every event picks its user independently, Zipf (load: the default; bench: only this workload)")]
    public bool Uniform { get; init; }

    [CommandOption("--nominal-rate <EV_PER_S>"), Description("Sessions: the event rate R of the product the traffic comes from, when the run is unthrottled (a paced run uses its rate); sessions start at R / mean session length per second of virtual time"), DefaultValue(10_000.0)]
    public double NominalRate { get; init; }

    [CommandOption("--session-gap-ms <MS>"), Description("Sessions: mean gap between a session's consecutive events (exponential), milliseconds"), DefaultValue(4_000.0)]
    public double SessionGapMs { get; init; }

    [CommandOption("--session-events <MIN..MAX>"), Description("Sessions: events per session, uniform in MIN..MAX"), DefaultValue("10..50")]
    public string SessionEvents { get; init; } = "10..50";

    /// <summary>The session parameters for a phase offered at <paramref name="pacedRate"/> (unthrottled when null: --nominal-rate).</summary>
    public SessionProfile SessionProfile(double? pacedRate)
    {
        Load.SessionProfile.TryParseRange(SessionEvents, out var min, out var max);
        return new SessionProfile(pacedRate ?? NominalRate, SessionGapMs, min, max);
    }

    /// <summary>The workload checks: both flags, the --session-events form and the session model's ranges.</summary>
    protected ValidationResult ValidateWorkload(double? pacedRate)
    {
        if (Sessions && Uniform) return ValidationResult.Error("--sessions and --uniform exclude each other: give one (or neither).");
        if (!Load.SessionProfile.TryParseRange(SessionEvents, out _, out _))
        {
            return ValidationResult.Error($"--session-events must be MIN..MAX, e.g. 10..50 (got '{SessionEvents}').");
        }
        // The unthrottled phase runs at R = --nominal-rate, a paced one at its rate: both must make a valid model.
        var error = SessionProfile(null).Validate() ?? (pacedRate is null ? null : SessionProfile(pacedRate).Validate());
        return error is null ? ValidationResult.Success() : ValidationResult.Error(error);
    }
}
