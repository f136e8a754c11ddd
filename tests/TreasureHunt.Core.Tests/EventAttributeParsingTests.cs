using TreasureHunt.Core.Events;
using TreasureHunt.Core.Features;
using static TreasureHunt.Core.Tests.TestData;

namespace TreasureHunt.Core.Tests;

/// <summary>Declared attributes in the event contract: how the parser keeps, validates and ignores producer fields.</summary>
public class EventAttributeParsingTests
{
    /// <summary>The default definitions plus brand (string, ≤ 16), device (string), quantity (number), gift (boolean).</summary>
    public static CompiledDefinitions WithAttributes(params AttributeDefinition[] extra)
    {
        var d = FeatureDefinitionsReader.ReadDefault();
        d.Attributes =
        [
            new AttributeDefinition { Name = "brand", Type = "string", MaxLength = 16 },
            new AttributeDefinition { Name = "device", Type = "string" },
            new AttributeDefinition { Name = "quantity", Type = "number" },
            new AttributeDefinition { Name = "gift", Type = "boolean" },
            .. extra,
        ];
        return FeatureDefinitionsReader.Compile(d);
    }

    private static readonly CompiledDefinitions Definitions = WithAttributes();

    private readonly EventParser _parser = new(Definitions);

    private TreasureEvent Accept(string json, EventParser? parser = null)
    {
        var ok = (parser ?? _parser).TryParse(Message(json), "7", out var parsed, out var deadLetter);
        Assert.True(ok, $"rejected: {deadLetter?.ReasonCode} {deadLetter?.Detail}");
        return parsed!;
    }

    private DeadLetter Reject(string json, EventParser? parser = null)
    {
        var ok = (parser ?? _parser).TryParse(Message(json), "7", out var parsed, out var deadLetter);
        Assert.False(ok, $"accepted: {parsed}");
        return deadLetter!;
    }

    /// <summary>(case name, JSON, expected reason code, attribute named in the detail or null): every attribute rule.</summary>
    public static TheoryData<string, string, string, string?> BadAttributes() => new()
    {
        { "string attribute given a number", Json(("brand", "42")), "bad_attribute", "brand" },
        { "string attribute given an object", Json(("device", "{\"os\":\"ios\"}")), "bad_attribute", "device" },
        { "string attribute over its maxLength", Json(("brand", Str(new string('b', 17)))), "bad_attribute", "brand" },
        { "string attribute over the default maxLength of 64", Json(("device", Str(new string('d', 65)))), "bad_attribute", "device" },
        { "multi-byte text over its maxLength", Json(("brand", Str(new string('é', 17)))), "bad_attribute", "brand" },
        { "escaped text over its maxLength", Json(("brand", "\"" + string.Concat(Enumerable.Repeat("\\u0041", 17)) + "\"")), "bad_attribute", "brand" },
        { "escaped control character", Json(("brand", "\"acme\\n\"")), "bad_attribute", "brand" },
        { "escaped NUL", Json(("brand", "\"a\\u0000\"")), "bad_attribute", "brand" },
        { "raw DEL character", Json(("brand", "\"a\u007F\"")), "bad_attribute", "brand" },
        { "C1 control character", Json(("brand", "\"a\u0085\"")), "bad_attribute", "brand" },
        { "number attribute given a string", Json(("quantity", "\"3\"")), "bad_attribute", "quantity" },
        { "number above 1e15", Json(("quantity", "1000000000000001")), "bad_attribute", "quantity" },
        { "number below -1e15", Json(("quantity", "-2e15")), "bad_attribute", "quantity" },
        { "number overflowing a double", Json(("quantity", "1e400")), "bad_attribute", "quantity" },
        { "boolean attribute given a string", Json(("gift", "\"true\"")), "bad_attribute", "gift" },
        { "boolean attribute given a number", Json(("gift", "1")), "bad_attribute", "gift" },
        { "attribute twice", Json(("brand", "\"a\""))[..^1] + ",\"brand\":\"b\"}", "duplicate_field", "brand" },
        { "attribute twice, once escaped", Json(("brand", "\"a\""))[..^1] + ",\"\\u0062rand\":\"b\"}", "duplicate_field", "brand" },
        { "attribute null then a value", Json(("brand", "null"))[..^1] + ",\"brand\":\"b\"}", "duplicate_field", "brand" },
        { "duplicate attribute before a bad attribute", Json(("quantity", "\"x\""), ("brand", "\"a\""))[..^1] + ",\"brand\":\"b\"}", "duplicate_field", "brand" },
        { "first field error in document order: attribute first", "{\"quantity\":\"x\"," + Json(("eventId", "\"\""))[1..], "bad_attribute", "quantity" },
        { "first field error in document order: core field first", Json(("quantity", "\"x\""), ("value", "\"1\"")), "bad_type", null },
        { "bad attribute before a missing field", Json(("userId", null), ("gift", "0")), "bad_attribute", "gift" },
        { "broken JSON after a bad attribute", Json(("gift", "0"))[..^1], "not_json", null },
        { "lone surrogate in a short escaped field name", Json(("\\ud800x", "1")), "not_json", null },
        { "lone surrogate in a long escaped field name", Json((new string('n', 400) + "\\ud800", "1")), "not_json", null },
    };

