using System.Text.Json;
using TreasureHunt.Core.Aggregation;
using TreasureHunt.Core.Events;
using TreasureHunt.Core.Features;
using static TreasureHunt.Core.Tests.Features.FeatureFilterTests;

namespace TreasureHunt.Core.Tests.Features;

/// <summary>
/// Filters, <c>of</c> a number attribute and <c>by</c> a text field end to end: events applied through a user document,
/// answers checked against a naive computation over the events the declaration selects; an event without the field
/// read counts for nothing; a keyed breakdown keeps its topN keys; every declaration error names its entry.
/// </summary>
public sealed class FilteredAggregationTests
{
    /// <summary>The filter tests' types and attributes (brand, device: string; quantity: number; gift: boolean).</summary>
    private static FeatureDefinitions Document(params FeatureDefinition[] user) => new()
    {
        Version = 1,
        EventTypes = [.. TypeNames.Select(t => new EventTypeDefinition { Name = t, Weight = 1 })],
        Attributes =
        [
            new AttributeDefinition { Name = "brand", Type = "string" },
            new AttributeDefinition { Name = "device", Type = "string" },
            new AttributeDefinition { Name = "quantity", Type = "number" },
            new AttributeDefinition { Name = "gift", Type = "boolean" },
        ],
        User = [.. user],
    };

    private static Dictionary<string, JsonElement> Where(string json) => JsonSerializer.Deserialize<Dictionary<string, JsonElement>>(json)!;

    private static UserDocument Aggregate(IEnumerable<TreasureEvent> events, CompiledDefinitions definitions)
    {
        var document = UserDocument.Create("u", definitions);
        var caps = 0L;
        foreach (var e in events) document.Add(e, definitions, ref caps);
        document.CapsReached += caps;
        return document;
    }

    private static object? Answer(UserDocument document, CompiledDefinitions definitions, string feature)
    {
        var f = definitions.UserFeature(feature)!;
        return f.Aggregator.Answer(document.Feature(feature)!, f, QueryWindow.Lifetime, DateTimeOffset.UnixEpoch, definitions.TypeNames);
    }

    private static string? Text(TreasureEvent e, int attribute) => e.Attributes[attribute] switch
    {
        null => null,
        bool b => b ? "true" : "false",
        var v => (string)v,
    };

    private static double? Quantity(TreasureEvent e) => e.Attributes.NumberAt(2);

