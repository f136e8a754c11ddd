using FsCheck.Xunit;
using TreasureHunt.Core.Aggregation;
using TreasureHunt.Core.Events;
using TreasureHunt.Core.Features;
using static TreasureHunt.Core.Tests.TestData;

namespace TreasureHunt.Core.Tests.Features;

/// <summary>
/// Merging partial states: a random stream split into any number of parts (any events in any part, in any order), each
/// part aggregated into its own document, the documents merged pairwise in random order — must give the state of the
/// whole stream, for every aggregation and its tiles. Exact for counts, min/max/first/last, lastDistinct (even beyond k)
/// and the sketches; sums and decayed scores within 1e-9 relative (1e-9 absolute below 1). decayedSum is exact only
/// while nothing was evicted (an evicted key's score is gone), so its topN here is above the stream's distinct keys; so
/// are the keyed breakdowns' (count, sum, avg by category or itemId).
/// </summary>
public class MergePropertyTests
{
    private const int Cases = 150;

    /// <summary>Every aggregation with its options: filters, by type or not, every tile unit, a k the streams overflow.</summary>
    internal static FeatureDefinitions MergeDefinitions()
    {
        var d = FeatureDefinitionsReader.ReadDefault();
        d.User =
        [
            new FeatureDefinition { Name = "events", Aggregation = "count", By = "type", Windows = ["lifetime", "minute:120", "hour:48", "day:35"] },
            new FeatureDefinition { Name = "clicks", Aggregation = "count", Types = ["click", "share"], Windows = ["lifetime", "hour:5"] },
            new FeatureDefinition { Name = "value", Aggregation = "sum", Of = "value", By = "type", Windows = ["lifetime", "minute:30", "day:7"] },
            new FeatureDefinition { Name = "spent", Aggregation = "sum", Of = "value", Types = ["purchase"] },
            new FeatureDefinition { Name = "minValue", Aggregation = "min", Of = "value" },
            new FeatureDefinition { Name = "maxClaim", Aggregation = "max", Of = "value", Types = ["claim"] },
            new FeatureDefinition { Name = "firstValue", Aggregation = "first", Of = "value" },
            new FeatureDefinition { Name = "lastView", Aggregation = "last", Of = "value", Types = ["view"] },
            new FeatureDefinition { Name = "recentItems", Aggregation = "lastDistinct", Of = "itemId", K = 5 },
            new FeatureDefinition { Name = "categories", Aggregation = "lastDistinct", Of = "category", K = 1000 },
            new FeatureDefinition { Name = "affinity", Aggregation = "decayedSum", By = "category", HalfLife = "7d", TopN = 256 },
            new FeatureDefinition { Name = "itemScores", Aggregation = "decayedSum", By = "itemId", HalfLife = "3h", TopN = 64, Types = ["view", "purchase"] },
            new FeatureDefinition { Name = "distinctItems", Aggregation = "approxDistinct", Of = "itemId" },
            new FeatureDefinition { Name = "avgValue", Aggregation = "avg", Of = "value", By = "type", Windows = ["lifetime", "hour:48"] },
            new FeatureDefinition { Name = "minByHour", Aggregation = "min", Of = "value", Windows = ["lifetime", "hour:48", "day:35"] },
            new FeatureDefinition { Name = "maxByMinute", Aggregation = "max", Of = "value", Types = ["purchase", "view"], Windows = ["minute:120"] },
            new FeatureDefinition { Name = "firstByDay", Aggregation = "first", Of = "value", Windows = ["lifetime", "day:35"] },
            new FeatureDefinition { Name = "lastByHour", Aggregation = "last", Of = "value", Types = ["click"], Windows = ["hour:48"] },
            new FeatureDefinition { Name = "itemsByHour", Aggregation = "approxDistinct", Of = "itemId", Windows = ["lifetime", "hour:48", "minute:120"] },
            new FeatureDefinition { Name = "countByCategory", Aggregation = "count", By = "category", TopN = 5 },
            new FeatureDefinition { Name = "valueByItem", Aggregation = "sum", By = "itemId", TopN = 30, Types = ["view", "purchase"] },
            new FeatureDefinition { Name = "avgByCategory", Aggregation = "avg", By = "category", TopN = 8, Where = Where("""{"value": {"gt": 1}}""") },
            new FeatureDefinition { Name = "bigFirstByHour", Aggregation = "first", Of = "value", Windows = ["lifetime", "hour:48"], Where = Where("""{"value": {"gt": 50, "lte": 900}, "type": ["view", "claim"]}""") },
            new FeatureDefinition { Name = "bigByType", Aggregation = "count", By = "type", Windows = ["lifetime", "hour:48"], Where = Where("""{"value": {"gte": 100}, "category": ["c0", "c1"]}""") },
        ];
        return d;
    }

