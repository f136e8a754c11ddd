using System.Text.Json;
using FsCheck.Xunit;
using TreasureHunt.Core.Aggregation;
using TreasureHunt.Core.Events;
using TreasureHunt.Core.Features;
using TreasureHunt.Core.Features.Aggregators;
using TreasureHunt.Pipeline.Queries;

namespace TreasureHunt.Core.Tests.Features;

/// <summary>
/// Tumbling tiles for min, max, first, last and approxDistinct: each window's answer is the brute-force answer over the
/// accepted events whose tile is in the window (counted back from the user's latest event), and the tiles survive
/// being stored and read back.
/// </summary>
public class WindowedAggregationTests
{
    private static readonly CompiledDefinitions Definitions = MergePropertyTests.Definitions;

    public static TheoryData<string> WindowedFeatures() => new("minByHour", "maxByMinute", "firstByDay", "lastByHour", "itemsByHour", "bigFirstByHour");

    [Property(MaxTest = 100)]
    public void Every_window_answers_the_brute_force_answer_of_its_tiles(int seed)
    {
        var rng = new Random(seed);
        var events = RandomStreams.Events(rng, rng.Next(0, 200));
        var document = MergePropertyTests.Aggregate(RandomStreams.Shuffle(rng, events), Definitions);
        var now = document.LastEventTime ?? RandomStreams.Origin;
        foreach (var name in WindowedFeatures())
        {
            var feature = Definitions.UserFeature(name)!;
            foreach (var spec in feature.Tumbling)
            {
                foreach (var tiles in new[] { 1, 1 + rng.Next(spec.Keep), spec.Keep })
                {
                    var window = new QueryWindow(spec.Unit, tiles);
                    var inWindow = window.TileIndexes(now).ToHashSet();
                    var accepted = events
                        .Where(e => feature.Filter.Matches(e) && inWindow.Contains(TileRing.IndexOf(e.Timestamp.ToUnixTimeSeconds(), spec.Unit!.Value.Seconds())))
                        .ToList();
                    var answer = FeatureAnswers.UserValue(feature, document.Feature(name), Definitions, window, now);
                    Assert.Equal(ToJson(BruteForce(feature.Kind, accepted)), ToJson(answer));
                }
            }
        }
    }

    private static object? BruteForce(string aggregation, List<TreasureEvent> events)
    {
        if (aggregation == AggregationKind.ApproxDistinct)
        {
            var sketch = new HyperLogLog();
            foreach (var e in events) sketch.Add(e.ItemId);
            return (long)Math.Round(sketch.Estimate());
        }
        if (events.Count == 0) return null;
        return aggregation switch
        {
            AggregationKind.Min => events.Min(e => e.Value),
            AggregationKind.Max => events.Max(e => e.Value),
            AggregationKind.First => Timed(events.OrderBy(e => e.Timestamp).ThenBy(e => e.Value).First()),
            _ => Timed(events.OrderByDescending(e => e.Timestamp).ThenByDescending(e => e.Value).First()),
        };

        static FeatureTimedValue Timed(TreasureEvent e) => new(e.Value, e.Timestamp.UtcDateTime);
    }

    private static string ToJson(object? value) => JsonSerializer.Serialize(value);

    [Theory]
    [MemberData(nameof(WindowedFeatures))]
    public void Tiles_are_stored_and_read_back_to_the_same_answers_and_json(string name)
    {
        var rng = new Random(name.Length);
        var document = MergePropertyTests.Aggregate(RandomStreams.Events(rng, 300), Definitions);
        var json = JsonSerializer.Serialize(document, Schema1Fixtures.CosmosJson);
        var read = JsonSerializer.Deserialize<UserDocument>(json, Schema1Fixtures.CosmosJson)!;
        read.Bind(Definitions);
        var feature = Definitions.UserFeature(name)!;
        var now = document.LastEventTime!.Value;
        var state = JsonDocument.Parse(json).RootElement.GetProperty("features").GetProperty(name);
        Assert.True(state.TryGetProperty(feature.Kind == AggregationKind.ApproxDistinct ? "wh" : "wv", out _), $"{name} stored no tiles");
        foreach (var spec in feature.Tumbling)
        {
            var window = new QueryWindow(spec.Unit, spec.Keep);
            Assert.Equal(
                ToJson(FeatureAnswers.UserValue(feature, document.Feature(name), Definitions, window, now)),
                ToJson(FeatureAnswers.UserValue(feature, read.Feature(name), Definitions, window, now)));
        }
        Assert.Equal(json, JsonSerializer.Serialize(read, Schema1Fixtures.CosmosJson));
    }

    [Fact]
    public void A_redefined_retention_keeps_the_value_tiles_that_still_fit()
    {
        var t = RandomStreams.Origin;
        var d = FeatureDefinitionsReader.ReadDefault();
        d.User = [new FeatureDefinition { Name = "m", Aggregation = "max", Of = "value", Windows = ["hour:48"] }];
        var before = FeatureDefinitionsReader.Compile(d);
        var document = MergePropertyTests.Aggregate(
            [TestData.Event("e1", t.AddHours(-5), value: 7), TestData.Event("e2", t.AddHours(-1), value: 3), TestData.Event("e3", t, value: 2)], before);
        d.Version = 2;
        d.User[0].Windows = ["hour:3"];
        var after = FeatureDefinitionsReader.Compile(d);
        document.Bind(after);
        var feature = after.UserFeature("m")!;
        Assert.Equal(3.0, FeatureAnswers.UserValue(feature, document.Feature("m"), after, new QueryWindow(WindowSize.Hour, 3), t));
        Assert.Equal(2.0, FeatureAnswers.UserValue(feature, document.Feature("m"), after, new QueryWindow(WindowSize.Hour, 1), t));
    }

    [Fact]
    public void An_event_past_every_tile_of_a_value_window_is_applied_late()
    {
        var t = RandomStreams.Origin;
        var d = FeatureDefinitionsReader.ReadDefault();
        d.User = [new FeatureDefinition { Name = "m", Aggregation = "min", Of = "value", Windows = ["lifetime", "hour:2"] }];
        var definitions = FeatureDefinitionsReader.Compile(d);
        var document = UserDocument.Create("u-1", definitions);
        var outcomes = new EventOutcome[2];
        document.Apply([TestData.Seq(TestData.Event("e1", t), 1), TestData.Seq(TestData.Event("e2", t.AddHours(-3), value: -1), 2)], "0", definitions, DeliveryRules.Default, outcomes);
        Assert.Equal([EventOutcome.Applied, EventOutcome.AppliedLate], outcomes);
        var feature = definitions.UserFeature("m")!;
        Assert.Equal(-1.0, FeatureAnswers.UserValue(feature, document.Feature("m"), definitions, QueryWindow.Lifetime, t));
        Assert.Equal(1.0, FeatureAnswers.UserValue(feature, document.Feature("m"), definitions, new QueryWindow(WindowSize.Hour, 2), t));
    }
}
