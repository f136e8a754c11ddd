using TreasureHunt.Core.Events;
using TreasureHunt.Core.Features;

namespace TreasureHunt.Core.Tests.Features;

/// <summary>The definitions' <c>attributes</c>: parsing, validation (every error names its entry), compilation and evolution rules.</summary>
public class AttributeDefinitionsTests
{
    private const string Document = """
        {
          "version": 1,
          "eventTypes": [{ "name": "view" }],
          "attributes": [
            { "name": "channel", "type": "string", "maxLength": 32, "required": true },
            { "name": "quantity", "type": "number", "description": "items in the cart" },
            { "name": "gift", "type": "boolean" },
            { "name": "url", "type": "string" }
          ],
          "user": [{ "name": "events", "aggregation": "count" }]
        }
        """;

    private static FeatureDefinitions Parsed() => FeatureDefinitionsReader.Parse(Document);

    private static void AssertError(Action<FeatureDefinitions> change, params string[] fragments)
    {
        var d = Parsed();
        change(d);
        var errors = FeatureDefinitionsReader.Validate(d);
        Assert.True(errors.Any(e => fragments.All(e.Contains)), $"expected an error containing [{string.Join("; ", fragments)}], got: {string.Join(" | ", errors)}");
    }

    [Fact]
    public void Attributes_compile_into_a_table_in_declaration_order()
    {
        var table = FeatureDefinitionsReader.Compile(Parsed()).Attributes;
        Assert.Equal(
            [new(0, "channel", AttributeType.String, 32, true), new(1, "quantity", AttributeType.Number, 0, false), new(2, "gift", AttributeType.Boolean, 0, false), new CompiledAttribute(3, "url", AttributeType.String, 64, false)],
            table.Attributes);
        Assert.Equal(1UL, table.RequiredMask);
        Assert.Equal(1, table.IndexOf("quantity"u8));
        Assert.Equal(3, table.IndexOf("url"u8));
        Assert.Equal(-1, table.IndexOf("Quantity"u8));
        Assert.Equal(-1, table.IndexOf("value"u8));
        Assert.Equal(-1, table.IndexOf(new byte[300]));
    }

    [Fact]
    public void No_attributes_declared_is_the_empty_table()
    {
        Assert.Same(AttributeTable.Empty, CompiledDefinitions.Default.Attributes);
        Assert.Null(FeatureDefinitionsReader.ReadDefault().Attributes);
        var d = Parsed();
        d.Attributes = [];
        Assert.Same(AttributeTable.Empty, FeatureDefinitionsReader.Compile(d).Attributes);
    }

    [Fact]
    public void The_show_format_keeps_the_attributes_and_round_trips()
    {
        var text = FeatureDefinitionsReader.Serialize(Parsed());
        Assert.Contains("\"attributes\"", text);
        Assert.Contains("\"maxLength\": 32", text);
        Assert.Contains("\"required\": true", text);
        Assert.Contains("items in the cart", text);
        var again = FeatureDefinitionsReader.Parse(text);
        Assert.Equal(text, FeatureDefinitionsReader.Serialize(again));
        Assert.Empty(FeatureDefinitionsReader.Validate(again));
        // The default document declares none and prints none.
        Assert.DoesNotContain("attributes", FeatureDefinitionsReader.Serialize(FeatureDefinitionsReader.ReadDefault()));
    }

    [Fact]
    public void Every_attribute_error_names_the_offending_entry()
    {
        AssertError(d => d.Attributes![1].Type = "integer", "attributes[1] 'quantity'", "unknown type 'integer'");
        AssertError(d => d.Attributes![2].Type = "", "attributes[2] 'gift'", "unknown type ''");
        AssertError(d => d.Attributes![3].Name = "channel", "attributes[3] 'channel'", "duplicate attribute name");
        AssertError(d => d.Attributes![3].Name = "page-url", "attributes[3] 'page-url'", "name must be 1..64 chars of [A-Za-z0-9_]");
        AssertError(d => d.Attributes![3].Name = "", "attributes[3] ''", "name must be");
        AssertError(d => d.Attributes![3].Name = new string('a', 65), "attributes[3]", "name must be 1..64");
        AssertError(d => d.Attributes![3].Name = "ünïcode", "attributes[3] 'ünïcode'", "name must be");
        foreach (var core in ContractLimits.CoreFields)
        {
            AssertError(d => d.Attributes![3].Name = core, $"attributes[3] '{core}'", "is a core field");
        }
        AssertError(d => d.Attributes![0].MaxLength = 0, "attributes[0] 'channel'", "maxLength must be from 1 to 256, got 0");
        AssertError(d => d.Attributes![0].MaxLength = 257, "attributes[0] 'channel'", "maxLength must be from 1 to 256, got 257");
        AssertError(d => d.Attributes![1].MaxLength = 10, "attributes[1] 'quantity'", "'maxLength' applies only to string attributes");
        AssertError(d => d.Attributes![1] = null!, "attributes[1]: null entry");
        AssertError(d => d.Attributes = [.. Enumerable.Range(0, 65).Select(i => new AttributeDefinition { Name = $"a{i}", Type = "number" })], "attributes: at most 64 attributes, got 65");
        Assert.Throws<FeatureDefinitionsException>(() => FeatureDefinitionsReader.Parse(Document.Replace("\"required\"", "\"mandatory\"")));
    }

