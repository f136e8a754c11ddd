using TreasureHunt.Tools.Cli;
using TreasureHunt.Tools.Load;

namespace TreasureHunt.Local.Tests;

/// <summary>The plumbing of <c>./th bench --erasures N</c>: whom it erases when, and what it reports. The measurement itself
/// needs a quiet machine (docs/BENCHMARKS.md).</summary>
public sealed class BenchErasuresTests
{
    [Fact]
    public void The_plan_erases_distinct_users_already_sent_evenly_over_the_load_and_the_same_seed_gives_the_same_plan()
    {
        var generator = new EventGenerator(new LoadProfile(Seed: 11));
        var now = DateTimeOffset.UtcNow;
        var users = Enumerable.Range(0, 20_000).Select(_ => generator.Next(now).UserId).ToList();

        var plan = ErasurePlan.Create(users, 100, seed: 5);

        Assert.Equal(100, plan.Steps.Count);
        Assert.Equal(100, plan.Steps.Select(s => s.UserId).Distinct().Count());
        Assert.Equal(Enumerable.Range(1, 100).Select(k => k * 20_000L / 101), plan.Steps.Select(s => s.AfterMessages));
        Assert.All(plan.Steps, s => Assert.Contains(s.UserId, users.Take((int)s.AfterMessages)));
        Assert.Equal(plan.Steps, ErasurePlan.Create(users, 100, seed: 5).Steps);
        Assert.NotEqual(plan.Steps, ErasurePlan.Create(users, 100, seed: 6).Steps);
    }

    [Fact]
    public void The_plan_skips_messages_without_a_user_and_stops_short_when_no_unerased_user_was_sent_yet()
    {
        var plan = ErasurePlan.Create([null, "u-1", null, "u-1", "u-2", null], 3, seed: 1);

        // Thresholds 1, 3 and 4: no user was sent before the first; u-1 before the second; only u-1 (already chosen) before the third.
        Assert.Equal([new ErasurePlan.Step(3, "u-1")], plan.Steps);
        Assert.Empty(ErasurePlan.Create(["u-1"], 0, seed: 1).Steps);
    }

    [Fact]
    public void The_result_reports_the_cost_in_percent_nearest_rank_percentiles_and_the_flush_interval_target()
    {
        var latencies = Enumerable.Range(1, 200).Select(i => (double)i * 10).ToList();
        Assert.Equal(1000, ErasureBenchResult.Percentile(latencies, 50));
        Assert.Equal(1980, ErasureBenchResult.Percentile(latencies, 99));
        Assert.Equal(0, ErasureBenchResult.Percentile([], 99));

        var result = new ErasureBenchResult(200_000, 1_000, 3, EventsPerSecondWithout: 3_000, EventsPerSecondWith: 2_955,
            ApplyP50Ms: 800, ApplyP99Ms: 4_000, ApplyMaxMs: 9_000, FlushIntervalSeconds: 10, LogCompactedSeconds: 7.5);
        Assert.Equal(1.5, result.ThroughputCostPercent);
        Assert.True(result.AppliedWithinOneFlushInterval);
        Assert.False((result with { ApplyMaxMs = 10_001 }).AppliedWithinOneFlushInterval);

        var json = BenchErasures.Json(result, "test machine");
        Assert.Equal(1.5, json["throughputCostPercent"]!.GetValue<double>());
        Assert.Equal(4_000, json["applyP99Ms"]!.GetValue<double>());
        Assert.Equal(7.5, json["logCompactedSeconds"]!.GetValue<double>());
        Assert.Equal(3, json["requestedAfterTheLoad"]!.GetValue<int>());

        // The paced phase's latency is the target's; the unthrottled phase's is reported beside it.
        Assert.Null(json["cleanedSeconds"]);
        var paced = result with { PacedRate = 5_000, PacedErasures = 500, PacedEventsPerSecond = 2_900, UnthrottledApplyP50Ms = 700, UnthrottledApplyP99Ms = 45_000, CleanedSeconds = 31.5 };
        Assert.True(paced.AppliedWithinOneFlushInterval);
        var pacedJson = BenchErasures.Json(paced, "test machine");
        Assert.Equal(500, pacedJson["pacedErasures"]!.GetValue<int>());
        Assert.Equal(45_000, pacedJson["unthrottledApplyP99Ms"]!.GetValue<double>());
        Assert.Equal(5_000, pacedJson["pacedRate"]!.GetValue<double>());
        Assert.Equal(31.5, pacedJson["cleanedSeconds"]!.GetValue<double>());
    }

    [Fact]
    public void The_paced_phase_erases_the_same_share_of_its_events_and_at_least_one_user()
    {
        Assert.Equal(500, ErasureBenchResult.PacedErasureCount(1_000, 200_000, 100_000));
        Assert.Equal(1, ErasureBenchResult.PacedErasureCount(1, 200_000, 1_000));
        Assert.Equal(1_000, ErasureBenchResult.PacedErasureCount(1_000, 200_000, 200_000));
    }
}