    [Theory]
    [InlineData(11)]
    [InlineData(12)]
    [InlineData(13)]
    [InlineData(14)]
    public void Random_filters_through_every_counter_shape_agree_with_a_naive_computation(int seed)
    {
        var r = new Random(seed);
        var nonEmpty = 0;
        for (var round = 0; round < 60; round++)
        {
            var (where, types) = RandomFilter(r);
            FeatureDefinition F(string name, string aggregation, string? of = null, string? by = null, int? topN = null, int? k = null) =>
                new() { Name = name, Aggregation = aggregation, Of = of, By = by, TopN = topN, K = k, Types = types, Where = Where(where) };
            var document = Document(
                F("n", "count"),
                F("total", "sum"),
                F("meanQuantity", "avg", of: "quantity"),
                F("quantityByType", "sum", of: "quantity", by: "type"),
                F("maxQuantity", "max", of: "quantity"),
                F("byDevice", "count", by: "device", topN: 8),
                F("valueByBrand", "sum", by: "brand", topN: 8),
                F("meanByGift", "avg", by: "gift", topN: 2),
                F("brands", "lastDistinct", of: "brand", k: 10));
            var errors = FeatureDefinitionsReader.Validate(document);
            if (errors.Count > 0 && errors.All(e => e.Contains("impossible range", StringComparison.Ordinal))) continue; // equal bounds drawn
            Assert.True(errors.Count == 0, string.Join(" | ", errors));
            var definitions = FeatureDefinitionsReader.Compile(document);

            var events = Enumerable.Range(0, r.Next(0, 150)).Select(_ => RandomEvent(r)).ToList();
            var state = Aggregate(events, definitions);
            var selected = events.Where(e => BruteForce(where, types, e)).ToList();
            if (selected.Count > 0) nonEmpty++;
            var what = $"where {where} types [{string.Join(",", types ?? [])}]";

            Assert.Equal((long)selected.Count, Answer(state, definitions, "n"));
            Close(selected.Sum(e => e.Value), (double)Answer(state, definitions, "total")!, what);
            var quantities = selected.Where(e => Quantity(e) is not null).Select(e => Quantity(e)!.Value).ToList();
            if (quantities.Count == 0) Assert.Null(Answer(state, definitions, "meanQuantity"));
            else Close(quantities.Average(), (double)Answer(state, definitions, "meanQuantity")!, what);
            Assert.Equal(quantities.Count == 0 ? null : quantities.Max(), (double?)Answer(state, definitions, "maxQuantity"));

            var byType = (IReadOnlyDictionary<string, object?>)Answer(state, definitions, "quantityByType")!;
            var filter = definitions.UserFeature("quantityByType")!.Filter;
            Assert.Equal(Enumerable.Range(0, TypeNames.Length).Where(filter.AcceptsType).Select(t => TypeNames[t]), byType.Keys);
            foreach (var (type, sum) in byType)
            {
                Close(selected.Where(e => TypeNames[(int)e.Type] == type).Sum(e => Quantity(e) ?? 0), (double)sum!, $"{what} {type}");
            }

            var devices = (IReadOnlyDictionary<string, object?>)Answer(state, definitions, "byDevice")!;
            var expectedDevices = selected.Where(e => Text(e, 1) is not null).GroupBy(e => Text(e, 1)!).ToDictionary(g => g.Key, g => (object?)(long)g.Count());
            Assert.Equal(expectedDevices.OrderBy(kv => kv.Key, StringComparer.Ordinal), devices.OrderBy(kv => kv.Key, StringComparer.Ordinal));

            var brands = (IReadOnlyDictionary<string, object?>)Answer(state, definitions, "valueByBrand")!;
            var expectedBrands = selected.Where(e => Text(e, 0) is not null).GroupBy(e => Text(e, 0)!).ToDictionary(g => g.Key, g => g.Sum(e => e.Value));
            Assert.Equal(expectedBrands.Keys.Order(StringComparer.Ordinal), brands.Keys.Order(StringComparer.Ordinal));
            foreach (var (brand, sum) in expectedBrands) Close(sum, (double)brands[brand]!, $"{what} {brand}");

            var gifts = (IReadOnlyDictionary<string, object?>)Answer(state, definitions, "meanByGift")!;
            var expectedGifts = selected.Where(e => Text(e, 3) is not null).GroupBy(e => Text(e, 3)!).ToDictionary(g => g.Key, g => g.Average(e => e.Value));
            Assert.Equal(expectedGifts.Keys.Order(StringComparer.Ordinal), gifts.Keys.Order(StringComparer.Ordinal));
            foreach (var (gift, mean) in expectedGifts) Close(mean, (double)gifts[gift]!, $"{what} {gift}");

            var recent = state.Feature("brands")!.Ids!;
            Assert.Equal(selected.Select(e => Text(e, 0)).OfType<string>().Distinct().Order(StringComparer.Ordinal), recent.Order(StringComparer.Ordinal));
            Assert.Equal(0, state.CapsReached); // every breakdown's distinct keys fit its topN
        }
        Assert.InRange(nonEmpty, 10, 60);
    }

    private static void Close(double expected, double actual, string what) =>
        Assert.True(Math.Abs(expected - actual) <= 1e-9 * Math.Max(1, Math.Abs(expected)), $"{what}: expected {expected}, got {actual}");

