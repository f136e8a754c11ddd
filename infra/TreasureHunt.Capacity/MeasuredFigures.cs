using System.Text.Json;

namespace TreasureHunt.Capacity;

/// <summary>
/// Per-event figures the capacity model takes from what <c>./th bench</c> measured (<c>docs/bench-results-2026-11-27.json</c>,
/// <see cref="CalibrationFile"/>: the run the planner is calibrated on; <c>docs/bench-results.json</c> is the newest run,
/// the "preaggregated" strategy) and the workload that bench ran. The defaults are the committed run of 2026-11-27;
/// <see cref="FromBenchJson"/> reads a newer run. The model never uses a bench figure directly for Azure; it derives
/// rates from them (RU per store write, events per vCPU-second) and scales those with the plan's traffic.
/// </summary>
public sealed record MeasuredFigures
{
    /// <summary>The file under docs/ that <c>./th plan</c> reads by default and <c>CapacityModelTests</c> check the model against.</summary>
    public const string CalibrationFile = "bench-results-2026-11-27.json";

    /// <summary>Sustained events/s of the local host in the bench (all 2 cores shared with the emulators).</summary>
    public double EventsPerSecond { get; init; } = 4348.7;

    /// <summary>Store writes per event (user documents + progress documents) at the bench workload.</summary>
    public double StoreWritesPerEvent { get; init; } = 0.40929;

    /// <summary>Cosmos RU per event (estimated from document sizes by <c>RequestUnitEstimator</c>).</summary>
    public double RuPerEvent { get; init; } = 2.3889;

    /// <summary>Entity signals per event.</summary>
    public double EntitySignalsPerEvent { get; init; } = 0.00901;

    /// <summary>The ledger's modeled $ per million events (compute, executions, RU, ingress at the default prices).</summary>
    public double UsdPerMillionEvents { get; init; } = 0.7213;

    // ---- the bench workload (infra/TreasureHunt.Tools: LoadProfile defaults; infra/TreasureHunt.Local: the local event log; host.json)

    /// <summary>Zipf-distributed users of the bench (LoadProfile.Users), exponent <see cref="ZipfExponent"/>.</summary>
    public int Users { get; init; } = 50_000;

    /// <summary>Zipf-distributed items of the bench (LoadProfile.Items).</summary>
    public int Items { get; init; } = 5_000;

    /// <summary>LoadProfile.ZipfExponent.</summary>
    public double ZipfExponent { get; init; } = 1.0;

    /// <summary>Partitions of the local event log; one pump (one invocation at a time) per partition.</summary>
    public int Partitions { get; init; } = 8;

    /// <summary>host.json maxEventBatchSize: the unthrottled bench phase ran full batches.</summary>
    public int BatchSize { get; init; } = 1_000;

    /// <summary>Cores of the bench machine (host, emulators and load generator together).</summary>
    public int MachineCores { get; init; } = 2;

    /// <summary>Bytes of one event message (docs/BENCHMARKS.md: 170–180 B; rounded up).</summary>
    public double EventBytes { get; init; } = 200;

    // ---- derived

    /// <summary>RU per store write: <see cref="RuPerEvent"/> ÷ <see cref="StoreWritesPerEvent"/> (≈ 5.8: a ~1.6 KB document).</summary>
    public double RuPerStoreWrite => RuPerEvent / StoreWritesPerEvent;

    /// <summary>Events per vCPU-second: the bench's sustained rate over all the machine's cores — conservative, since the
    /// emulators and the load generator used part of them (docs/BENCHMARKS.md: the host used 94–124 % of 200 %).</summary>
    public double EventsPerSecondPerVcpu => EventsPerSecond / MachineCores;

    /// <summary>Events/s of one local pump (the ledger bills each pump's invocations like one busy instance).</summary>
    public double EventsPerSecondPerLocalPump => EventsPerSecond / Partitions;

    public static MeasuredFigures Default { get; } = new();

    /// <summary>Reads the top-level "preaggregated" figures of a <c>./th bench --out</c> file — the uniform workload's (the
    /// sessionized workload's sit under "sessions"); the workload fields keep their defaults.</summary>
    public static MeasuredFigures FromBenchJson(string json)
    {
        using var document = JsonDocument.Parse(json);
        if (!document.RootElement.TryGetProperty("preaggregated", out var pre))
        {
            throw new FormatException("bench results: no \"preaggregated\" object (the uniform workload's figures: a ./th bench --sessions run has only its \"sessions\" figures).");
        }
        double Read(string name) => pre.TryGetProperty(name, out var value) && value.TryGetDouble(out var number) && number > 0
            ? number
            : throw new FormatException($"bench results: preaggregated.{name} is missing or not a positive number.");
        return new MeasuredFigures
        {
            EventsPerSecond = Read("eventsPerSecond"),
            StoreWritesPerEvent = Read("storeWritesPerEvent"),
            RuPerEvent = Read("ruPerEvent"),
            EntitySignalsPerEvent = Read("entitySignalsPerEvent"),
            UsdPerMillionEvents = Read("usdPerMillionEvents"),
        };
    }
}