    [Fact]
    public void Attribute_evolution_rules()
    {
        var stored = Parsed();
        IReadOnlyList<string> Check(Action<FeatureDefinitions> change, int version = 1)
        {
            var candidate = Parsed();
            change(candidate);
            candidate.Version = version;
            return DefinitionsCompatibility.Check(stored, candidate);
        }
        void Incompatible(Action<FeatureDefinitions> change, params string[] fragments)
        {
            var errors = Check(change);
            Assert.True(errors.Any(e => fragments.All(e.Contains)), $"expected an error containing [{string.Join("; ", fragments)}], got: {string.Join(" | ", errors)}");
            Assert.Empty(Check(change, version: 2)); // a new version may do it
        }

        Assert.Empty(Check(_ => { }));
        Assert.Empty(Check(d => d.Attributes!.Add(new AttributeDefinition { Name = "brand", Type = "string" })));
        Assert.Empty(Check(d => d.Attributes![0].MaxLength = 64));
        Assert.Empty(Check(d => d.Attributes![0].Required = false));
        Assert.Empty(Check(d => d.Attributes![1].Description = "a comment changes nothing"));
        Assert.Empty(Check(d => d.Attributes!.Reverse()));
        Assert.Empty(DefinitionsCompatibility.Check(FeatureDefinitionsReader.ReadDefault(), FeatureDefinitionsReader.ReadDefault() is var withOne && (withOne.Attributes = [new AttributeDefinition { Name = "brand", Type = "string" }]) is not null ? withOne : withOne));

        Incompatible(d => d.Attributes![1].Type = "string", "attributes 'quantity'", "changing the type from number to string", "needs version 2");
        Incompatible(d => d.Attributes![0].MaxLength = 16, "attributes 'channel'", "narrowing maxLength from 32 to 16", "needs version 2");
        Incompatible(d => d.Attributes![3].MaxLength = 63, "attributes 'url'", "narrowing maxLength from 64 to 63");
        Incompatible(d => d.Attributes![2].Required = true, "attributes 'gift'", "making an attribute required");
        Incompatible(d => d.Attributes!.RemoveAt(2), "attributes 'gift'", "removing an attribute");
        Incompatible(d => d.Attributes = null, "attributes 'channel'", "removing an attribute");
        Incompatible(d => d.Attributes!.Add(new AttributeDefinition { Name = "brand", Type = "string", Required = true }), "attributes 'brand'", "adding a required attribute");
    }

    [Fact]
    public void Start_up_records_an_added_attribute_and_refuses_a_retyped_one_naming_it()
    {
        var now = new DateTimeOffset(2026, 12, 7, 8, 0, 0, TimeSpan.Zero);
        DefinitionsRegistryState Registry() => new([RegisteredDefinitions.Create(Parsed(), "users", DefinitionsStatus.Live, now.AddDays(-1))], new ActiveDefinitions { Active = 1, ETag = "\"1\"" });

        var added = Parsed();
        added.Attributes!.Add(new AttributeDefinition { Name = "brand", Type = "string" });
        var recorded = DefinitionsRegistration.PlanStartup(Registry(), added, "users", now);
        Assert.False(recorded.Refused);
        Assert.Contains("\"brand\"", Assert.Single(recorded.Writes).Definitions);

        var retyped = Parsed();
        retyped.Attributes![2].Type = "string";
        var refused = DefinitionsRegistration.PlanStartup(Registry(), retyped, "users", now);
        Assert.Equal("not compatible with the stored version 1: attributes 'gift': changing the type from boolean to string needs version 2 (stored version 1)", Assert.Single(refused.Errors));
    }
}