    [Theory]
    [MemberData(nameof(BadAttributes))]
    public void A_bad_attribute_becomes_a_dead_letter_naming_it(string name, string json, string expectedCode, string? attribute)
    {
        var deadLetter = Reject(json);
        Assert.True(expectedCode == deadLetter.ReasonCode, $"{name}: expected {expectedCode}, got {deadLetter.ReasonCode} ({deadLetter.Detail})");
        if (attribute is not null)
        {
            Assert.Contains($"'{attribute}'", deadLetter.Detail);
        }
    }

    [Fact]
    public void Declared_attributes_are_kept_on_the_event()
    {
        var e = Accept(Json(("brand", "\"acme\""), ("device", "\"ios\""), ("quantity", "3"), ("gift", "true")));
        Assert.Equal("acme", e.Attributes.TextAt(0));
        Assert.Equal("ios", e.Attributes.TextAt(1));
        Assert.Equal(3.0, e.Attributes.NumberAt(2));
        Assert.True(e.Attributes.BooleanAt(3));
        Assert.Equal(EventAttributes.Of(Definitions.Attributes, "acme", "ios", 3.0, true), e.Attributes);
        // The core fields are what they are without attributes.
        Assert.Equal(new TreasureEvent("e-123", "u-42", "t-7", "caves", EventType.Claim, 1, SampleTime), e with { Attributes = EventAttributes.None });
    }

    [Fact]
    public void Any_unicode_text_but_control_characters_is_a_string_value()
    {
        var e = Accept(Json(("brand", Str("Ünïcødé ✓ 🎉")), ("device", Str("https://example.com/a?b=c&d=e#f"))));
        Assert.Equal("Ünïcødé ✓ 🎉", e.Attributes.TextAt(0));
        Assert.Equal("https://example.com/a?b=c&d=e#f", e.Attributes.TextAt(1));
        Assert.Equal("", Accept(Json(("brand", "\"\""))).Attributes.TextAt(0));
        Assert.Equal(new string('b', 16), Accept(Json(("brand", Str(new string('b', 16))))).Attributes.TextAt(0));
        Assert.Equal(new string('é', 16), Accept(Json(("brand", Str(new string('é', 16))))).Attributes.TextAt(0));
    }

    [Fact]
    public void Escaped_names_and_values_are_unescaped()
    {
        var e = Accept(Json(("\\u0062rand", "\"\\u0061cme\\u00e9\""), ("dev\\u0069ce", "\"\\ud83c\\udf89 \\\"x\\\"\""), ("quantity", "2.5")));
        Assert.Equal("acmeé", e.Attributes.TextAt(0));
        Assert.Equal("🎉 \"x\"", e.Attributes.TextAt(1));
        Assert.Equal(2.5, e.Attributes.NumberAt(2));
        Assert.Equal(Accept(Json(("brand", "\"acmeé\""), ("device", Str("🎉 \"x\"")), ("quantity", "2.5"))), e);
    }

