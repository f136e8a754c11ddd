using TreasureHunt.Core.Features;

namespace TreasureHunt.Core.Tests.Groups;

/// <summary>What the definitions accept and refuse for keyed groups and declared leaderboards, and their evolution rules.</summary>
public sealed class GroupDefinitionsTests
{
    private static FeatureDefinitions Document(string groupsAndLeaderboards) => FeatureDefinitionsReader.Parse($$"""
        {"version": 1, "eventTypes": [{"name": "view"}, {"name": "purchase"}],
         "attributes": [{"name": "country", "type": "string"}, {"name": "size", "type": "number"}, {"name": "a", "type": "string"}, {"name": "b", "type": "boolean"}],
         {{groupsAndLeaderboards}} }
        """);

    private static IReadOnlyList<string> Errors(string groupsAndLeaderboards) => FeatureDefinitionsReader.Validate(Document(groupsAndLeaderboards));

    [Theory]
    [InlineData("""{"name": "g", "key": ["userId"], "features": [{"name": "n", "aggregation": "count"}]}""", "key field 'userId' is not allowed")]
    [InlineData("""{"name": "g", "key": ["value"], "features": [{"name": "n", "aggregation": "count"}]}""", "key field 'value' is not allowed")]
    [InlineData("""{"name": "g", "key": ["country", "size", "a", "b"], "features": [{"name": "n", "aggregation": "count"}]}""", "a key has at most 3 fields")]
    [InlineData("""{"name": "g", "key": ["country", "country"], "features": [{"name": "n", "aggregation": "count"}]}""", "key field 'country' is listed twice")]
    [InlineData("""{"name": "g", "key": ["country"], "features": []}""", "a group declares at least one feature")]
    [InlineData("""{"name": "item", "key": ["category"], "features": [{"name": "n", "aggregation": "count"}]}""", "the group 'item' is keyed by itemId")]
    [InlineData("""{"name": "global", "key": ["category"], "features": [{"name": "n", "aggregation": "count"}]}""", "the group 'global' has the empty key []")]
    [InlineData("""{"name": "g h", "key": [], "features": [{"name": "n", "aggregation": "count"}]}""", "name must be 1..64 chars")]
    [InlineData("""{"name": "g", "key": ["country"], "features": [{"name": "n", "aggregation": "count", "windows": ["week:2"]}]}""", "groups[0].features[0] 'n': bad window")]
    [InlineData("""{"name": "g", "key": ["country"], "features": [{"name": "n", "aggregation": "approxDistinct", "of": "itemId", "windows": ["day:3000"]}]}""", "over the 1,500,000-byte budget of a keyed document")]
    public void A_bad_group_is_refused_naming_it(string group, string expected)
    {
        var errors = Errors($"\"groups\": [{group}]");
        Assert.Contains(errors, e => e.Contains(expected, StringComparison.Ordinal));
    }

    [Fact]
    public void The_item_shorthand_and_a_group_named_item_cannot_both_be_declared()
    {
        var errors = Errors("""
            "item": [{"name": "events", "aggregation": "count", "by": "type"}],
            "groups": [{"name": "item", "key": ["itemId"], "features": [{"name": "n", "aggregation": "count"}]}]
            """);
        Assert.Contains(errors, e => e.Contains("declare it once", StringComparison.Ordinal));
    }

    private const string Revenue = """
        "groups": [{"name": "byCountry", "key": ["country"], "features": [
            {"name": "revenue", "aggregation": "sum", "of": "value", "windows": ["lifetime", "hour:24"]},
            {"name": "avgPrice", "aggregation": "avg", "of": "value"},
            {"name": "byType", "aggregation": "count", "by": "type", "windows": ["day:3"]},
            {"name": "bySize", "aggregation": "count", "by": "a", "topN": 4}]}]
        """;

