using System.Text.Json;
using TreasureHunt.Core.Aggregation;
using TreasureHunt.Core.Events;
using TreasureHunt.Core.Features;

namespace TreasureHunt.Core.Tests.Features;

/// <summary>Upgrade on read of the committed schema-1 documents (Fixtures/schema1, written by the schema-1 code).</summary>
public class Schema1UpgradeTests
{
    public static TheoryData<string> Fixtures() => new(Schema1Fixtures.Build().Select(f => f.Name));

    private static UserDocument ReadFixture(string name)
    {
        var json = File.ReadAllText(Path.Combine(Schema1Fixtures.Directory, name + ".json"));
        var document = JsonSerializer.Deserialize<UserDocument>(json, UserDocumentVersusReferenceTests.CosmosJson)!;
        Assert.Equal(1, document.Schema);
        document.Bind(CompiledDefinitions.Default);
        return document;
    }

    [Theory]
    [MemberData(nameof(Fixtures))]
    public void A_schema1_document_is_upgraded_to_the_same_aggregates(string name)
    {
        var (_, reference, _) = Schema1Fixtures.Build().Single(f => f.Name == name);
        var document = ReadFixture(name);
        Assert.Equal((2, 1), (document.Schema, document.DefinitionsVersion));
        Assert.Equal(CompiledDefinitions.Default.TypeNames, document.Types);
        UserDocumentVersusReferenceTests.AssertSame(reference, document);

        // Written back, nothing of schema 1 remains, and it reads back the same.
        var json = JsonSerializer.Serialize(document, UserDocumentVersusReferenceTests.CosmosJson);
        foreach (var legacy in new[] { "\"counts\":", "\"values\":", "\"minute\":[", "\"seen\":[", "\"recentItems\":[" })
        {
            Assert.DoesNotContain(legacy, json);
        }
        var again = JsonSerializer.Deserialize<UserDocument>(json, UserDocumentVersusReferenceTests.CosmosJson)!;
        again.Bind(CompiledDefinitions.Default);
        UserDocumentVersusReferenceTests.AssertSame(reference, again);
    }

    [Theory]
    [MemberData(nameof(Fixtures))]
    public void An_upgraded_document_keeps_exactly_once_semantics_with_the_reference(string name)
    {
        var (_, reference, batches) = Schema1Fixtures.Build().Single(f => f.Name == name);
        var document = ReadFixture(name);
        var partition = reference.Watermarks.Keys.Order(StringComparer.Ordinal).Last();

        // The last batch redelivered (recognised from the upgraded watermarks and duplicate decisions), then new events
        // that repeat ids of the remembered ones (producer duplicates) and new ones.
        var last = batches[^1];
        var expected = ReferenceData.Apply(reference, last, partition: partition);
        var actual = new EventOutcome[last.Count];
        document.Apply(last, partition, CompiledDefinitions.Default, DeliveryRules.Default, actual);
        if (reference.Watermarks.Count == 1) Assert.Equal(expected, actual);

        var rng = new Random(name.Length);
        var seq = reference.Watermarks[partition];
        var enqueued = last.Max(e => e.EnqueuedTime);
        var more = new List<SequencedEvent>();
        for (var i = 0; i < 40; i++)
        {
            enqueued = enqueued.AddSeconds(rng.Next(30));
            var id = rng.Next(3) == 0 ? last[rng.Next(last.Count)].Event.EventId : $"new-{i}";
            more.Add(new SequencedEvent(new TreasureEvent(id, reference.UserId, $"i-{rng.Next(9)}", "c1", (EventType)rng.Next(5), 2, enqueued.AddSeconds(-rng.Next(100))), ++seq, enqueued));
        }
        expected = ReferenceData.Apply(reference, more, partition: partition);
        actual = new EventOutcome[more.Count];
        document.Apply(more, partition, CompiledDefinitions.Default, DeliveryRules.Default, actual);
        Assert.Equal(expected, actual);
        UserDocumentVersusReferenceTests.AssertSame(reference, document);
    }
}
