using TreasureHunt.Core.Events;
using TreasureHunt.Core.Features;
using TreasureHunt.Tools.Load;

namespace TreasureHunt.Local.Tests;

/// <summary>./th load --definitions FILE: the generator gives every event a value for each declared attribute, which the parser accepts.</summary>
public sealed class AttributeLoadTests
{
    private static readonly DateTimeOffset Now = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private static CompiledDefinitions Declaring()
    {
        var d = FeatureDefinitionsReader.ReadDefault();
        d.Attributes =
        [
            new AttributeDefinition { Name = "brand", Type = "string", MaxLength = 7, Required = true },
            new AttributeDefinition { Name = "quantity", Type = "number" },
            new AttributeDefinition { Name = "gift", Type = "boolean" },
        ];
        return FeatureDefinitionsReader.Compile(d);
    }

    private static List<GeneratedMessage> Generate(IReadOnlyList<CompiledAttribute>? attributes, int seed = 5) =>
        new EventGenerator(new LoadProfile(Users: 100, Items: 50, DuplicateRate: 0, BadRate: 0, Seed: seed, Attributes: attributes)) is var generator
            ? Enumerable.Range(0, 500).Select(_ => generator.Next(Now)).ToList()
            : [];

    [Fact]
    public void Every_event_carries_a_valid_value_for_each_declared_attribute_and_the_same_core_fields()
    {
        var definitions = Declaring();
        var parser = new EventParser(definitions);
        var withAttributes = Generate(definitions.Attributes.Attributes);
        var without = Generate(null);
        var plain = new EventParser();
        for (var i = 0; i < withAttributes.Count; i++)
        {
            Assert.True(parser.TryParse(new RawMessage(withAttributes[i].Body, i, Now), "0", out var e, out var deadLetter), deadLetter?.Detail);
            Assert.True(e!.Attributes.TextAt(0)!.Length <= 7);
            Assert.InRange(e.Attributes.NumberAt(1)!.Value, 1, 10);
            Assert.NotNull(e.Attributes.BooleanAt(2));
            Assert.True(plain.TryParse(new RawMessage(without[i].Body, i, Now), "0", out var core, out _));
            Assert.Equal(core, e with { Attributes = EventAttributes.None });
        }
        Assert.True(withAttributes.Select(m => TreasureHunt.Tools.Load.Ndjson.ToText(m.Body)).Distinct().Count() > 1);
        // 20 distinct values even where "brand-20" does not fit the maxLength (keyed groups key by them).
        var brands = withAttributes.Select(m => { parser.TryParse(new RawMessage(m.Body, 0, Now), "0", out var e, out _); return e!.Attributes.TextAt(0); }).Distinct().Count();
        Assert.Equal(20, brands);
        Assert.Equal(withAttributes.Select(m => m.Body), Generate(definitions.Attributes.Attributes).Select(m => m.Body)); // deterministic per seed
    }
}
