using System.Text.Json;
using TreasureHunt.Core.Aggregation;
using TreasureHunt.Core.Events;
using TreasureHunt.Core.Features;
using TreasureHunt.Pipeline.Queries;

namespace TreasureHunt.Core.Tests;

/// <summary>
/// Real schema-2 user documents — a typical user, a hot one (every per-user cap reached) and a wide one (every
/// aggregation and option under its own definitions) — produced by the aggregation code over fixed streams and written
/// the way the Cosmos store writes them, with the answers read from them (profile view, every feature's lifetime and
/// window answers). Committed under <c>Fixtures/schema2</c> so that any change to the aggregation code is held to the
/// stored JSON and the answers of what is already deployed. Set TH_WRITE_FIXTURES=1 to write them once.
/// </summary>
public class Schema2Fixtures
{
    internal static string Directory => Path.Combine(AppContext.BaseDirectory, "Fixtures", "schema2");

    private static readonly JsonSerializerOptions AnswersJson = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    public static TheoryData<string> Names() => new(Build().Select(f => f.Name));

    /// <summary>Name → (the definitions, the document produced from its stream).</summary>
    internal static IReadOnlyList<(string Name, FeatureDefinitions Definitions, UserDocument Document)> Build()
    {
        var result = new List<(string, FeatureDefinitions, UserDocument)>();

        // A typical user: 40 deliveries (a few duplicates, late events) over a few hours, one partition.
        result.Add(("typical", FeatureDefinitionsReader.ReadDefault(),
            Run("u-typical", FeatureDefinitionsReader.ReadDefault(), RandomStreams.Deliveries(new Random(2001), 40, "u-typical"), new Random(1))));

        // A hot user: 4,000 events over three days from 2,000 items and 400 categories — the affinity's topN evicts,
        // recentItems is full, the sketch is dense, every tile ring is busy.
        {
            var rng = new Random(2002);
            var deliveries = new List<SequencedEvent>();
            var enqueued = RandomStreams.Origin;
            for (var i = 0; i < 4000; i++)
            {
                enqueued = enqueued.AddSeconds(rng.Next(130));
                var time = rng.Next(20) == 0 ? enqueued.AddMinutes(-rng.Next(1, 3000)) : enqueued.AddSeconds(-rng.Next(60));
                var type = (EventType)rng.Next(EventTypes.Count);
                var e = new TreasureEvent($"hot-{i}", "u-hot", $"item-{rng.Next(2000)}", $"cat-{rng.Next(400)}", type,
                    type == EventType.Purchase ? Math.Round(rng.NextDouble() * 100, 2) : 1, time);
                deliveries.Add(new SequencedEvent(e, i + 1, enqueued));
            }
            result.Add(("hot", FeatureDefinitionsReader.ReadDefault(), Run("u-hot", FeatureDefinitionsReader.ReadDefault(), deliveries, new Random(2))));
        }

        // A wide user: every aggregation with its options (filters, by type or not, tiles, k, topN, halfLife, of).
        {
            var definitions = WideDefinitions();
            result.Add(("wide", definitions, Run("u-wide", definitions, RandomStreams.Deliveries(new Random(2003), 400, "u-wide"), new Random(3))));
        }
        return result;
    }

    internal static FeatureDefinitions WideDefinitions()
    {
        var d = FeatureDefinitionsReader.ReadDefault();
        d.User.AddRange(
        [
            new FeatureDefinition { Name = "clicks", Aggregation = "count", Types = ["click"], Windows = ["lifetime", "hour:24", "day:7"] },
            new FeatureDefinition { Name = "spentByDay", Aggregation = "sum", Of = "value", Types = ["purchase", "claim"], Windows = ["day:30"] },
            new FeatureDefinition { Name = "valueByType", Aggregation = "sum", Of = "value", By = "type", Windows = ["lifetime", "minute:30"] },
            new FeatureDefinition { Name = "minValue", Aggregation = "min", Of = "value" },
            new FeatureDefinition { Name = "firstValue", Aggregation = "first", Of = "value" },
            new FeatureDefinition { Name = "firstClaim", Aggregation = "first", Of = "value", Types = ["claim"] },
            new FeatureDefinition { Name = "lastValue", Aggregation = "last", Of = "value" },
            new FeatureDefinition { Name = "maxValue", Aggregation = "max", Of = "value" },
            new FeatureDefinition { Name = "recentCategories", Aggregation = "lastDistinct", Of = "category", K = 3 },
            new FeatureDefinition { Name = "itemScores", Aggregation = "decayedSum", By = "itemId", HalfLife = "12h", TopN = 8 },
            new FeatureDefinition { Name = "viewedCategories", Aggregation = "approxDistinct", Of = "category", Types = ["view"] },
        ]);
        return d;
    }

    private static UserDocument Run(string userId, FeatureDefinitions source, List<SequencedEvent> deliveries, Random rng)
    {
        var definitions = FeatureDefinitionsReader.Compile(source);
        var document = UserDocument.Create(userId, definitions);
        foreach (var batch in RandomStreams.Batches(rng, deliveries))
        {
            var outcomes = new EventOutcome[batch.Count];
            document.Apply(batch, "3", definitions, DeliveryRules.Default, outcomes);
            // Some batches are delivered twice (a redelivery after a lost checkpoint): a no-op by design.
            if (rng.Next(4) == 0) document.Apply(batch, "3", definitions, DeliveryRules.Default, outcomes);
        }
        return document;
    }

