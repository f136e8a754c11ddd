using TreasureHunt.Core.Aggregation;
using TreasureHunt.Core.Events;
using TreasureHunt.Core.Features;
using TreasureHunt.Core.Features.Aggregators;
using TreasureHunt.Pipeline.Queries;
using static TreasureHunt.Core.Tests.TestData;

namespace TreasureHunt.Core.Tests.Features;

/// <summary>
/// features/examples/attributes.json, the attributes example of the docs: it validates, and a small hand-made stream,
/// parsed from JSON as the hosts parse it, gives the answers worked out by hand.
/// </summary>
public sealed class ExampleDefinitionsTests
{
    private static readonly string Path = System.IO.Path.Combine(AppContext.BaseDirectory, "Examples", "attributes.json");

    [Fact]
    public void The_attributes_example_compiles()
    {
        var definitions = FeatureDefinitionsReader.Load(Path);
        Assert.Equal(["brand", "device", "quantity"], definitions.Attributes.Attributes.Select(a => a.Name));
        Assert.Equal(["brandAffinity", "spend7d", "bigPurchases", "avgBasket", "devices"], definitions.User.Select(f => f.Name));
        Assert.Equal(CompiledDefinitions.Default.TypeNames, definitions.TypeNames);
        Assert.Equal(CompiledDefinitions.Default.Source.Item.Select(DefinitionsCompatibility.Fingerprint), definitions.Source.Item.Select(DefinitionsCompatibility.Fingerprint));
        Assert.Equal(CompiledDefinitions.Default.Source.Global.Select(DefinitionsCompatibility.Fingerprint), definitions.Source.Global.Select(DefinitionsCompatibility.Fingerprint));
        Assert.Equal("brand", definitions.UserFeature("brandAffinity")!.By!.Name);
        Assert.Equal("device", definitions.UserFeature("devices")!.By!.Name);
        Assert.False(definitions.UserFeature("bigPurchases")!.Filter.IsAll);
    }

    [Fact]
    public void A_small_stream_gives_the_answers_worked_out_by_hand()
    {
        var definitions = FeatureDefinitionsReader.Load(Path);
        var parser = new EventParser(definitions);
        var now = SampleTime; // 2026-11-27T13:05Z, the latest event
        var stream = new (string Type, double Value, string Brand, string? Device, double? Quantity, TimeSpan Ago)[]
        {
            ("view", 1, "acme", "app", null, TimeSpan.FromDays(3)),
            ("purchase", 120, "acme", "app", 2, TimeSpan.FromDays(2)),
            ("purchase", 30, "globex", "web", 1, TimeSpan.FromDays(1)),
            ("click", 1, "globex", "web", null, TimeSpan.Zero),
            ("purchase", 250, "acme", "app", 5, TimeSpan.FromDays(10)), // outside the 7 days, and past the 8 day tiles
            ("view", 1, "", null, null, TimeSpan.FromHours(1)), // no brand (empty is absent below), no device
        };
        var events = new List<SequencedEvent>();
        for (var i = 0; i < stream.Length; i++)
        {
            var (type, value, brand, device, quantity, ago) = stream[i];
            var time = now - ago;
            var fields = new List<(string, string?)>
            {
                ("eventId", Str($"e-{i}")), ("type", Str(type)), ("value", value.ToString(System.Globalization.CultureInfo.InvariantCulture)),
                ("timestamp", Str(time.ToString("yyyy-MM-ddTHH:mm:ssZ", System.Globalization.CultureInfo.InvariantCulture))),
            };
            if (brand.Length > 0) fields.Add(("brand", Str(brand)));
            if (device is not null) fields.Add(("device", Str(device)));
            if (quantity is { } q) fields.Add(("quantity", q.ToString(System.Globalization.CultureInfo.InvariantCulture)));
            Assert.True(parser.TryParse(Message(Json([.. fields]), i + 1, now.AddMinutes(1)), Partition, out var parsed, out var deadLetter), deadLetter?.Detail);
            events.Add(Seq(parsed!, i + 1, now.AddMinutes(1)));
        }
        var document = UserDocument.Create("u-42", definitions);
        var outcomes = new EventOutcome[events.Count];
        document.Apply(events, Partition, definitions, DeliveryRules.Default, outcomes);

        object? Answer(string feature, QueryWindow window) =>
            FeatureAnswers.UserValue(definitions.UserFeature(feature)!, document.Feature(feature), definitions, window, now);

        Assert.Equal(150.0, Answer("spend7d", new QueryWindow(WindowSize.Day, 7)));
        Assert.Equal(2L, Answer("bigPurchases", QueryWindow.Lifetime));
        Assert.Equal(400.0 / 3, (double)Answer("avgBasket", QueryWindow.Lifetime)!, 12);
        Assert.Equal(new Dictionary<string, object?> { ["app"] = 3L, ["web"] = 2L }, Answer("devices", QueryWindow.Lifetime));

        // weight(type) × value × 0.5^(days / 7): view 1, click 2, purchase 10.
        static double Decayed(double weight, double value, double days) => weight * value * Math.Pow(0.5, days / 7);
        var affinity = Assert.IsType<List<FeatureKeyScore>>(Answer("brandAffinity", QueryWindow.Lifetime));
        Assert.Equal(["acme", "globex"], affinity.Select(s => s.Key));
        Assert.Equal(Decayed(1, 1, 3) + Decayed(10, 120, 2) + Decayed(10, 250, 10), affinity[0].Score, 9);
        Assert.Equal(Decayed(10, 30, 1) + Decayed(2, 1, 0), affinity[1].Score, 9);
        Assert.Equal(EventOutcome.AppliedLate, outcomes[4]); // its day tile was past spend7d's retention
    }
}
