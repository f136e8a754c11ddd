using System.Text.Json;
using FsCheck.Xunit;
using TreasureHunt.Core.Aggregation;
using TreasureHunt.Core.Events;
using TreasureHunt.Core.Features;
using TreasureHunt.Testing.Reference;
using static TreasureHunt.Core.Tests.ReferenceData;
using static TreasureHunt.Core.Tests.TestData;

namespace TreasureHunt.Core.Tests.Features;

/// <summary>
/// The bridge between the product and the schema-1 reference implementation (<see cref="UserAggregate"/>, test code):
/// the product's user document, compiled from the default definitions, against the reference on random streams: same outcome per event (applied, late, duplicate, redelivery), same
/// counts, values, windows, affinity (1e-9 relative), recent items and event times — with the document serialized and
/// read back (as Cosmos does) between batches.
/// </summary>
public class UserDocumentVersusReferenceTests
{
    internal static readonly JsonSerializerOptions CosmosJson = new(JsonSerializerDefaults.Web);

    private static UserDocument RoundTrip(UserDocument document)
    {
        var copy = JsonSerializer.Deserialize<UserDocument>(JsonSerializer.Serialize(document, CosmosJson), CosmosJson)!;
        copy.Bind(CompiledDefinitions.Default);
        return copy;
    }

    [Property(MaxTest = 150)]
    public void Deliveries_with_duplicates_redeliveries_and_late_events_match_the_reference(int seed)
    {
        var rng = new Random(seed);
        var deliveries = RandomStreams.Deliveries(rng, rng.Next(1, 250));
        var reference = UserAggregate.Create("u-1");
        var document = UserDocument.Create("u-1", CompiledDefinitions.Default);
        var partitions = rng.Next(3) == 0 ? 2 : 1;
        var index = 0;
        foreach (var batch in RandomStreams.Batches(rng, deliveries))
        {
            var partition = (index++ % partitions).ToString(System.Globalization.CultureInfo.InvariantCulture);
            for (var delivery = 0; delivery < (rng.Next(4) == 0 ? 2 : 1); delivery++) // sometimes delivered twice
            {
                var expected = Apply(reference, batch, partition: partition);
                var actual = new EventOutcome[batch.Count];
                document.Apply(batch, partition, CompiledDefinitions.Default, DeliveryRules.Default, actual);
                Assert.Equal(expected, actual);
            }
            if (rng.Next(3) == 0) document = RoundTrip(document);
        }
        AssertSame(reference, RoundTrip(document));
        AssertSame(reference, document);
    }

    [Property(MaxTest = 150)]
    public void Any_order_of_unique_events_matches_the_reference(int seed)
    {
        var rng = new Random(seed);
        var events = RandomStreams.Shuffle(rng, RandomStreams.Events(rng, rng.Next(1, 200)));
        var reference = UserAggregate.Create("u-1");
        var document = UserDocument.Create("u-1", CompiledDefinitions.Default);
        var seq = 0L;
        foreach (var batch in RandomStreams.Batches(rng, events))
        {
            var sequenced = batch.Select(e => Seq(e, ++seq, RandomStreams.Origin.AddSeconds(seq))).ToList();
            var expected = Apply(reference, sequenced);
            var actual = new EventOutcome[batch.Count];
            document.Apply(sequenced, Partition, CompiledDefinitions.Default, DeliveryRules.Default, actual);
            Assert.Equal(expected, actual);
        }
        AssertSame(reference, RoundTrip(document));
    }

    internal static void AssertSame(UserAggregate reference, UserDocument document)
    {
        var events = document.Feature("events")!;
        var values = document.Feature("value")!;
        Assert.Equal(reference.Counts, events.Counts);
        for (var t = 0; t < EventTypes.Count; t++)
        {
            Close(reference.Values[t], values.Sums![t], scale: Math.Max(1, Math.Abs(reference.Values[t])), what: $"value of {(EventType)t}");
        }
        foreach (var size in Enum.GetValues<WindowSize>())
        {
            var ring = events.Tiles![size.Name()];
            var actual = ring.NonEmptyTiles().Select(tile => (tile * size.Seconds(), string.Join(",", Enumerable.Range(0, 5).Select(b => ring.CountAt(tile, b)))));
            Assert.Equal(reference.Windows(size).Select(w => (w.Start, string.Join(",", w.Counts))), actual);
        }
        var affinity = document.Feature("affinity")!.Scores!;
        Assert.Equal(reference.Affinity.Keys.Order(StringComparer.Ordinal), affinity.Keys.Order(StringComparer.Ordinal));
        foreach (var (category, score) in reference.Affinity)
        {
            Close(score, affinity[category], scale: Math.Max(1e-12, Math.Abs(score)), what: $"affinity of {category}");
        }
        var recent = document.Feature("recentItems")!;
        Assert.Equal(reference.RecentItems.Select(r => (r.ItemId, r.Time.UtcTicks)), recent.Ids!.Zip(recent.IdTicks!));
        Assert.Equal(reference.FirstEventTime, document.FirstEventTime);
        Assert.Equal(reference.LastEventTime, document.LastEventTime);
        Assert.Equal(reference.Watermarks.OrderBy(kv => kv.Key), document.Delivery.Watermarks.OrderBy(kv => kv.Key));
    }
}
