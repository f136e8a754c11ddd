using System.Text.Json;
using TreasureHunt.Core.Aggregation;
using TreasureHunt.Core.Costs;
using TreasureHunt.Core.Events;
using TreasureHunt.Core.Features;

namespace TreasureHunt.Core.Tests.Features;

/// <summary>
/// The document stays bounded whatever the input: the three target users of the bounds (sizes recorded in
/// docs/BENCHMARKS.md) and adversarial streams; a cap reached is counted, never a failed write.
/// </summary>
public class BoundsAndCapsTests(Xunit.Abstractions.ITestOutputHelper output)
{
    private static readonly DateTimeOffset Start = new(2026, 11, 27, 9, 0, 0, TimeSpan.Zero);

    internal static int SizeOf(UserDocument document)
    {
        return JsonSerializer.SerializeToUtf8Bytes(document, UserDocumentVersusReferenceTests.CosmosJson).Length;
    }

    /// <summary>Applies events in batches of <paramref name="batchSize"/> from one partition, sequence numbers from 1.</summary>
    internal static (UserDocument Document, long Caps) Run(IEnumerable<TreasureEvent> events, Func<TreasureEvent, DateTimeOffset> enqueued, int batchSize = 500, CompiledDefinitions? definitions = null)
    {
        definitions ??= CompiledDefinitions.Default;
        var document = UserDocument.Create("u-1", definitions);
        var seq = 0L;
        var caps = 0L;
        foreach (var chunk in events.Chunk(batchSize))
        {
            var batch = chunk.Select(e => new SequencedEvent(e, ++seq, enqueued(e))).ToList();
            caps += document.Apply(batch, "0", definitions, DeliveryRules.Default, new EventOutcome[batch.Count]);
        }
        return (document, caps);
    }

    /// <summary>A typical user: 10 events in a day.</summary>
    public static IEnumerable<TreasureEvent> TypicalUser() => Enumerable.Range(0, 10).Select(i =>
        new TreasureEvent($"evt-{Guid.NewGuid():N}", "u-1", $"item-{i % 6}", $"cat{i % 3}", (EventType)(i % 5), i % 5 == 4 ? 4.99 : 1, Start.AddMinutes(i * 97)));

    /// <summary>A hot user: 3,000 events/s for 15 minutes, 128-character event ids, Zipf-ish items over 5 categories.</summary>
    public static IEnumerable<TreasureEvent> HotUser(int seconds = 15 * 60, int perSecond = 3000)
    {
        var rng = new Random(7);
        for (var s = 0; s < seconds; s++)
        {
            for (var i = 0; i < perSecond; i++)
            {
                var id = $"{s:D6}-{i:D6}-".PadRight(128, 'x');
                yield return new TreasureEvent(id, "u-1", $"item-{rng.Next(200)}", $"c{rng.Next(5)}", (EventType)rng.Next(5), 1, Start.AddSeconds(s).AddTicks(i));
            }
        }
    }

    /// <summary>A user with 100,000 distinct 64-character categories.</summary>
    public static IEnumerable<TreasureEvent> ManyCategories(int categories = 100_000) => Enumerable.Range(0, categories).Select(i =>
        new TreasureEvent($"e-{i}", "u-1", $"item-{i % 50}", $"{i:D8}".PadRight(64, 'c'), (EventType)(i % 5), 1 + i % 7, Start.AddSeconds(i)));

    [Fact]
    public void A_typical_user_fits_in_2_KB()
    {
        var (document, caps) = Run(TypicalUser(), e => e.Timestamp.AddSeconds(1));
        output.WriteLine($"typical user: {SizeOf(document)} B, estimated write {RequestUnitEstimator.Write(SizeOf(document)):F2} RU");
        Assert.True(SizeOf(document) <= 2048, $"{SizeOf(document)} B");
        Assert.Equal(0, caps);
    }

    [Fact]
    public void A_user_with_100000_categories_keeps_the_top_N_counts_the_evictions_and_fits_in_64_KB()
    {
        var (document, caps) = Run(ManyCategories(), e => e.Timestamp.AddSeconds(1));
        var topN = CompiledDefinitions.Default.UserFeature("affinity")!.TopN;
        var affinity = document.Feature("affinity")!;
        Assert.Equal(topN, affinity.Scores!.Count);
        Assert.Equal(100_000 - topN, affinity.CapReached);
        Assert.True(caps >= 100_000 - topN);
        Assert.Equal(caps, document.CapsReached);
        var size = SizeOf(document);
        output.WriteLine($"100,000 categories: {size} B, estimated write {RequestUnitEstimator.Write(size):F2} RU, caps reached {caps}");
        Assert.True(size <= 64 * 1024, $"{size} B");
        Assert.Equal(100_000, document.TotalEvents);
    }

    [Fact]
    public void The_hot_user_fits_in_32_KB_and_its_write_is_at_most_12_RU()
    {
        var (document, _) = Run(HotUser(), e => e.Timestamp.AddMilliseconds(200), batchSize: 1000);
        var size = SizeOf(document);
        output.WriteLine($"hot user (3,000 events/s for 15 min, 128-char ids): {size} B, estimated write {RequestUnitEstimator.Write(size):F2} RU, delivery {System.Text.Json.JsonSerializer.Serialize(document.Delivery).Length} B");
        Assert.True(size <= 32 * 1024, $"{size} B");
        Assert.True(RequestUnitEstimator.Write(size) <= 12, $"{RequestUnitEstimator.Write(size):F1} RU for {size} B");
        Assert.Equal(3000L * 15 * 60, document.TotalEvents);
    }

    [Fact]
    public void Two_million_distinct_long_ids_keep_the_partition_flowing_within_bounds()
    {
        // 2,000,000 distinct 128-character ids in 20 minutes: the duplicate memory sits at its cap and forgets the oldest
        // (counted), every event is applied, and the document stays small.
        var events = Enumerable.Range(0, 2_000_000).Select(i =>
            new TreasureEvent($"{i:D9}-".PadRight(128, 'z'), "u-1", $"item-{i % 100}", "c1", EventType.View, 1, Start.AddTicks(i * 6_000L)));
        var (document, caps) = Run(events, e => e.Timestamp, batchSize: 5000);
        Assert.Equal(2_000_000, document.TotalEvents);
        Assert.True(caps > 0, "the delivery cap was reached and counted");
        Assert.True(document.Delivery.RememberedIds <= DeliveryRules.Default.MaxRememberedIds);
        Assert.True(SizeOf(document) <= 64 * 1024, $"{SizeOf(document)} B");
    }

    [Fact]
    public void The_worst_case_document_of_any_valid_definitions_is_below_2_MB()
    {
        // Every feature at its bounds: 64 types, 64 features of each kind's largest state.
        var d = FeatureDefinitionsReader.ReadDefault();
        d.EventTypes = Enumerable.Range(0, 64).Select(i => new EventTypeDefinition { Name = $"t{i}", Weight = 1 }).ToList();
        d.User = [];
        d.Item = [new FeatureDefinition { Name = "events", Aggregation = "count", By = "type", Windows = ["lifetime", "hour:48"] }];
        for (var i = 0; i < 64; i++)
        {
            d.User.Add(new FeatureDefinition { Name = $"f{i}", Aggregation = "count", By = "type", Windows = ["lifetime", "day:3660"] });
        }
        var errors = FeatureDefinitionsReader.Validate(d);
        Assert.Contains(errors, e => e.Contains("2 MB", StringComparison.Ordinal) || e.Contains("worst-case", StringComparison.Ordinal));
    }
}