    private static Dictionary<string, System.Text.Json.JsonElement> Where(string json) =>
        System.Text.Json.JsonSerializer.Deserialize<Dictionary<string, System.Text.Json.JsonElement>>(json)!;

    internal static readonly CompiledDefinitions Definitions = FeatureDefinitionsReader.Compile(MergeDefinitions());

    internal static UserDocument Aggregate(IEnumerable<TreasureEvent> events, CompiledDefinitions definitions)
    {
        var document = UserDocument.Create("u-1", definitions);
        var caps = 0L;
        foreach (var e in events) document.Add(e, definitions, ref caps);
        document.CapsReached += caps;
        return document;
    }

    [Property(MaxTest = Cases)]
    public void Merging_the_parts_of_any_split_in_any_order_gives_the_state_of_the_whole_stream(int seed)
    {
        var rng = new Random(seed);
        var events = RandomStreams.Events(rng, rng.Next(1, 200));
        var whole = Aggregate(events, Definitions);

        var parts = Enumerable.Range(0, rng.Next(1, 7)).Select(_ => new List<TreasureEvent>()).ToList();
        foreach (var e in RandomStreams.Shuffle(rng, events)) parts[rng.Next(parts.Count)].Add(e);
        var documents = parts.Select(p => Aggregate(p, Definitions)).ToList();
        // Pairwise in random order (some parts empty, some merged after being merged into): associativity and commutativity.
        while (documents.Count > 1)
        {
            var into = rng.Next(documents.Count);
            var other = (into + rng.Next(1, documents.Count)) % documents.Count;
            documents[into].MergeFeatures(documents[other], Definitions);
            documents.RemoveAt(other);
        }

        AssertSameState(whole, documents[0], Definitions);
    }

    [Property(MaxTest = Cases)]
    public void Merging_is_commutative_state_for_state(int seed)
    {
        var rng = new Random(seed);
        var a = RandomStreams.Events(rng, rng.Next(0, 120));
        var b = RandomStreams.Events(rng, rng.Next(0, 120)).Select(e => e with { EventId = "b-" + e.EventId }).ToList();
        var ab = Aggregate(a, Definitions);
        ab.MergeFeatures(Aggregate(b, Definitions), Definitions);
        var ba = Aggregate(b, Definitions);
        ba.MergeFeatures(Aggregate(a, Definitions), Definitions);
        AssertSameState(ab, ba, Definitions);
        AssertSameState(Aggregate(a.Concat(b), Definitions), ab, Definitions);
    }

