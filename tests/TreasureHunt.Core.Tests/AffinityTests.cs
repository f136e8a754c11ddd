using TreasureHunt.Core.Aggregation;
using TreasureHunt.Core.Events;
using TreasureHunt.Core.Features;
using static TreasureHunt.Core.Tests.TestData;

namespace TreasureHunt.Core.Tests;

/// <summary>Category affinity in the product's <see cref="UserDocument"/> (the default <c>affinity</c> feature, a decayed sum by category).</summary>
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
        Assert.Equal(weight, CompiledDefinitions.Default.Weights[(int)type]);
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
        var rules = DocumentRules.With(halfLife: "1d", weights: new Dictionary<string, double> { ["view"] = 4, ["click"] = 0.5, ["purchase"] = 100 });
        var aggregate = Aggregate(
        [
            Event("a", T.AddDays(-2), EventType.View),  // 4 · 0.25 = 1
            Event("b", T, EventType.Click, value: 6),   // 0.5 · 6 = 3
            Event("c", T.AddDays(-1), EventType.Share), // share has no weight configured: 0
        ], rules);

        Assert.Equal(4.0, aggregate.Affinity["caves"], 12);
        Assert.Equal([4.0, 0.5, 0, 0, 100], rules.Weights);
        Assert.Equal(86_400, rules.HalfLifeSeconds);
        // One half-life (a day) apart, in either arrival order: the older event contributes half.
        TreasureEvent[] pair = [Event("a", T.AddDays(-1), EventType.View), Event("b", T, EventType.View, category: "ruins")];
        Assert.Equal(0.5, Aggregate(pair, rules).Affinity["caves"] / 4, 15);
        Assert.Equal(0.5, Aggregate(pair.Reverse(), rules).Affinity["caves"] / 4, 15);
    }

    [Fact]
    public void The_default_half_life_is_seven_days()
    {
        Assert.Equal(7 * 86_400, DocumentRules.Default.HalfLifeSeconds);
        // One half-life back contributes half (in either arrival order); an event at the reference time contributes its whole weight.
        TreasureEvent[] pair = [Event("a", T - HalfLife, category: "ruins"), Event("b", T)];
        foreach (var aggregate in new[] { Aggregate(pair), Aggregate(pair.Reverse()) })
        {
            Assert.Equal(0.5, aggregate.Affinity["ruins"], 15);
            Assert.Equal(1.0, aggregate.Affinity["caves"]);
        }
    }

    [Fact]
    public void Misconfiguration_is_rejected_with_the_setting_named()
    {
        // What is aggregated is declared in the feature definitions: the compiler names the offending entry.
        var unknownType = Assert.Throws<FeatureDefinitionsException>(() =>
            DocumentRules.CompileDefinitions(change: d => d.User.Single(f => f.Name == "affinity").Types = ["like"]));
        Assert.Contains("like", unknownType.Message, StringComparison.Ordinal);

        Assert.Contains("halfLife", Assert.Throws<FeatureDefinitionsException>(() => DocumentRules.CompileDefinitions(halfLife: "0d")).Message, StringComparison.Ordinal);
        Assert.Contains("halfLife", Assert.Throws<FeatureDefinitionsException>(() => DocumentRules.CompileDefinitions(halfLife: "NaNd")).Message, StringComparison.Ordinal);
        Assert.Contains("minute:0", Assert.Throws<FeatureDefinitionsException>(() => DocumentRules.CompileDefinitions(minuteWindows: 0)).Message, StringComparison.Ordinal);
        Assert.Contains("recentItems", Assert.Throws<FeatureDefinitionsException>(() => DocumentRules.CompileDefinitions(recentItems: 0)).Message, StringComparison.Ordinal);
        Assert.Contains("weight", Assert.Throws<FeatureDefinitionsException>(() =>
            DocumentRules.CompileDefinitions(weights: new Dictionary<string, double> { ["view"] = double.NaN })).Message, StringComparison.Ordinal);

        // The delivery settings are refused where the document applies them.
        var document = NewDocument();
        var batch = new[] { Seq(Event("a", T), 1) };
        Assert.Throws<ArgumentOutOfRangeException>(() => document.Apply(batch, Partition, CompiledDefinitions.Default, new DeliveryRules(TimeSpan.FromMinutes(-1), 2000), new EventOutcome[1]));
        Assert.Throws<ArgumentOutOfRangeException>(() => document.Apply(batch, Partition, CompiledDefinitions.Default, new DeliveryRules(TimeSpan.FromMinutes(15), 0), new EventOutcome[1]));
        Assert.Throws<ArgumentNullException>(() => FeatureDefinitionsReader.Compile(null!));
    }
}