    [Theory]
    [InlineData("""{"name": "l", "group": "nope", "feature": "revenue", "windows": ["all"]}""", "unknown group 'nope'")]
    [InlineData("""{"name": "l", "group": "byCountry", "feature": "nope", "windows": ["all"]}""", "has no feature 'nope'")]
    [InlineData("""{"name": "l", "group": "byCountry", "feature": "avgPrice", "windows": ["all"]}""", "ranks by a value that only grows")]
    [InlineData("""{"name": "l", "group": "byCountry", "feature": "revenue", "windows": ["day"]}""", "window 'day' needs day tiles")]
    [InlineData("""{"name": "l", "group": "byCountry", "feature": "byType", "windows": ["all"]}""", "window 'all' needs the lifetime value")]
    [InlineData("""{"name": "l", "group": "byCountry", "feature": "byType", "windows": ["day"]}""", "'bucket' must name one of its types")]
    [InlineData("""{"name": "l", "group": "byCountry", "feature": "revenue", "bucket": "view", "windows": ["all"]}""", "'bucket' applies only to a feature broken down by type")]
    [InlineData("""{"name": "l", "group": "byCountry", "feature": "bySize", "windows": ["all"]}""", "is broken down by 'a'")]
    [InlineData("""{"name": "l", "group": "byCountry", "feature": "revenue", "windows": ["all"], "k": 1001}""", "k must be 1..1000")]
    [InlineData("""{"name": "l", "group": "byCountry", "feature": "revenue", "windows": ["week"]}""", "window 'week' must be hour, day or all")]
    public void A_bad_leaderboard_is_refused_naming_it(string board, string expected)
    {
        var errors = Errors($"{Revenue}, \"leaderboards\": [{board}]");
        Assert.Contains(errors, e => e.StartsWith("leaderboards[0] 'l': ", StringComparison.Ordinal) && e.Contains(expected, StringComparison.Ordinal));
    }

    [Fact]
    public void A_good_leaderboard_compiles_with_its_bucket()
    {
        var d = FeatureDefinitionsReader.Compile(Document($"{Revenue}, \"leaderboards\": [{{\"name\": \"l\", \"group\": \"byCountry\", \"feature\": \"byType\", \"bucket\": \"purchase\", \"windows\": [\"day\"], \"k\": 5}}]"));
        var board = d.Leaderboard("l")!;
        Assert.Equal(1, board.Bucket);
        Assert.Equal(5, board.K);
        Assert.Equal(4 * 86400, board.TimeToLiveSeconds(Core.Groups.LeaderboardWindow.Day));
    }

    [Fact]
    public void The_shorthand_and_the_groups_form_are_the_same_definitions_and_a_changed_key_or_leaderboard_needs_a_new_version()
    {
        var shorthand = FeatureDefinitionsReader.ReadDefault();
        var grouped = FeatureDefinitionsReader.ReadDefault();
        grouped.Groups = [new GroupDefinition { Name = "item", Key = ["itemId"], Features = grouped.Item }, new GroupDefinition { Name = "global", Key = [], Features = grouped.Global }];
        grouped.Item = [];
        grouped.Global = [];
        Assert.Empty(DefinitionsCompatibility.Check(shorthand, grouped));
        Assert.Equal(FeatureDefinitionsReader.Compile(shorthand).Groups.Select(g => g.Name), FeatureDefinitionsReader.Compile(grouped).Groups.Select(g => g.Name));

        var stored = Document($"{Revenue}, \"leaderboards\": [{{\"name\": \"l\", \"group\": \"byCountry\", \"feature\": \"revenue\", \"windows\": [\"all\"]}}]");
        var rekeyed = Document($"{Revenue.Replace("[\"country\"]", "[\"country\", \"size\"]", StringComparison.Ordinal)}, \"leaderboards\": [{{\"name\": \"l\", \"group\": \"byCountry\", \"feature\": \"revenue\", \"windows\": [\"all\"]}}]");
        Assert.Contains(DefinitionsCompatibility.Check(stored, rekeyed), e => e.StartsWith("group 'byCountry': its key changed", StringComparison.Ordinal));
        var resized = Document($"{Revenue}, \"leaderboards\": [{{\"name\": \"l\", \"group\": \"byCountry\", \"feature\": \"revenue\", \"windows\": [\"all\"], \"k\": 5}}]");
        Assert.Contains(DefinitionsCompatibility.Check(stored, resized), e => e.StartsWith("leaderboard 'l': redefined", StringComparison.Ordinal));
        resized.Version = 2;
        Assert.Empty(DefinitionsCompatibility.Check(stored, resized));
    }
}
