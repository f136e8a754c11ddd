using TreasureHunt.Core.Aggregation;
using TreasureHunt.Core.Events;
using static TreasureHunt.Core.Tests.TestData;

namespace TreasureHunt.Core.Tests;

public class AffinityTests
{
    private static readonly DateTimeOffset T = Utc("2026-11-27T12:00:00Z");
    private static readonly TimeSpan HalfLife = TimeSpan.FromDays(7);

    [Theory]
    [InlineData(EventType.View, 1.0)]
    [InlineData(EventType.Click, 2.0)]
    [InlineData(EventType.Share, 3.0)]
    [InlineData(EventType.Claim, 5.0)]
    [InlineData(EventType.Purchase, 10.0)]
    public void Default_weights_per_type(EventType type, double weight)
    {
        var aggregate = Aggregate([Event("a", T, type, value: 1)]);
        Assert.Equal(weight, aggregate.Affinity["caves"]);
        Assert.Equal(weight, AggregationRules.Default.Weights[(int)type]);
    }

    [Fact]
    public void The_score_is_weight_times_value()
    {
        var aggregate = Aggregate([Event("a", T, EventType.Claim, value: 3), Event("b", T, EventType.Purchase, value: 0.5)]);
        Assert.Equal(5 * 3 + 10 * 0.5, aggregate.Affinity["caves"]); // 20
    }

    [Fact]
    public void An_event_one_half_life_older_contributes_half()
    {
        // purchase now: 10; click one half-life earlier: 2 · 0.5 = 1; share two half-lives earlier, value 4: 3 · 4 · 0.25 = 3.
        var events = new[]
        {
            Event("now", T, EventType.Purchase),
            Event("week", T - HalfLife, EventType.Click),
            Event("fortnight", T - 2 * HalfLife, EventType.Share, value: 4),
        };
        Assert.Equal(14.0, Aggregate(events).Affinity["caves"], 12);
        Assert.Equal(14.0, Aggregate(events.Reverse()).Affinity["caves"], 12);
    }

    [Fact]
    public void Scores_are_decayed_to_the_latest_event_time()
    {
        // ruins: a claim at T (5); caves: a view 14 days later. The reference time moves to T + 14 days, so ruins decays by 0.25.
        var aggregate = Aggregate([Event("a", T, EventType.Claim, category: "ruins"), Event("b", T + 2 * HalfLife, EventType.View, category: "caves")]);

        Assert.Equal(T + 2 * HalfLife, aggregate.LastEventTime);
        Assert.Equal(1.25, aggregate.Affinity["ruins"], 12);
        Assert.Equal(1.0, aggregate.Affinity["caves"], 12);
    }

    [Fact]
    public void Hand_computed_mix_of_categories_and_times()
    {
        // tRef = T. caves: view 1 at T − 1 day, claim 2 at T − 3.5 days; ruins: purchase 1.5 at T, click 1 at T − 10 days.
        var events = new[]
        {
            Event("a", T.AddDays(-1), EventType.View, category: "caves"),
            Event("b", T.AddDays(-3.5), EventType.Claim, category: "caves", value: 2),
            Event("c", T, EventType.Purchase, category: "ruins", value: 1.5),
            Event("d", T.AddDays(-10), EventType.Click, category: "ruins"),
        };
        var caves = 1 * Math.Pow(0.5, 1.0 / 7) + 5 * 2 * Math.Pow(0.5, 0.5); // 0.905723664263 + 7.071067811865
        var ruins = 10 * 1.5 + 2 * Math.Pow(0.5, 10.0 / 7);                  // 15 + 0.742997...
        Assert.Equal(7.976791476128, caves, 9);
        Assert.Equal(15.742997144568, ruins, 9);

        var aggregate = Aggregate(events);
        Close(caves, aggregate.Affinity["caves"]);
        Close(ruins, aggregate.Affinity["ruins"]);
    }

    [Fact]
    public void Negative_values_lower_the_score()
    {
        var aggregate = Aggregate([Event("a", T, EventType.Purchase, value: 2), Event("b", T, EventType.Purchase, value: -0.5)]);
        Assert.Equal(15.0, aggregate.Affinity["caves"]);
    }

    [Fact]
    public void Weights_and_half_life_are_configurable()
    {
        var options = new ReferenceOptions
        {
            AffinityHalfLifeDays = 1,
            AffinityWeights = new() { ["view"] = 4, ["click"] = 0.5, ["purchase"] = 100 },
        };
        var rules = new AggregationRules(options);
        var aggregate = Aggregate(
        [
            Event("a", T.AddDays(-2), EventType.View),  // 4 · 0.25 = 1
            Event("b", T, EventType.Click, value: 6),   // 0.5 · 6 = 3
            Event("c", T.AddDays(-1), EventType.Share), // share has no weight configured: 0
        ], rules);

        Assert.Equal(4.0, aggregate.Affinity["caves"], 12);
        Assert.Equal([4.0, 0.5, 0, 0, 100], rules.Weights);
        Assert.Equal(86_400, rules.HalfLifeSeconds);
        Assert.Equal(0.5, rules.Decay(86_400), 15);
        Assert.Equal(TimeSpan.FromDays(1), options.AffinityHalfLife);
    }

    [Fact]
    public void The_default_half_life_is_seven_days()
    {
        Assert.Equal(7 * 86_400, AggregationRules.Default.HalfLifeSeconds);
        Assert.Equal(0.5, AggregationRules.Default.Decay(HalfLife.TotalSeconds), 15);
        Assert.Equal(1.0, AggregationRules.Default.Decay(0));
    }

    [Fact]
    public void Misconfiguration_is_rejected_with_the_setting_named()
    {
        var unknownType = Assert.Throws<InvalidOperationException>(() =>
            new AggregationRules(new ReferenceOptions { AffinityWeights = new() { ["like"] = 1 } }));
        Assert.Contains("like", unknownType.Message, StringComparison.Ordinal);

        Assert.Throws<InvalidOperationException>(() => new AggregationRules(new ReferenceOptions { AffinityHalfLifeDays = 0 }));
        Assert.Throws<InvalidOperationException>(() => new AggregationRules(new ReferenceOptions { AffinityHalfLifeDays = double.NaN }));
        Assert.Throws<InvalidOperationException>(() => new AggregationRules(new ReferenceOptions { DuplicateHorizonMinutes = -1 }));
        Assert.Throws<InvalidOperationException>(() => new AggregationRules(new ReferenceOptions { MinuteWindows = 0 }));
        Assert.Throws<InvalidOperationException>(() => new AggregationRules(new ReferenceOptions { RecentItems = 0 }));
        Assert.Throws<InvalidOperationException>(() => new AggregationRules(new ReferenceOptions { MaxRememberedEventIdsPerUser = 0 }));
        Assert.Throws<ArgumentNullException>(() => new AggregationRules(null!));
    }
}