    [Fact]
    public void An_event_without_the_field_a_feature_reads_counts_for_nothing_there()
    {
        var definitions = FeatureDefinitionsReader.Compile(Document(
            new FeatureDefinition { Name = "quantity", Aggregation = "sum", Of = "quantity" },
            new FeatureDefinition { Name = "meanQuantity", Aggregation = "avg", Of = "quantity", Windows = ["lifetime", "hour:2"] },
            new FeatureDefinition { Name = "minQuantity", Aggregation = "min", Of = "quantity" },
            new FeatureDefinition { Name = "firstQuantity", Aggregation = "first", Of = "quantity" },
            new FeatureDefinition { Name = "recentBrands", Aggregation = "lastDistinct", Of = "brand", K = 5 },
            new FeatureDefinition { Name = "distinctBrands", Aggregation = "approxDistinct", Of = "brand" },
            new FeatureDefinition { Name = "brandAffinity", Aggregation = "decayedSum", By = "brand", HalfLife = "1d", TopN = 4 },
            new FeatureDefinition { Name = "quantityAffinity", Aggregation = "decayedSum", Of = "quantity", By = "category", HalfLife = "1d", TopN = 4 },
            new FeatureDefinition { Name = "devices", Aggregation = "count", By = "device", TopN = 4 },
            new FeatureDefinition { Name = "withQuantity", Aggregation = "count", Where = Where("""{"quantity": {"gt": -1000000000}}""") }));
        var bare = Event(0, 7, EventAttributes.None);
        var document = Aggregate([bare, bare with { Value = 9 }], definitions);
        foreach (var name in new[] { "quantity", "meanQuantity", "minQuantity", "firstQuantity", "withQuantity" })
        {
            Assert.True(Answer(document, definitions, name) is null or 0L or 0.0, $"{name}: {Answer(document, definitions, name)}");
        }
        Assert.Empty(document.Feature("recentBrands")!.Ids!);
        Assert.Equal(0L, Answer(document, definitions, "distinctBrands"));
        Assert.Empty(document.Feature("brandAffinity")!.Scores!);
        Assert.Empty(document.Feature("quantityAffinity")!.Scores!);
        Assert.Empty(document.Feature("devices")!.KeyCounts!);

        var full = Event(0, 7, EventAttributes.Of(Attributes, "acme", "app", 3.0, true));
        var one = Aggregate([full], definitions);
        Assert.Equal(3.0, Answer(one, definitions, "quantity"));
        Assert.Equal(3.0, Answer(one, definitions, "minQuantity"));
        Assert.Equal(["acme"], one.Feature("recentBrands")!.Ids!);
        Assert.Equal(7.0, one.Feature("brandAffinity")!.Scores!["acme"]);
        Assert.Equal(3.0, one.Feature("quantityAffinity")!.Scores!["caves"]);
        Assert.Equal(1L, one.Feature("devices")!.KeyCounts!["app"]);
        Assert.Equal(1L, Answer(one, definitions, "withQuantity"));
    }

    [Fact]
    public void Filters_fields_and_keyed_breakdowns_allocate_nothing_per_event_once_their_keys_are_known()
    {
        var definitions = FeatureDefinitionsReader.Compile(Document(
            new FeatureDefinition { Name = "big", Aggregation = "count", Where = Where("""{"type": ["view", "purchase"], "value": {"gte": 2}, "device": ["app", "web"], "gift": false}""") },
            new FeatureDefinition { Name = "quantityByType", Aggregation = "sum", Of = "quantity", By = "type", Windows = ["lifetime", "hour:24"], Where = Where("""{"brand": "acme"}""") },
            new FeatureDefinition { Name = "meanByDevice", Aggregation = "avg", By = "device", TopN = 8 },
            new FeatureDefinition { Name = "maxQuantity", Aggregation = "max", Of = "quantity", Windows = ["lifetime", "day:7"] },
            new FeatureDefinition { Name = "brandAffinity", Aggregation = "decayedSum", By = "brand", HalfLife = "1d", TopN = 8 },
            new FeatureDefinition { Name = "recentBrands", Aggregation = "lastDistinct", Of = "brand", K = 4 },
            new FeatureDefinition { Name = "distinctDevices", Aggregation = "approxDistinct", Of = "device" }));
        var r = new Random(5);
        var events = Enumerable.Range(0, 200).Select(_ => RandomEvent(r)).ToList();
        var document = Aggregate(events, definitions);
        var caps = 0L;
        var before = GC.GetAllocatedBytesForCurrentThread();
        foreach (var e in events) document.Add(e, definitions, ref caps);
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Fact]
    public void A_keyed_breakdown_keeps_the_keys_with_the_most_events_and_counts_what_it_evicted()
    {
        var definitions = FeatureDefinitionsReader.Compile(Document(
            new FeatureDefinition { Name = "devices", Aggregation = "count", By = "device", TopN = 2 },
            new FeatureDefinition { Name = "spendByDevice", Aggregation = "sum", By = "device", TopN = 2 }));
        TreasureEvent On(string device, double value) => Event(0, value, EventAttributes.Of(Attributes, null, device, null, null));
        var document = Aggregate([On("app", 1), On("app", 2), On("app", 3), On("web", 10), On("web", 20), On("tv", 100)], definitions);

        Assert.Equal(new Dictionary<string, object?> { ["app"] = 3L, ["web"] = 2L }, Answer(document, definitions, "devices"));
        Assert.Equal(new Dictionary<string, object?> { ["web"] = 30.0, ["app"] = 6.0 }.OrderBy(kv => kv.Key), ((Dictionary<string, object?>)Answer(document, definitions, "spendByDevice")!).OrderBy(kv => kv.Key));
        Assert.Equal(["app", "web"], ((Dictionary<string, object?>)Answer(document, definitions, "devices")!).Keys); // most events first
        Assert.Equal(1, document.Feature("devices")!.CapReached);
        Assert.Equal(2, document.CapsReached);
        Assert.Null(document.Feature("devices")!.KeySums);
        Assert.Null(document.Feature("devices")!.Counts);
        Assert.Equal(["app", "web"], document.Feature("spendByDevice")!.KeySums!.Keys.Order(StringComparer.Ordinal));

        // Stored and read back: the keyed maps are kn and ks, and nothing of the per-type shape is written.
        var json = JsonSerializer.Serialize(document.Features["spendByDevice"]);
        Assert.Equal("""{"a":"sum","kn":{"app":3,"web":2},"ks":{"app":6,"web":30},"capped":1}""", json);
        var read = JsonSerializer.Deserialize<FeatureState>(json)!;
        Assert.Equal(6.0, read.KeySums!["app"]);
    }