    [Fact]
    public void A_merged_decayed_sum_keeps_its_cap_and_counts_what_merging_evicted()
    {
        var definitions = FeatureDefinitionsReader.Compile(Capped());
        var t = RandomStreams.Origin;
        var a = Aggregate([Event("a1", t, category: "c1"), Event("a2", t, category: "c2")], definitions);
        var b = Aggregate([Event("b1", t, category: "c3", value: 5), Event("b2", t, category: "c4", value: 3)], definitions);
        a.MergeFeatures(b, definitions);
        var affinity = a.Feature("affinity")!;
        Assert.Equal(["c3", "c4"], affinity.Scores!.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(2, affinity.CapReached);
        Assert.Equal(2, a.CapsReached);

        static FeatureDefinitions Capped()
        {
            var d = FeatureDefinitionsReader.ReadDefault();
            d.User = [new FeatureDefinition { Name = "affinity", Aggregation = "decayedSum", By = "category", HalfLife = "7d", TopN = 2 }];
            return d;
        }
    }

    [Fact]
    public void A_merged_keyed_breakdown_keeps_its_cap_and_counts_what_merging_evicted()
    {
        var d = FeatureDefinitionsReader.ReadDefault();
        d.User = [new FeatureDefinition { Name = "byCategory", Aggregation = "sum", By = "category", TopN = 2 }];
        var definitions = FeatureDefinitionsReader.Compile(d);
        var t = RandomStreams.Origin;
        var a = Aggregate([Event("a1", t, category: "c1"), Event("a2", t, category: "c2", value: 4), Event("a3", t, category: "c2")], definitions);
        var b = Aggregate([Event("b1", t, category: "c3", value: 5), Event("b2", t, category: "c3", value: 3), Event("b3", t, category: "c3")], definitions);
        a.MergeFeatures(b, definitions);
        var state = a.Feature("byCategory")!;
        Assert.Equal(new Dictionary<string, long> { ["c2"] = 2, ["c3"] = 3 }, state.KeyCounts!.OrderBy(kv => kv.Key).ToDictionary());
        Assert.Equal(new Dictionary<string, double> { ["c2"] = 5, ["c3"] = 9 }, state.KeySums!.OrderBy(kv => kv.Key).ToDictionary());
        Assert.Equal(1, state.CapReached);
        Assert.Equal(1, a.CapsReached);
    }

    /// <summary>The features of two documents hold the same state: exactly, sums and scores within 1e-9 relative (absolute below 1).</summary>
    internal static void AssertSameState(UserDocument expected, UserDocument actual, CompiledDefinitions definitions)
    {
        Assert.Equal(expected.FirstEventTime, actual.FirstEventTime);
        Assert.Equal(expected.LastEventTime, actual.LastEventTime);
        Assert.Equal(expected.CapsReached, actual.CapsReached);
        foreach (var feature in definitions.User)
        {
            var e = expected.Feature(feature.Name)!;
            var a = actual.Feature(feature.Name)!;
            var name = feature.Name;
            Assert.Equal(e.Aggregation, a.Aggregation);
            Assert.Equal(e.Counts, a.Counts);
            AssertClose(e.Sums, a.Sums, 1, name);
            Assert.Equal(e.Value, a.Value);
            Assert.Equal(e.Ticks, a.Ticks);
            Assert.Equal(e.Ids, a.Ids);
            Assert.Equal(e.IdTicks, a.IdTicks);
            Assert.Equal(e.Sketch, a.Sketch);
            Assert.Equal(e.CapReached, a.CapReached);
            Assert.Equal(e.KeyCounts?.OrderBy(kv => kv.Key, StringComparer.Ordinal), a.KeyCounts?.OrderBy(kv => kv.Key, StringComparer.Ordinal));
            Assert.Equal(e.KeySums?.Keys.Order(StringComparer.Ordinal), a.KeySums?.Keys.Order(StringComparer.Ordinal));
            foreach (var (key, sum) in e.KeySums ?? []) Close(sum, a.KeySums![key], scale: Math.Max(Math.Abs(sum), 1), what: $"{name}[{key}]");
            Assert.Equal(e.Scores?.Keys.Order(StringComparer.Ordinal), a.Scores?.Keys.Order(StringComparer.Ordinal));
            foreach (var (key, score) in e.Scores ?? []) Close(score, a.Scores![key], scale: Math.Max(Math.Abs(score), 1), what: $"{name}[{key}]");
            Assert.Equal(e.ValueTiles?.Keys.Order(StringComparer.Ordinal), a.ValueTiles?.Keys.Order(StringComparer.Ordinal));
            foreach (var (unit, ring) in e.ValueTiles ?? [])
            {
                Assert.Equal((ring.Keep, ring.Newest), (a.ValueTiles![unit].Keep, a.ValueTiles[unit].Newest));
                Assert.Equal(ring.Held(), a.ValueTiles[unit].Held());
            }
            Assert.Equal(e.SketchTiles?.Keys.Order(StringComparer.Ordinal), a.SketchTiles?.Keys.Order(StringComparer.Ordinal));
            foreach (var (unit, ring) in e.SketchTiles ?? [])
            {
                Assert.Equal((ring.Keep, ring.Newest), (a.SketchTiles![unit].Keep, a.SketchTiles[unit].Newest));
                Assert.Equal(ring.Held().Select(h => (h.Tile, Convert.ToBase64String(h.Value.ToBytes()))), a.SketchTiles[unit].Held().Select(h => (h.Tile, Convert.ToBase64String(h.Value.ToBytes()))));
            }
            Assert.Equal(e.Tiles?.Keys.Order(StringComparer.Ordinal), a.Tiles?.Keys.Order(StringComparer.Ordinal));
            foreach (var (unit, ring) in e.Tiles ?? [])
            {
                var other = a.Tiles![unit];
                Assert.Equal((ring.Keep, ring.Buckets, ring.IsSums), (other.Keep, other.Buckets, other.IsSums));
                Assert.Equal(ring.Newest, other.Newest);
                for (var tile = ring.Newest - ring.Keep + 1; ring.Newest != long.MinValue && tile <= ring.Newest; tile++)
                {
                    for (var b = 0; b < ring.Buckets; b++)
                    {
                        Assert.Equal(ring.CountAt(tile, b), other.CountAt(tile, b));
                        Close(ring.SumAt(tile, b), other.SumAt(tile, b), scale: Math.Max(Math.Abs(ring.SumAt(tile, b)), 1), what: $"{name}.{unit}[{tile}, {b}]");
                    }
                }
            }
        }
    }

    private static void AssertClose(double[]? expected, double[]? actual, double size, string what)
    {
        Assert.Equal(expected is null, actual is null);
        if (expected is null) return;
        Assert.Equal(expected.Length, actual!.Length);
        for (var i = 0; i < expected.Length; i++) Close(expected[i], actual[i], scale: Math.Max(Math.Abs(expected[i]), size), what: $"{what}[{i}]");
    }
}
