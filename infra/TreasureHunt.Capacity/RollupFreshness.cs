namespace TreasureHunt.Capacity;

/// <summary>
/// How fresh the cross-partition answers are at one <c>Rollups:FlushMaxAgeSeconds</c>, and what that costs the entities:
/// the trade-off the flush defaults are chosen on. The bounds per answer: docs/internals.md#rollup-freshness.
/// </summary>
public sealed record RollupFreshness(
    double FlushMaxAgeSeconds,
    double TotalsSeconds,
    double ItemsSeconds,
    double FinalAfterStopSeconds,
    double SignalsPerEvent,
    double GlobalTotalsOpsPerSecond,
    double ItemShardOpsPerSecond)
{
    /// <summary>The <c>FlushMaxAgeSeconds</c> values the plan compares (the configured one is added when it is not one of them).</summary>
    public static readonly double[] Candidates = [1, 2, 5, 10];

    /// <summary>The answers' freshness and the entities' load at <paramref name="traffic"/> with <paramref name="inputs"/>' flush settings.</summary>
    public static RollupFreshness At(CapacityInputs inputs, TrafficPoint traffic, IRollupCapacityDesign design)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        ArgumentNullException.ThrowIfNull(traffic);
        ArgumentNullException.ThrowIfNull(design);
        var load = design.Evaluate(inputs, traffic);
        var perPartition = Math.Max(traffic.EventsPerPartitionPerSecond, 1e-9);
        var fill = Math.Min(traffic.BatchSize / perPartition, inputs.FreshnessMs / 2000.0);
        var pending = Math.Min(inputs.RollupFlushMaxAgeSeconds, inputs.RollupFlushMinEvents / perPartition);
        var totals = fill + pending + fill;
        var shard = load.Entities.FirstOrDefault(e => e.Entity == "itemshard");
        var globalTotals = load.Entities.FirstOrDefault(e => e.Entity == "globaltotals");
        var applyPerShard = PartitionFlushes.At(inputs, traffic).ApplySignalsPerShard;
        var signalGap = Math.Min(applyPerShard > 0 ? 1 / applyPerShard : double.PositiveInfinity, inputs.ItemFlushSignalDelaySeconds);
        var items = totals + inputs.ItemFlushSeconds + 2 * signalGap;
        var final = inputs.RollupFlushMaxAgeSeconds + inputs.RollupFlushTimerSeconds + inputs.ItemFlushSignalDelaySeconds;
        return new RollupFreshness(inputs.RollupFlushMaxAgeSeconds, totals, items, final, load.SignalsPerEvent,
            globalTotals?.OpsPerSecondPerInstance ?? 0, shard?.OpsPerSecondPerInstance ?? 0);
    }

    /// <summary>One row per candidate max age (and the configured one), at <paramref name="traffic"/>.</summary>
    public static IReadOnlyList<RollupFreshness> Tradeoff(CapacityInputs inputs, TrafficPoint traffic, IRollupCapacityDesign design)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        return Candidates.Append(inputs.RollupFlushMaxAgeSeconds).Distinct().Order()
            .Select(age => At(inputs with { RollupFlushMaxAgeSeconds = age }, traffic, design)).ToList();
    }
}