    [Fact]
    public void Feature_names_and_answers_of_a_keyed_breakdown_are_one_text_column()
    {
        var definitions = FeatureDefinitionsReader.Compile(Document(new FeatureDefinition { Name = "devices", Aggregation = "count", By = "device", TopN = 4 }));
        var feature = definitions.UserFeature("devices")!;
        var column = Assert.Single(feature.Aggregator.Columns(feature, definitions.TypeNames));
        Assert.Equal(("devices", TreasureHunt.Core.Features.Aggregators.AnswerColumnType.Text), (column.Name, column.Type));
        var document = Aggregate([Event(0, 1, EventAttributes.Of(Attributes, null, "app", null, null))], definitions);
        Assert.Equal("""{"app":1}""", column.Take(Answer(document, definitions, "devices")!));
    }

    public static TheoryData<string, string> InvalidDeclarations => new()
    {
        { """{"name": "f", "aggregation": "sum", "of": "brand"}""", "user[0] 'f': 'of' must be value or a number attribute for sum, got 'brand', a string attribute" },
        { """{"name": "f", "aggregation": "max", "of": "gift"}""", "user[0] 'f': 'of' must be value or a number attribute for max, got 'gift', a boolean attribute" },
        { """{"name": "f", "aggregation": "avg", "of": "price"}""", "user[0] 'f': 'of' must be value or a number attribute for avg, got 'price', which is neither an event field nor a declared attribute (attributes: brand, device, quantity, gift)" },
        { """{"name": "f", "aggregation": "count", "by": "quantity", "topN": 5}""", "user[0] 'f': 'by' must be type, category, itemId or a string or boolean attribute for count, got 'quantity', a number attribute" },
        { """{"name": "f", "aggregation": "count", "by": "device"}""", "user[0] 'f': count by 'device' needs 'topN' from 1 to 10000" },
        { """{"name": "f", "aggregation": "sum", "by": "device", "topN": 0}""", "user[0] 'f': sum by 'device' needs 'topN' from 1 to 10000" },
        { """{"name": "f", "aggregation": "avg", "by": "device", "topN": 4, "windows": ["lifetime", "day:7"]}""", "user[0] 'f': a breakdown by 'device' is lifetime only in this version" },
        { """{"name": "f", "aggregation": "sum", "topN": 4}""", "user[0] 'f': 'topN' applies to sum only with 'by' a field other than type" },
        { """{"name": "f", "aggregation": "decayedSum", "by": "quantity", "halfLife": "1d", "topN": 4}""", "user[0] 'f': 'by' must be category, itemId or a string or boolean attribute for decayedSum, got 'quantity', a number attribute" },
        { """{"name": "f", "aggregation": "decayedSum", "by": "type", "halfLife": "1d", "topN": 4}""", "user[0] 'f': 'by' must be category, itemId or a string or boolean attribute for decayedSum, got 'type', a text field" },
        { """{"name": "f", "aggregation": "decayedSum", "of": "brand", "by": "device", "halfLife": "1d", "topN": 4}""", "user[0] 'f': 'of' must be value or a number attribute for decayedSum, got 'brand', a string attribute" },
        { """{"name": "f", "aggregation": "lastDistinct", "of": "gift", "k": 3}""", "user[0] 'f': 'of' must be itemId, category or a string attribute for lastDistinct, got 'gift', a boolean attribute" },
        { """{"name": "f", "aggregation": "approxDistinct", "of": "quantity"}""", "user[0] 'f': 'of' must be itemId, category or a string attribute for approxDistinct, got 'quantity', a number attribute" },
        { """{"name": "f", "aggregation": "approxDistinct"}""", "user[0] 'f': approxDistinct needs 'of': itemId, category or a string attribute" },
        { """{"name": "f", "aggregation": "count", "where": {"colour": "red"}}""", "user[0] 'f': where.colour: unknown field or attribute" },
        { """{"name": "f", "aggregation": "count", "where": {"quantity": {"gt": 5, "lt": 1}}}""", "user[0] 'f': where.quantity: impossible range" },
    };

