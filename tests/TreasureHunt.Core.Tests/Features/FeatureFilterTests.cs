using System.Text.Json;
using TreasureHunt.Core.Events;
using TreasureHunt.Core.Features;

namespace TreasureHunt.Core.Tests.Features;

/// <summary>A feature's <c>where</c> (and <c>types</c>): every validation error names its entry, and the compiled filter
/// agrees with a brute-force reading of the declaration on random streams.</summary>
public sealed class FeatureFilterTests
{
    internal static readonly string[] TypeNames = ["view", "click", "purchase"];

    internal static readonly AttributeTable Attributes = new(
    [
        new CompiledAttribute(0, "brand", AttributeType.String, 64, false),
        new CompiledAttribute(1, "device", AttributeType.String, 64, false),
        new CompiledAttribute(2, "quantity", AttributeType.Number, 0, false),
        new CompiledAttribute(3, "gift", AttributeType.Boolean, 0, false),
    ]);

    private static FeatureDefinition Feature(string where, List<string>? types = null) => new()
    {
        Name = "f",
        Aggregation = "count",
        Types = types,
        Where = JsonSerializer.Deserialize<Dictionary<string, JsonElement>>(where),
    };

    private static (FeatureFilter Filter, List<string> Errors) Compile(string where, List<string>? types = null)
    {
        var errors = new List<string>();
        var filter = FeatureFilter.Compile(Feature(where, types), TypeNames, Attributes, "user[0] 'f'", errors);
        return (filter, errors);
    }

    [Theory]
    [InlineData("""{"colour": "red"}""", "where.colour: unknown field or attribute", "attributes: brand, device, quantity, gift")]
    [InlineData("""{"userId": "u-1"}""", "where.userId: unknown field or attribute")]
    [InlineData("""{"brand": 3}""", "where.brand: expected a string", "number 3")]
    [InlineData("""{"quantity": "3"}""", "where.quantity: expected a number", "string")]
    [InlineData("""{"gift": "yes"}""", "where.gift: expected true or false")]
    [InlineData("""{"brand": {"gt": 1}}""", "where.brand: a range (lt, lte, gt, gte) applies only to a number field")]
    [InlineData("""{"value": {"gt": 5, "lt": 5}}""", "where.value: impossible range")]
    [InlineData("""{"value": {"gte": 10, "lte": 5}}""", "where.value: impossible range")]
    [InlineData("""{"value": {"gte": 5, "gt": 1}}""", "where.value: give at most one lower bound")]
    [InlineData("""{"value": {"between": 5}}""", "where.value: unknown bound 'between'")]
    [InlineData("""{"value": {}}""", "where.value: a range needs at least one of")]
    [InlineData("""{"value": {"lt": "5"}}""", "where.value.lt: expected a finite number")]
    [InlineData("""{"category": []}""", "where.category: a list needs 1 to 64 values, got 0")]
    [InlineData("""{"type": ["purchase", "like"]}""", "where.type lists 'like', which is not a declared event type")]
    [InlineData("""{"type": 1}""", "where.type: expected a string")]
    public void Every_invalid_where_is_named(string where, params string[] fragments)
    {
        var (_, errors) = Compile(where);
        Assert.True(errors.Any(e => e.StartsWith("user[0] 'f': ", StringComparison.Ordinal) && fragments.All(e.Contains)),
            $"expected an error containing [{string.Join("; ", fragments)}], got: {string.Join(" | ", errors)}");
    }

    [Fact]
    public void Types_and_where_type_together_are_refused()
    {
        var (_, errors) = Compile("""{"type": "view"}""", ["view"]);
        Assert.Contains(errors, e => e.Contains("give the event types once", StringComparison.Ordinal));
    }

    [Fact]
    public void Types_is_a_shorthand_for_where_type()
    {
        var (shorthand, e1) = Compile("{}", ["purchase", "click"]);
        var (where, e2) = Compile("""{"type": ["purchase", "click"]}""");
        Assert.Empty(e1);
        Assert.Empty(e2);
        Assert.Equal(shorthand.TypeFilter, where.TypeFilter);
        Assert.Same(FeatureFilter.All, Compile("{}").Filter);
    }

    [Fact]
    public void An_absent_attribute_never_matches_a_condition_on_it()
    {
        var (filter, errors) = Compile("""{"quantity": {"gte": 0}}""");
        Assert.Empty(errors);
        Assert.False(filter.Matches(Event(0, 1, EventAttributes.None)));
        Assert.True(filter.Matches(Event(0, 1, EventAttributes.Of(Attributes, null, null, 0.0, null))));
    }

    private static readonly string[] Brands = ["acme", "globex", "Initech", "umbrella", "ACME"];
    private static readonly string[] Devices = ["app", "web", "tv"];
    private static readonly string[] Categories = ["caves", "forest", "sea"];
    private static readonly double[] Numbers = [-3, 0, 1, 2.5, 10, 99.99, 100, 250, 1e6];

    internal static TreasureEvent Event(int type, double value, EventAttributes attributes, string category = "caves", string itemId = "t-1") =>
        new("e", "u", itemId, category, (EventType)type, value, DateTimeOffset.UnixEpoch) { Attributes = attributes };

