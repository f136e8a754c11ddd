using System.Text.Json;
using FsCheck.Xunit;
using TreasureHunt.Core.Aggregation;
using TreasureHunt.Core.Events;
using TreasureHunt.Core.Features;
using TreasureHunt.Pipeline.Export;
using TreasureHunt.Pipeline.Queries;
using static TreasureHunt.Core.Tests.TestData;

namespace TreasureHunt.Core.Tests.Features;

/// <summary>avg, the aggregation added as one class and one registration line: declaration, answers, windows, merge, stored JSON.</summary>
public class AvgAggregatorTests
{
    private static CompiledDefinitions Definitions(params FeatureDefinition[] user)
    {
        var d = FeatureDefinitionsReader.ReadDefault();
        d.User = [.. user];
        return FeatureDefinitionsReader.Compile(d);
    }

    private static readonly CompiledDefinitions AvgDefinitions = Definitions(
        new FeatureDefinition { Name = "avgValue", Aggregation = "avg", Of = "value", Windows = ["lifetime", "hour:48", "day:35"] },
        new FeatureDefinition { Name = "avgByType", Aggregation = "avg", By = "type", Types = ["view", "purchase"], Windows = ["lifetime", "minute:120"] });

    private static List<string> Errors(FeatureDefinition feature)
    {
        var d = FeatureDefinitionsReader.ReadDefault();
        d.User = [feature];
        return FeatureDefinitionsReader.Validate(d).ToList();
    }

    [Fact]
    public void Avg_is_declared_like_sum()
    {
        Assert.Empty(Errors(new FeatureDefinition { Name = "a", Aggregation = "avg", Of = "value", By = "type", Types = ["purchase"], Windows = ["lifetime", "day:7"] }));
        Assert.Contains(Errors(new FeatureDefinition { Name = "a", Aggregation = "avg", Of = "itemId" }), e => e.Contains("'of' must be value or a number attribute for avg, got 'itemId', a text field"));
        Assert.Contains(Errors(new FeatureDefinition { Name = "a", Aggregation = "avg", By = "category" }), e => e.Contains("avg by 'category' needs 'topN'"));
        Assert.Contains(Errors(new FeatureDefinition { Name = "a", Aggregation = "avg", K = 3 }), e => e.Contains("'k' applies only to lastDistinct"));
        Assert.Contains(Errors(new FeatureDefinition { Name = "a", Aggregation = "lastDistinct", Of = "itemId", K = 3, Windows = ["hour:3"] }), e => e.Contains("windows apply only to count and sum and min, max, first, last, approxDistinct, avg (lastDistinct is lifetime)"));
        var feature = AvgDefinitions.UserFeature("avgByType")!;
        Assert.Equal(("avg", true, 5), (feature.Kind, feature.ByType, feature.Buckets));
        // Lifetime sums and counts per type, and a minute ring of a sum and a count per type.
        Assert.Equal(64 + 9 + 2 * 5 * 25 + BucketWorstCase(120, 10), FeatureDefinitionsReader.WorstCaseBytes(feature));
    }

    private static long BucketWorstCase(int keep, int counters) => 16 + (30 + (long)keep * (10 + counters * 8)) * 4 / 3;

    [Property(MaxTest = 100)]
    public void Avg_answers_the_mean_of_the_accepted_values_lifetime_and_over_tiles(int seed)
    {
        var rng = new Random(seed);
        var events = RandomStreams.Events(rng, rng.Next(0, 150));
        var document = MergePropertyTests.Aggregate(events, AvgDefinitions);
        var last = document.LastEventTime ?? RandomStreams.Origin;
        var names = AvgDefinitions.TypeNames;

        var avgValue = AvgDefinitions.UserFeature("avgValue")!;
        AssertMean(events, FeatureAnswers.UserValue(avgValue, document.Feature("avgValue"), AvgDefinitions, QueryWindow.Lifetime, last));
        foreach (var window in new[] { new QueryWindow(WindowSize.Hour, 1), new QueryWindow(WindowSize.Hour, 48), new QueryWindow(WindowSize.Day, 35) })
        {
            var tiles = window.TileIndexes(last).ToHashSet();
            var inWindow = events.Where(e => tiles.Contains(TileRing.IndexOf(e.Timestamp.ToUnixTimeSeconds(), window.Unit!.Value.Seconds()))).ToList();
            AssertMean(inWindow, FeatureAnswers.UserValue(avgValue, document.Feature("avgValue"), AvgDefinitions, window, last));
        }

        var byType = (IReadOnlyDictionary<string, object?>)FeatureAnswers.UserValue(AvgDefinitions.UserFeature("avgByType")!, document.Feature("avgByType"), AvgDefinitions, QueryWindow.Lifetime, last)!;
        Assert.Equal(["view", "purchase"], byType.Keys);
        foreach (var type in new[] { EventType.View, EventType.Purchase })
        {
            AssertMean(events.Where(e => e.Type == type).ToList(), byType[names[(int)type]]);
        }
    }

