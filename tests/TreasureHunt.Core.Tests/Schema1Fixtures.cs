using System.Text.Json;
using TreasureHunt.Core.Aggregation;
using TreasureHunt.Core.Events;
using TreasureHunt.Testing.Reference;
using static TreasureHunt.Core.Tests.TestData;

namespace TreasureHunt.Core.Tests;

/// <summary>
/// Real schema-1 user documents, produced by the schema-1 <c>UserAggregate</c> over fixed streams and serialized the way
/// the Cosmos store writes them (System.Text.Json web defaults). They are committed under <c>Fixtures/schema1</c> so that
/// upgrade-on-read is tested against what the deployed code really stored. This test pins them: regenerating them from
/// the schema-1 code must give the committed bytes (set TH_WRITE_FIXTURES=1 to write them once).
/// </summary>
public class Schema1Fixtures
{
    internal static readonly JsonSerializerOptions CosmosJson = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    internal static string Directory => Path.Combine(AppContext.BaseDirectory, "Fixtures", "schema1");

    /// <summary>Name → (the document, the deliveries that produced it, batch by batch).</summary>
    internal static IReadOnlyList<(string Name, UserAggregate Document, List<List<SequencedEvent>> Batches)> Build()
    {
        var result = new List<(string, UserAggregate, List<List<SequencedEvent>>)>();

        // A typical user: 10 events in one day, a few items and categories, one partition.
        {
            var rng = new Random(901);
            var day = new DateTimeOffset(2026, 11, 26, 8, 0, 0, TimeSpan.Zero);
            var deliveries = new List<SequencedEvent>();
            for (var i = 0; i < 10; i++)
            {
                var t = day.AddMinutes(i * 73 + rng.Next(30));
                var type = (EventType)rng.Next(EventTypes.Count);
                var e = new TreasureEvent($"evt-typical-{i}", "u-typical", $"item-{rng.Next(6)}", $"cat{rng.Next(3)}", type,
                    type == EventType.Purchase ? 4.99 : 1, t);
                deliveries.Add(new SequencedEvent(e, 1000 + i, t.AddSeconds(2)));
            }
            result.Add(("typical", Run("u-typical", "3", deliveries, rng), RandomStreams.Batches(new Random(1), deliveries, 3)));
        }

        // Producer duplicates within and beyond the horizon, redeliveries, late events, several minute/hour/day windows.
        {
            var rng = new Random(902);
            var deliveries = RandomStreams.Deliveries(rng, 300, "u-dups");
            result.Add(("duplicates-and-windows", Run("u-dups", "5", deliveries, new Random(2)), RandomStreams.Batches(new Random(2), deliveries)));
        }

        // Events from two source partitions (a repartition), spread over 60 days: day windows, late events, 30 items.
        {
            var rng = new Random(903);
            var events = RandomStreams.Events(rng, 120, "u-multi");
            var deliveries = events.Select((e, i) => new SequencedEvent(e, 10 + i, RandomStreams.Origin.AddSeconds(i))).ToList();
            var aggregate = UserAggregate.Create("u-multi");
            var batches = RandomStreams.Batches(new Random(3), deliveries);
            var partition = 0;
            foreach (var batch in batches)
            {
                var outcomes = new EventOutcome[batch.Count];
                aggregate.Apply(batch, (partition++ % 2).ToString(System.Globalization.CultureInfo.InvariantCulture), AggregationRules.Default, outcomes);
            }
            result.Add(("two-partitions", aggregate, batches));
        }
        return result;
    }

    private static UserAggregate Run(string userId, string partition, List<SequencedEvent> deliveries, Random rng)
    {
        var aggregate = UserAggregate.Create(userId);
        foreach (var batch in RandomStreams.Batches(rng, deliveries))
        {
            var outcomes = new EventOutcome[batch.Count];
            aggregate.Apply(batch, partition, AggregationRules.Default, outcomes);
            // Every other batch is delivered twice (a redelivery after a lost checkpoint): a no-op by design.
            if (rng.Next(2) == 0) aggregate.Apply(batch, partition, AggregationRules.Default, outcomes);
        }
        return aggregate;
    }

    [Fact]
    public void The_committed_schema1_documents_are_what_the_schema1_code_writes()
    {
        foreach (var (name, document, _) in Build())
        {
            var json = JsonSerializer.Serialize(document, CosmosJson) + "\n";
            var path = Path.Combine(Directory, name + ".json");
            if (Environment.GetEnvironmentVariable("TH_WRITE_FIXTURES") == "1")
            {
                var source = Path.Combine(SourceDirectory(), "Fixtures", "schema1", name + ".json");
                File.WriteAllText(source, json);
                continue;
            }
            Assert.True(File.Exists(path), $"fixture {path} is missing");
            Assert.Equal(File.ReadAllText(path), json);
            Assert.Equal(1, JsonDocument.Parse(json).RootElement.GetProperty("schema").GetInt32());
        }
    }

    private static string SourceDirectory([System.Runtime.CompilerServices.CallerFilePath] string file = "") => Path.GetDirectoryName(file)!;
}
