using TreasureHunt.Core.Aggregation;
using TreasureHunt.Core.Features;

namespace TreasureHunt.Core.Tests.Features;

/// <summary>Parsing, validation (every error names its entry), compilation and evolution rules of the feature definitions.</summary>
public class FeatureDefinitionsTests
{
    private static FeatureDefinitions Default() => FeatureDefinitionsReader.ReadDefault();

    private static IReadOnlyList<string> ErrorsOf(Action<FeatureDefinitions> change)
    {
        var d = Default();
        change(d);
        return FeatureDefinitionsReader.Validate(d);
    }

    private static void AssertError(Action<FeatureDefinitions> change, params string[] fragments)
    {
        var errors = ErrorsOf(change);
        Assert.True(errors.Any(e => fragments.All(e.Contains)), $"expected an error containing [{string.Join("; ", fragments)}], got: {string.Join(" | ", errors)}");
    }

    [Fact]
    public void The_default_definitions_are_todays_aggregates()
    {
        var d = CompiledDefinitions.Default;
        Assert.Equal(1, d.Version);
        Assert.Equal(["view", "click", "share", "claim", "purchase"], d.TypeNames);
        Assert.Equal([1.0, 2, 3, 5, 10], d.Weights);
        var events = d.UserFeature("events")!;
        Assert.Equal((AggregationKind.Count, true, true), (events.Kind, events.ByType, events.Lifetime));
        Assert.Equal(["minute:120", "hour:48", "day:35"], events.Tumbling.Select(w => w.ToString()));
        var affinity = d.UserFeature("affinity")!;
        Assert.Equal((AggregationKind.DecayedSum, EventField.Category, 7 * 86400.0), (affinity.Kind, affinity.Field, affinity.HalfLifeSeconds));
        Assert.Equal(20, d.UserFeature("recentItems")!.K);
        Assert.Equal((AggregationKind.Sum, true), (d.UserFeature("value")!.Kind, d.UserFeature("value")!.ByType));
        Assert.Equal(48, d.ItemHourWindows);
        Assert.Empty(FeatureDefinitionsReader.Validate(Default()));
    }

    [Fact]
    public void Show_format_round_trips()
    {
        var text = FeatureDefinitionsReader.Serialize(Default());
        var again = FeatureDefinitionsReader.Parse(text);
        Assert.Equal(text, FeatureDefinitionsReader.Serialize(again));
        Assert.Empty(FeatureDefinitionsReader.Validate(again));
    }

    [Fact]
    public void A_new_event_type_and_feature_compile()
    {
        var d = Default();
        d.EventTypes.Add(new EventTypeDefinition { Name = "wishlist", Weight = 4 });
        d.User.Add(new FeatureDefinition { Name = "wishlists", Aggregation = "count", Types = ["wishlist"], Windows = ["lifetime", "hour:24"] });
        var compiled = FeatureDefinitionsReader.Compile(d);
        Assert.Equal(6, compiled.TypeCount);
        Assert.True(compiled.TryGetTypeUtf8("wishlist"u8, out var type));
        Assert.Equal(5, (int)type);
        var wishlists = compiled.UserFeature("wishlists")!;
        Assert.True(wishlists.Filter.AcceptsType(5));
        Assert.False(wishlists.Filter.AcceptsType(0));
        Assert.Equal(6, compiled.UserFeature("events")!.Buckets);
    }

    [Fact]
    public void Every_validation_error_names_the_offending_entry()
    {
        AssertError(d => d.User[2].Aggregation = "median", "user[2] 'affinity'", "unknown aggregation 'median'");
        AssertError(d => d.EventTypes.Add(new EventTypeDefinition { Name = "view" }), "eventTypes[5] 'view'", "duplicate event type name");
        AssertError(d => d.User.Add(new FeatureDefinition { Name = "events", Aggregation = "count" }), "user[7] 'events'", "duplicate feature name");
        AssertError(d => d.User[0].Windows = ["lifetime", "minute:0"], "user[0] 'events'", "bad window", "minute:0");
        AssertError(d => d.User[0].Windows = ["week:3"], "user[0] 'events'", "bad window", "week:3");
        AssertError(d => d.User[0].Windows = ["hour:2", "hour:3"], "user[0] 'events'", "two hour windows");
        AssertError(d => d.User[3].Windows = ["hour:2"], "user[3] 'recentItems'", "windows apply only to count and sum");
        AssertError(d => d.User[2].HalfLife = "soon", "user[2] 'affinity'", "halfLife 'soon'");
        AssertError(d => d.User[2].TopN = null, "user[2] 'affinity'", "topN");
        AssertError(d => d.User[3].K = 0, "user[3] 'recentItems'", "'k'");
        AssertError(d => d.User[5].Types = ["refund"], "user[5] 'maxPurchase'", "'refund', which is not a declared event type");
        AssertError(d => d.User[4].Of = "price", "user[4] 'distinctItems'", "'of' must be itemId, category or a string attribute for approxDistinct, got 'price', which is neither an event field nor a declared attribute");
        AssertError(d => d.User[4].Of = "value", "user[4] 'distinctItems'", "got 'value', a number field");
        AssertError(d => d.User[0].By = "value", "user[0] 'events'", "'by' must be type, category, itemId or a string or boolean attribute for count, got 'value', a number field");
        AssertError(d => d.User[0].By = "category", "user[0] 'events'", "count by 'category' needs 'topN' from 1 to 10000");
        AssertError(d => d.User[0].By = "category", "user[0] 'events'", "a breakdown by 'category' is lifetime only in this version");
        AssertError(d => d.User[0].TopN = 5, "user[0] 'events'", "'topN' applies to count only with 'by' a field other than type");
        AssertError(d => d.User[1].Name = "bad name", "user[1] 'bad name'", "name must be");
        AssertError(d => d.EventTypes[0].Name = "view!", "eventTypes[0] 'view!'", "name must be");
        AssertError(d => d.Version = 0, "version", ">= 1");
        AssertError(d => d.EventTypes.Clear(), "eventTypes", "at least one");
        AssertError(d => d.Item[0].Aggregation = "lastDistinct", "item[0] 'events'", "'by' does not apply to lastDistinct");
        AssertError(d => d.Global[0].Windows = ["lifetime", "week:5"], "global[0] 'events'", "bad window");
        AssertError(d => d.Groups = [new GroupDefinition { Name = "byCountry", Key = ["country"], Features = [new FeatureDefinition { Name = "n", Aggregation = "count" }] }],
            "groups[0] 'byCountry'", "key field 'country' is neither itemId, category, type nor a declared attribute");
        AssertError(d => d.Leaderboards = [new LeaderboardDefinition { Name = "top", Group = "item", Feature = "events", Windows = ["day"] }],
            "leaderboards[0] 'top'", "'bucket' must name one of its types");
    }

