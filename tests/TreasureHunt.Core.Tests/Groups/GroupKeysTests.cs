using TreasureHunt.Core.Features;
using TreasureHunt.Core.Groups;

namespace TreasureHunt.Core.Tests.Groups;

/// <summary>Key values of any content map to valid, collision-free document ids (<see cref="GroupKeys"/>).</summary>
public sealed class GroupKeysTests
{
    private static readonly string[] Awkward =
    [
        "", ".", "..", "/", "\\", "?", "#", "%", "_0025", "_", "~", "!", "a~b", "a/b?c#d", " ", "tab\there", "é", "日本語", "🙂", "\ud800", "\udc00x",
        "https://example.com/a?b=c#d", "..%2F..", new string('x', 256), string.Concat(Enumerable.Repeat("日本", 128)), "item-1", "a.b:c@d",
    ];

    [Fact]
    public void Every_value_round_trips_and_no_two_keys_share_an_id()
    {
        var ids = new Dictionary<string, string[]>(StringComparer.Ordinal);
        foreach (var a in Awkward)
        {
            foreach (var b in Awkward.Take(12))
            {
                string[] key = [a, b];
                var id = GroupKeys.DocumentId("itemCountry", key);
                Assert.True(ids.TryAdd(id, key) || ids[id].SequenceEqual(key), $"'{a}','{b}' and '{string.Join("','", ids[id])}' share the id {id}");
                AssertAddressable(id);
                if (GroupKeys.ValuesOf(id, 2) is { } back) Assert.Equal(key, back);
                else Assert.True(id.Length < 255 && id.Contains('!', StringComparison.Ordinal)); // hashed: too long to read
            }
        }
        Assert.Equal(Awkward.Length * 12, ids.Count);
    }

    [Fact]
    public void Arity_and_group_keep_ids_apart()
    {
        Assert.Equal("global~", GroupKeys.DocumentId("global", []));
        Assert.Equal("category~books", GroupKeys.DocumentId("category", ["books"]));
        Assert.Equal("itemCountry~a-1~DE", GroupKeys.DocumentId("itemCountry", ["a-1", "DE"]));
        Assert.Equal("category~_002E", GroupKeys.DocumentId("category", ["."]));
        Assert.Equal("category~_002E_002E", GroupKeys.DocumentId("category", [".."]));
        Assert.Equal("category~a_002Fb", GroupKeys.DocumentId("category", ["a/b"]));
        Assert.NotEqual(GroupKeys.DocumentId("a", ["b~c"]), GroupKeys.DocumentId("a", ["b", "c"]));
        Assert.NotEqual(GroupKeys.DocumentId("a", ["_007E"]), GroupKeys.DocumentId("a", ["~"]));
    }

    [Fact]
    public void A_key_document_id_is_never_an_item_id()
    {
        // Keyed documents share the items container: every id holds '~' or '!', which an item id cannot.
        foreach (var value in Awkward)
        {
            var id = GroupKeys.DocumentId("category", [value]);
            Assert.False(Events.ContractLimits.IsValidId(id, 1023), id);
        }
        Assert.False(Events.ContractLimits.IsValidId(GroupKeys.DocumentId("global", []), 1023));
    }

    [Fact]
    public void Number_keys_are_canonical_so_a_query_finds_what_an_event_counted()
    {
        var definitions = FeatureDefinitionsReader.Compile(FeatureDefinitionsReader.Parse("""
            {"version": 1, "eventTypes": [{"name": "view"}], "attributes": [{"name": "size", "type": "number"}, {"name": "gift", "type": "boolean"}],
             "groups": [{"name": "bySize", "key": ["size", "gift"], "features": [{"name": "n", "aggregation": "count"}]}]}
            """));
        var group = definitions.Group("bySize")!;
        Assert.Equal("10", GroupKeys.Parse(group.Key[0], "10.0", out _));
        Assert.Equal("10", GroupKeys.Parse(group.Key[0], "1e1", out _));
        Assert.Equal("0.5", GroupKeys.Parse(group.Key[0], "0.50", out _));
        Assert.Null(GroupKeys.Parse(group.Key[0], "ten", out var error));
        Assert.Contains("is a number", error, StringComparison.Ordinal);
        Assert.Equal("true", GroupKeys.Parse(group.Key[1], "true", out _));
        Assert.Null(GroupKeys.Parse(group.Key[1], "yes", out error));
        Assert.Contains("boolean", error, StringComparison.Ordinal);
    }

    private static void AssertAddressable(string id)
    {
        Assert.DoesNotContain('/', id);
        Assert.DoesNotContain('\\', id);
        Assert.DoesNotContain('?', id);
        Assert.DoesNotContain('#', id);
        Assert.False(id is "." or "..");
        Assert.True(id.Length <= 255 + 20 && id.All(c => c < 128), id);
    }
}