    [Fact]
    public void Null_counts_as_absent()
    {
        var e = Accept(Json(("brand", "null"), ("quantity", "null"), ("gift", "null")));
        Assert.True(e.Attributes.IsEmpty);
        Assert.Null(e.Attributes.TextAt(0));
        Assert.Null(e.Attributes.NumberAt(2));
        Assert.Equal(Accept(Json()), e);
    }

    [Fact]
    public void Undeclared_fields_change_nothing()
    {
        var plain = Accept(Json(("brand", "\"acme\"")));
        var withExtras = Accept(Json(("brand", "\"acme\""), ("channel", "\"email\""), ("Brand", "42"), ("nested", "{\"brand\":1}"), ("brands", "[1,2]")));
        Assert.Equal(plain, withExtras);
        Assert.Equal(plain.Attributes, withExtras.Attributes);

        // The default definitions declare no attribute: the same fields are all ignored.
        var defaults = new EventParser();
        Assert.True(defaults.TryParse(Message(Json(("brand", "42"), ("gift", "\"no\""))), "7", out var ignored, out _));
        Assert.True(ignored!.Attributes.IsEmpty);
        Assert.Equal(new TreasureEvent("e-123", "u-42", "t-7", "caves", EventType.Claim, 1, SampleTime), ignored);
    }

    [Fact]
    public void A_missing_required_attribute_is_a_bad_attribute_after_missing_fields()
    {
        var parser = new EventParser(WithAttributes(new AttributeDefinition { Name = "channel", Type = "string", Required = true }));
        var missing = Reject(Json(("brand", "\"acme\"")), parser);
        Assert.Equal(("bad_attribute", "required attribute(s) missing: channel"), (missing.ReasonCode, missing.Detail));
        Assert.Equal("bad_attribute", Reject(Json(("channel", "null")), parser).ReasonCode);
        Assert.Equal("missing_field", Reject(Json(("userId", null)), parser).ReasonCode);
        Assert.Equal("channel-1235", Accept(Json(("channel", "\"channel-1235\"")), parser).Attributes.TextAt(4));
    }

    [Fact]
    public void Repeated_values_share_their_instances()
    {
        var first = Accept(Json(("brand", "\"acme\""), ("quantity", "3")));
        var second = Accept(Json(("eventId", "\"e-124\""), ("brand", "\"acme\""), ("quantity", "3")));
        Assert.Same(first.Attributes.TextAt(0), second.Attributes.TextAt(0));
        Assert.Same(first.Attributes[2], second.Attributes[2]);
    }

    [Fact]
    public void The_accessor_reads_core_fields_and_attributes()
    {
        var e = Accept(Json(("brand", "\"acme\""), ("quantity", "3"), ("gift", "false")));
        EventFieldAccessor Of(string name) => EventFieldAccessor.TryCreate(name, Definitions, out var a) ? a! : throw new InvalidOperationException(name);

        Assert.Equal(3.0, Of("quantity").NumberOf(e));
        Assert.True(Of("quantity").IsNumeric);
        Assert.Equal("acme", Of("brand").TextOf(e));
        Assert.Null(Of("device").TextOf(e));
        Assert.Equal("false", Of("gift").TextOf(e));
        Assert.Equal(1.0, Of("value").NumberOf(e));
        Assert.Equal(("t-7", "caves", "claim"), (Of("itemId").TextOf(e), Of("category").TextOf(e), Of("type").TextOf(e)));
        Assert.Null(Of("brand").NumberOf(e));
        Assert.Null(Of("quantity").TextOf(e));
        Assert.False(EventFieldAccessor.TryCreate("channel", Definitions, out _));
        Assert.False(EventFieldAccessor.TryCreate("brand", CompiledDefinitions.Default, out _));
    }
}