    [Fact]
    public void Bad_json_and_unknown_members_are_refused_with_the_location()
    {
        var e = Assert.Throws<FeatureDefinitionsException>(() => FeatureDefinitionsReader.Parse("{\"version\": 1, \"eventTypes\": [{\"name\": \"view\", \"wieght\": 2}]}", "x.json"));
        Assert.Contains("x.json", e.Message);
        Assert.Contains("wieght", e.Message);
        Assert.Throws<FeatureDefinitionsException>(() => FeatureDefinitionsReader.Parse("{\"version\": ", "x.json"));
    }

    [Fact]
    public void Loading_a_missing_file_names_it()
    {
        var e = Assert.Throws<FeatureDefinitionsException>(() => FeatureDefinitionsReader.Load("/nonexistent/defs.json"));
        Assert.Contains("/nonexistent/defs.json", e.Message);
        Assert.Same(CompiledDefinitions.Default, FeatureDefinitionsReader.Load(null));
    }

    [Fact]
    public void Compatible_changes_keep_the_version_and_incompatible_ones_need_a_new_one()
    {
        var stored = Default();

        var added = Default();
        added.EventTypes.Add(new EventTypeDefinition { Name = "search", Weight = 1 });
        added.User.Add(new FeatureDefinition { Name = "searches", Aggregation = "count", Types = ["search"] });
        Assert.Empty(DefinitionsCompatibility.Check(stored, added));

        var redefined = Default();
        redefined.User[0].Windows = ["lifetime", "minute:60"];
        Assert.Contains(DefinitionsCompatibility.Check(stored, redefined), e => e.Contains("user 'events'") && e.Contains("redefined without a new version"));
        redefined.Version = 2;
        Assert.Empty(DefinitionsCompatibility.Check(stored, redefined));

        var removed = Default();
        removed.User.RemoveAt(6);
        Assert.Contains(DefinitionsCompatibility.Check(stored, removed), e => e.Contains("user 'lastPurchase'") && e.Contains("removed without a new version"));

        var reordered = Default();
        reordered.Version = 2;
        (reordered.EventTypes[0], reordered.EventTypes[1]) = (reordered.EventTypes[1], reordered.EventTypes[0]);
        Assert.Contains(DefinitionsCompatibility.Check(stored, reordered), e => e.Contains("eventTypes[0] 'view'"));

        var older = Default();
        older.Version = 0;
        Assert.Contains(DefinitionsCompatibility.Check(Default() is var s2 && (s2.Version = 3) > 0 ? s2 : s2, older), e => e.Contains("older than the stored version"));

        var described = Default();
        described.User[0].Description = "a comment changes nothing";
        Assert.Empty(DefinitionsCompatibility.Check(stored, described));
    }

    [Theory]
    [InlineData("lifetime", null, 0)]
    [InlineData("", null, 0)]
    [InlineData("last30m", WindowSize.Minute, 30)]
    [InlineData("last6h", WindowSize.Hour, 6)]
    [InlineData("last7d", WindowSize.Day, 7)]
    public void Query_windows_parse(string text, WindowSize? unit, int tiles)
    {
        Assert.True(QueryWindow.TryParse(text, out var w));
        Assert.Equal((unit, tiles), (w.Unit, w.Tiles));
    }

    [Theory]
    [InlineData("last")]
    [InlineData("last0m")]
    [InlineData("last30w")]
    [InlineData("30m")]
    [InlineData("lastxm")]
    public void Bad_query_windows_are_refused(string text) => Assert.False(QueryWindow.TryParse(text, out _));
}