    [Theory]
    [MemberData(nameof(InvalidDeclarations))]
    public void Every_invalid_of_by_and_where_is_named(string feature, string expected)
    {
        var errors = FeatureDefinitionsReader.Validate(Document(JsonSerializer.Deserialize<FeatureDefinition>(feature)!));
        Assert.True(errors.Any(e => e.StartsWith(expected, StringComparison.Ordinal)), $"expected an error starting with '{expected}', got: {string.Join(" | ", errors)}");
    }

    [Fact]
    public void A_where_on_an_item_or_global_feature_is_compiled_like_a_user_feature()
    {
        var d = FeatureDefinitionsReader.ReadDefault();
        d.Item[0].Where = Where("""{"type": "purchase"}""");
        d.Global[0].Where = Where("""{"value": {"gte": 1}}""");
        var compiled = FeatureDefinitionsReader.Compile(d);
        Assert.False(compiled.Item[0].Filter.IsAll);
        Assert.True(compiled.Item[0].Filter.AcceptsType(4));
        Assert.False(compiled.Item[0].Filter.AcceptsType(0));
        Assert.False(compiled.Global[0].Filter.IsAll);
    }

    [Fact]
    public void Changing_of_by_or_where_is_a_redefinition_and_reordering_where_is_not()
    {
        FeatureDefinitions With(Action<FeatureDefinition> change)
        {
            var d = Document(new FeatureDefinition { Name = "f", Aggregation = "sum", Of = "value", By = "device", TopN = 8, Where = Where("""{"type": "purchase", "value": {"gte": 1, "lt": 9}}""") });
            change(d.User[0]);
            return d;
        }
        var stored = With(_ => { });
        Assert.Empty(DefinitionsCompatibility.Check(stored, With(_ => { })));
        Assert.Empty(DefinitionsCompatibility.Check(stored, With(f => f.Where = Where("""{"value": {"lt": 9, "gte": 1}, "type": "purchase"}"""))));
        foreach (var change in new Action<FeatureDefinition>[]
        {
            f => f.Of = "quantity",
            f => f.By = "brand",
            f => f.Where = Where("""{"type": "purchase", "value": {"gte": 1, "lte": 9}}"""),
            f => f.Where = Where("""{"type": ["purchase", "view"], "value": {"gte": 1, "lt": 9}}"""),
            f => f.Where = null,
            f => f.TopN = 9,
        })
        {
            var candidate = With(change);
            Assert.Contains(DefinitionsCompatibility.Check(stored, candidate), e => e.StartsWith("user 'f': redefined without a new version", StringComparison.Ordinal));
            candidate.Version = 2;
            Assert.Empty(DefinitionsCompatibility.Check(stored, candidate));
        }
    }

    [Fact]
    public void The_fingerprint_of_a_feature_without_where_is_unchanged()
    {
        var events = FeatureDefinitionsReader.ReadDefault().User[0];
        Assert.Equal("""{"name":"events","aggregation":"count","by":"type","windows":["lifetime","minute:120","hour:48","day:35"]}""", DefinitionsCompatibility.Fingerprint(events));
    }
}