    private static void AssertMean(List<TreasureEvent> events, object? answer)
    {
        if (events.Count == 0)
        {
            Assert.Null(answer);
            return;
        }
        var expected = events.Sum(e => e.Value) / events.Count;
        Close(expected, Assert.IsType<double>(answer), scale: Math.Max(Math.Abs(expected), 1));
    }

    [Fact]
    public void Avg_is_stored_as_sums_and_counts_and_reads_back_the_same()
    {
        var t = RandomStreams.Origin;
        var document = MergePropertyTests.Aggregate(
            [Event("e1", t, EventType.View, value: 2), Event("e2", t.AddHours(1), EventType.Purchase, value: 10), Event("e3", t.AddHours(1), EventType.Purchase, value: 20)],
            AvgDefinitions);
        var json = JsonSerializer.Serialize(document, Schema1Fixtures.CosmosJson);
        var state = JsonDocument.Parse(json).RootElement.GetProperty("features").GetProperty("avgByType");
        Assert.Equal("avg", state.GetProperty("a").GetString());
        Assert.Equal([2.0, 0, 0, 0, 30], state.GetProperty("s").EnumerateArray().Select(x => x.GetDouble()));
        Assert.Equal([1L, 0, 0, 0, 2], state.GetProperty("n").EnumerateArray().Select(x => x.GetInt64()));

        var read = JsonSerializer.Deserialize<UserDocument>(json, Schema1Fixtures.CosmosJson)!;
        read.Bind(AvgDefinitions);
        var feature = AvgDefinitions.UserFeature("avgByType")!;
        var window = new QueryWindow(WindowSize.Minute, 1);
        var answer = (IReadOnlyDictionary<string, object?>)FeatureAnswers.UserValue(feature, read.Feature("avgByType"), AvgDefinitions, window, t.AddHours(1))!;
        Assert.Equal(15.0, answer["purchase"]);
        Assert.Null(answer["view"]);
        Assert.Equal(32.0 / 3, FeatureAnswers.UserValue(AvgDefinitions.UserFeature("avgValue")!, read.Feature("avgValue"), AvgDefinitions, QueryWindow.Lifetime, t));
        Assert.Equal(Serialize(document), Serialize(read));

        static string Serialize(UserDocument d)
        {
            return JsonSerializer.Serialize(d, Schema1Fixtures.CosmosJson);
        }
    }

    [Fact]
    public void Avg_exports_one_double_column_per_accepted_type()
    {
        var columns = ExportColumns.For(AvgDefinitions.User, AvgDefinitions);
        Assert.Equal(["avgValue", "avgByType.view", "avgByType.purchase"], columns.Select(c => c.Name));
        Assert.All(columns, c => Assert.Equal(ExportColumnType.Double, c.Type));
    }

    [Property(MaxTest = 100)]
    public void Merged_avg_states_give_the_whole_streams_state(int seed)
    {
        var rng = new Random(seed);
        var events = RandomStreams.Events(rng, rng.Next(1, 150));
        var split = rng.Next(events.Count + 1);
        var merged = MergePropertyTests.Aggregate(events.Take(split), AvgDefinitions);
        merged.MergeFeatures(MergePropertyTests.Aggregate(events.Skip(split), AvgDefinitions), AvgDefinitions);
        MergePropertyTests.AssertSameState(MergePropertyTests.Aggregate(events, AvgDefinitions), merged, AvgDefinitions);
    }
}
