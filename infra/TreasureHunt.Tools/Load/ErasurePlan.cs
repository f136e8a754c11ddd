namespace TreasureHunt.Tools.Load;

/// <summary>
/// When <c>./th bench --erasures N</c> erases whom: N distinct users, the k-th once k·M/(N+1) messages of the load's M
/// are logged, each picked (seeded) among the users of the messages logged by then — so every erasure removes real
/// data and the erasures are spread evenly over the load.
/// </summary>
internal sealed record ErasurePlan(IReadOnlyList<ErasurePlan.Step> Steps)
{
    /// <param name="AfterMessages">Erase once this many of the load's messages are logged.</param>
    public readonly record struct Step(long AfterMessages, string UserId);

    /// <param name="usersInSendOrder">The user of each message of the load in the order it is sent (null: a message with none, such as a bad one).</param>
    public static ErasurePlan Create(IReadOnlyList<string?> usersInSendOrder, int erasures, int seed)
    {
        ArgumentNullException.ThrowIfNull(usersInSendOrder);
        ArgumentOutOfRangeException.ThrowIfNegative(erasures);
        var random = new Random(seed);
        var chosen = new HashSet<string>(StringComparer.Ordinal);
        var steps = new List<Step>(erasures);
        long messages = usersInSendOrder.Count;
        for (var k = 1; k <= erasures; k++)
        {
            var after = k * messages / (erasures + 1);
            // A random message before the threshold, then the nearest earlier one whose user is not chosen yet.
            for (var i = after <= 0 ? -1 : random.NextInt64(after); i >= 0; i--)
            {
                if (usersInSendOrder[(int)i] is { } user && chosen.Add(user))
                {
                    steps.Add(new Step(after, user));
                    break;
                }
            }
        }
        return new ErasurePlan(steps);
    }
}

/// <summary>What <c>./th bench --erasures N</c> reports (docs/BENCHMARKS.md, "Erasure under load").</summary>
/// <param name="ApplyP50Ms">Apply latency (request → applied) of the erasures of the paced phase (offered at <paramref name="PacedRate"/>): the target's figure.</param>
/// <param name="CleanedSeconds">How long after the paced phase's last erasure was applied none of its erasures had parked rows or dead letters still to clean (null: not within 5 minutes).</param>
/// <param name="UnthrottledApplyP50Ms">The same for the erasures of the unthrottled phase: they wait behind its backlog, so this is context, not the target.</param>
internal sealed record ErasureBenchResult(
    long Events, int Erasures, int RequestedAfterTheLoad, double EventsPerSecondWithout, double EventsPerSecondWith,
    double ApplyP50Ms, double ApplyP99Ms, double ApplyMaxMs, double FlushIntervalSeconds, double? LogCompactedSeconds,
    double PacedRate = 0, int PacedErasures = 0, double PacedEventsPerSecond = 0, double UnthrottledApplyP50Ms = 0, double UnthrottledApplyP99Ms = 0,
    double? CleanedSeconds = null)
{
    /// <summary>Throughput lost to the erasures, in percent of the run without them (negative: the run with them was faster).</summary>
    public double ThroughputCostPercent => EventsPerSecondWithout <= 0 ? 0 : Math.Round((1 - EventsPerSecondWith / EventsPerSecondWithout) * 100, 2);

    /// <summary>Whether every erasure of the paced phase was applied within one flush interval of its request.</summary>
    public bool AppliedWithinOneFlushInterval => ApplyMaxMs <= FlushIntervalSeconds * 1000;

    /// <summary>Nearest-rank percentile of the values (0 when there are none).</summary>
    public static double Percentile(IReadOnlyList<double> values, double percent)
    {
        ArgumentNullException.ThrowIfNull(values);
        if (values.Count == 0) return 0;
        var sorted = values.Order().ToList();
        var rank = (int)Math.Ceiling(percent / 100 * sorted.Count);
        return sorted[Math.Clamp(rank - 1, 0, sorted.Count - 1)];
    }

    /// <summary>How many erasures the paced phase requests: the unthrottled phase's share per event, at least one.</summary>
    public static int PacedErasureCount(int erasures, long events, long pacedEvents) =>
        events <= 0 ? 0 : (int)Math.Max(1, Math.Round((double)erasures * pacedEvents / events, MidpointRounding.AwayFromZero));
}