    internal static string Serialize(UserDocument document) => JsonSerializer.Serialize(document, Schema1Fixtures.CosmosJson) + "\n";

    /// <summary>
    /// What the query side answers from a document: the profile view, then per feature its lifetime answer (when kept)
    /// and, per tumbling window, the answers of one tile and of every tile kept — at the user's latest event time.
    /// </summary>
    internal static string Answers(UserDocument document, CompiledDefinitions definitions)
    {
        var now = document.LastEventTime ?? RandomStreams.Origin;
        var answers = new SortedDictionary<string, object?>(StringComparer.Ordinal)
        {
            ["profile"] = UserProfileView.From(document, definitions),
        };
        foreach (var feature in definitions.User)
        {
            var state = document.Feature(feature.Name);
            if (feature.Lifetime) answers[feature.Name] = FeatureAnswers.UserValue(feature, state, definitions, QueryWindow.Lifetime, now);
            foreach (var spec in feature.Tumbling)
            {
                foreach (var tiles in new[] { 1, spec.Keep })
                {
                    var window = new QueryWindow(spec.Unit, tiles);
                    answers[$"{feature.Name}@{window}"] = FeatureAnswers.UserValue(feature, state, definitions, window, now);
                }
            }
        }
        return JsonSerializer.Serialize(answers, AnswersJson) + "\n";
    }

    private static (CompiledDefinitions Definitions, string Json) ReadFixture(string name)
    {
        var definitions = FeatureDefinitionsReader.Compile(FeatureDefinitionsReader.Parse(File.ReadAllText(Path.Combine(Directory, name + ".definitions.json"))));
        return (definitions, File.ReadAllText(Path.Combine(Directory, name + ".json")));
    }

    private static UserDocument Read(string json, CompiledDefinitions definitions)
    {
        var document = JsonSerializer.Deserialize<UserDocument>(json, Schema1Fixtures.CosmosJson)!;
        document.Bind(definitions);
        return document;
    }

    [Fact]
    public void The_committed_schema2_documents_are_what_the_aggregation_code_writes()
    {
        foreach (var (name, source, document) in Build())
        {
            var definitions = FeatureDefinitionsReader.Compile(source);
            var files = new Dictionary<string, string>
            {
                [name + ".definitions.json"] = FeatureDefinitionsReader.Serialize(source) + "\n",
                [name + ".json"] = Serialize(document),
                [name + ".answers.json"] = Answers(document, definitions),
            };
            foreach (var (file, text) in files)
            {
                if (Environment.GetEnvironmentVariable("TH_WRITE_FIXTURES") == "1")
                {
                    System.IO.Directory.CreateDirectory(Path.Combine(SourceDirectory(), "Fixtures", "schema2"));
                    File.WriteAllText(Path.Combine(SourceDirectory(), "Fixtures", "schema2", file), text);
                    continue;
                }
                var path = Path.Combine(Directory, file);
                Assert.True(File.Exists(path), $"fixture {path} is missing");
                Assert.Equal(File.ReadAllText(path), text);
            }
        }
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void A_committed_document_reads_back_to_the_committed_answers(string name)
    {
        var (definitions, json) = ReadFixture(name);
        var document = Read(json, definitions);
        Assert.Equal(2, document.Schema);
        Assert.Equal(File.ReadAllText(Path.Combine(Directory, name + ".answers.json")), Answers(document, definitions));
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void An_unchanged_document_is_written_back_to_the_same_json(string name)
    {
        var (definitions, json) = ReadFixture(name);
        var document = Read(json, definitions);
        Assert.Equal(json, Serialize(document));
    }

    [Fact]
    public void The_fixtures_reach_what_they_are_meant_to_cover()
    {
        var (definitions, json) = ReadFixture("hot");
        var hot = Read(json, definitions);
        Assert.True(hot.Feature("affinity")!.CapReached > 0, "the hot user's affinity evicted nothing");
        Assert.Equal(definitions.UserFeature("recentItems")!.K, hot.Feature("recentItems")!.Ids!.Count);
        Assert.True(hot.Feature("distinctItems")!.DistinctEstimate() > 1024, "the hot user's sketch is not dense");

        (definitions, json) = ReadFixture("wide");
        var wide = Read(json, definitions);
        var aggregations = wide.Features.Values.Select(f => f.Aggregation).ToHashSet(StringComparer.Ordinal);
        Assert.Equal(
            ["approxDistinct", "count", "decayedSum", "first", "last", "lastDistinct", "max", "min", "sum"],
            aggregations.Order(StringComparer.Ordinal));
        Assert.All(definitions.User, f => Assert.True(wide.Feature(f.Name) is not null, f.Name));
        Assert.True(wide.Feature("itemScores")!.CapReached > 0, "the wide user's itemScores evicted nothing");
        Assert.NotNull(wide.Feature("firstClaim")!.Value);
    }

    private static string SourceDirectory([System.Runtime.CompilerServices.CallerFilePath] string file = "") => Path.GetDirectoryName(file)!;
}