    internal static TreasureEvent RandomEvent(Random r) => Event(
        r.Next(TypeNames.Length),
        Numbers[r.Next(Numbers.Length)],
        EventAttributes.Of(Attributes,
            r.Next(4) == 0 ? null : Brands[r.Next(Brands.Length)],
            r.Next(4) == 0 ? null : Devices[r.Next(Devices.Length)],
            r.Next(4) == 0 ? null : Numbers[r.Next(Numbers.Length)],
            r.Next(3) switch { 0 => null, 1 => true, _ => false }),
        Categories[r.Next(Categories.Length)],
        $"t-{r.Next(4)}");

    /// <summary>A random valid filter: 1–4 conditions, each an equality, a membership or (on numbers) a range.</summary>
    internal static (string Where, List<string>? Types) RandomFilter(Random r)
    {
        var conditions = new Dictionary<string, object>();
        var fields = new[] { "type", "category", "itemId", "value", "brand", "device", "quantity", "gift" }.OrderBy(_ => r.Next()).Take(r.Next(1, 5));
        List<string>? types = null;
        foreach (var field in fields)
        {
            object Pick(string[] from) => r.Next(2) == 0 ? from[r.Next(from.Length)] : from.OrderBy(_ => r.Next()).Take(r.Next(1, from.Length)).ToArray();
            switch (field)
            {
                case "type" when r.Next(2) == 0: types = TypeNames.OrderBy(_ => r.Next()).Take(r.Next(1, 3)).ToList(); break;
                case "type": conditions[field] = Pick(TypeNames); break;
                case "category": conditions[field] = Pick(Categories); break;
                case "itemId": conditions[field] = Pick(["t-0", "t-1", "t-2", "t-3"]); break;
                case "brand": conditions[field] = Pick(Brands); break;
                case "device": conditions[field] = Pick(Devices); break;
                case "gift": conditions[field] = r.Next(2) == 0 ? true : new object[] { true, false }; break;
                default:
                    if (r.Next(3) == 0) { conditions[field] = Numbers[r.Next(Numbers.Length)]; break; }
                    var sorted = Numbers.OrderBy(_ => r.Next()).Take(2).Order().ToArray();
                    var range = new Dictionary<string, double>();
                    if (r.Next(3) != 0) range[r.Next(2) == 0 ? "gt" : "gte"] = sorted[0];
                    if (range.Count == 0 || r.Next(2) == 0) range[r.Next(2) == 0 ? "lt" : "lte"] = sorted[1];
                    conditions[field] = range;
                    break;
            }
        }
        return (JsonSerializer.Serialize(conditions), types);
    }

    /// <summary>The declaration read naively, value by value: the reference the compiled filter is checked against.</summary>
    internal static bool BruteForce(string where, List<string>? types, TreasureEvent e)
    {
        if (types is not null && !types.Contains(TypeNames[(int)e.Type])) return false;
        using var json = JsonDocument.Parse(where);
        foreach (var condition in json.RootElement.EnumerateObject())
        {
            object? actual = condition.Name switch
            {
                "type" => TypeNames[(int)e.Type],
                "category" => e.Category,
                "itemId" => e.ItemId,
                "value" => e.Value,
                "brand" => e.Attributes[0],
                "device" => e.Attributes[1],
                "quantity" => e.Attributes[2],
                _ => e.Attributes[3],
            };
            if (actual is null) return false;
            var spec = condition.Value;
            bool Equal(JsonElement v) => actual switch
            {
                string s => v.ValueKind == JsonValueKind.String && v.GetString() == s,
                double d => v.ValueKind == JsonValueKind.Number && v.GetDouble() == d,
                bool b => v.ValueKind == (b ? JsonValueKind.True : JsonValueKind.False),
                _ => false,
            };
            var holds = spec.ValueKind switch
            {
                JsonValueKind.Array => spec.EnumerateArray().Any(Equal),
                JsonValueKind.Object => spec.EnumerateObject().All(b => b.Name switch
                {
                    "gt" => (double)actual > b.Value.GetDouble(),
                    "gte" => (double)actual >= b.Value.GetDouble(),
                    "lt" => (double)actual < b.Value.GetDouble(),
                    _ => (double)actual <= b.Value.GetDouble(),
                }),
                _ => Equal(spec),
            };
            if (!holds) return false;
        }
        return true;
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(5)]
    public void Compiled_filters_agree_with_brute_force_on_random_streams(int seed)
    {
        var r = new Random(seed);
        var matched = 0;
        for (var f = 0; f < 200; f++)
        {
            var (where, types) = RandomFilter(r);
            var (filter, errors) = Compile(where, types);
            if (errors.Count > 0 && errors.TrueForAll(e => e.Contains("impossible range", StringComparison.Ordinal))) continue; // equal bounds drawn
            Assert.True(errors.Count == 0, $"{where}: {string.Join(" | ", errors)}");
            for (var i = 0; i < 100; i++)
            {
                var e = RandomEvent(r);
                var expected = BruteForce(where, types, e);
                Assert.True(expected == filter.Matches(e), $"where {where} types [{string.Join(",", types ?? [])}] on {e}: expected {expected}");
                if (expected) matched++;
            }
        }
        Assert.InRange(matched, 100, 19_900); // the streams exercise both outcomes
    }
}
