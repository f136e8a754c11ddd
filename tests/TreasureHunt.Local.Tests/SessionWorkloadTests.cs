using TreasureHunt.Tools.Load;

namespace TreasureHunt.Local.Tests;

/// <summary>The sessionized workload (<see cref="SessionSchedule"/>) follows its documented model, and the generator
/// reports each valid, new event's user.</summary>
public sealed class SessionWorkloadTests
{
    private static readonly DateTimeOffset Now = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Sessions_are_deterministic_per_seed()
    {
        static List<string?> Users(int seed)
        {
            var generator = new EventGenerator(new LoadProfile(Seed: seed, Workload: LoadWorkload.Sessions));
            return Enumerable.Range(0, 5_000).Select(_ => generator.Next(Now).UserId).ToList();
        }

        Assert.Equal(Users(7), Users(7));
        Assert.NotEqual(Users(7), Users(8));
    }

    [Fact]
    public void The_generator_names_the_user_of_valid_new_events_only()
    {
        var generator = new EventGenerator(new LoadProfile(Users: 100, Items: 50, DuplicateRate: 0.2, BadRate: 0.1, Seed: 3));
        var messages = Enumerable.Range(0, 2_000).Select(_ => generator.Next(Now)).ToList();

        Assert.All(messages.Where(m => m.IsDuplicate || m.BadKind >= 0), m => Assert.Null(m.UserId));
        Assert.All(messages.Where(m => !m.IsDuplicate && m.BadKind < 0), m =>
            Assert.Contains($"\"userId\":\"{m.UserId}\"", TreasureHunt.Tools.Load.Ndjson.ToText(m.Body)));
        Assert.Contains(messages, m => m.UserId is null);
    }

    [Fact]
    public void Events_arrive_at_the_nominal_rate_in_virtual_time_from_the_steady_state_number_of_sessions()
    {
        var profile = new SessionProfile(NominalRate: 1_000, MeanGapMs: 4_000, MinEvents: 10, MaxEvents: 50);
        var schedule = new SessionSchedule(profile, new ZipfSampler(50_000, 1.0), seed: 5);
        // R·g·(E[L] − 1)/E[L] = 1,000 × 4 × 29/30 ≈ 3,867 sessions in progress from the start.
        Assert.InRange(schedule.ActiveSessions, 3_860, 3_870);

        var concurrent = new List<int>();
        for (var i = 0; i < 200_000; i++)
        {
            schedule.NextUser();
            if (i % 1_000 == 0) concurrent.Add(schedule.ActiveSessions);
        }

        // 200,000 events at 1,000/s: 200 s of virtual time; the queue stays at the steady state.
        Assert.InRange(schedule.VirtualSeconds, 190, 210);
        Assert.InRange(concurrent.Average(), 3_867 * 0.93, 3_867 * 1.07);
        Assert.True(concurrent.Max() < 3_867 * 1.2, $"the queue grew to {concurrent.Max()}");
    }

    [Fact]
    public void Virtual_time_never_goes_back()
    {
        var schedule = new SessionSchedule(new SessionProfile(NominalRate: 500, MeanGapMs: 1_000, MinEvents: 1, MaxEvents: 5), new ZipfSampler(1_000, 1.0), seed: 9);
        var last = double.MinValue;
        for (var i = 0; i < 20_000; i++)
        {
            schedule.NextUser();
            Assert.True(schedule.VirtualSeconds >= last);
            last = schedule.VirtualSeconds;
        }
    }

    [Fact]
    public void Sessions_coalesce_more_than_uniform_traffic_and_less_as_the_gaps_grow()
    {
        double Floor(LoadProfile profile)
        {
            var generator = new EventGenerator(profile);
            var floor = new TrafficFloor(8, [1_000]);
            for (var i = 0; i < 100_000; i++)
            {
                if (generator.Next(Now).UserId is { } user) floor.Add(user);
            }
            return floor.PerEvent(1_000);
        }

        var uniform = Floor(new LoadProfile(Seed: 1));
        var sessions = Floor(new LoadProfile(Seed: 1, Workload: LoadWorkload.Sessions, Sessions: new SessionProfile(NominalRate: 1_000, MeanGapMs: 4_000)));
        var slowSessions = Floor(new LoadProfile(Seed: 1, Workload: LoadWorkload.Sessions, Sessions: new SessionProfile(NominalRate: 1_000, MeanGapMs: 40_000)));

        // At 1,000 events/s a partition's batch of 1,000 spans 8 s: a session (a gap of 4 s) has ~2 events in it.
        Assert.True(sessions < uniform * 0.8, $"sessions {sessions:F3} vs uniform {uniform:F3}");
        Assert.True(slowSessions > sessions, $"gaps of 40 s {slowSessions:F3} vs 4 s {sessions:F3}");
    }

    [Theory]
    [InlineData(0, 4_000, 10, 50, "--nominal-rate must be > 0")]
    [InlineData(1_000, 0, 10, 50, "--session-gap-ms must be > 0")]
    [InlineData(1_000, 4_000, 0, 50, "the minimum must be >= 1")]
    [InlineData(1_000, 4_000, 20, 10, "the maximum must be >= the minimum")]
    [InlineData(1_000_000, 100_000, 10, 50, "concurrent sessions")]
    public void Bad_session_parameters_are_refused_with_the_option_named(double rate, double gapMs, int min, int max, string expected)
    {
        var error = new SessionProfile(rate, gapMs, min, max).Validate();
        Assert.NotNull(error);
        Assert.Contains(expected, error);
        Assert.Throws<ArgumentException>(() => new SessionSchedule(new SessionProfile(rate, gapMs, min, max), new ZipfSampler(10, 1.0), 1));
    }
}
