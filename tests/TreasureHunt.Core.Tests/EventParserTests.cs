using System.Text;
using TreasureHunt.Core.Events;
using static TreasureHunt.Core.Tests.TestData;

namespace TreasureHunt.Core.Tests;

public class EventParserTests
{
    private readonly EventParser _parser = new();

    private DeadLetter Reject(RawMessage message)
    {
        var ok = _parser.TryParse(message, "7", out var parsed, out var deadLetter);
        Assert.False(ok, $"accepted: {parsed}");
        Assert.Null(parsed);
        return deadLetter!;
    }

    private TreasureEvent Accept(RawMessage message)
    {
        var ok = _parser.TryParse(message, "7", out var parsed, out var deadLetter);
        Assert.True(ok, $"rejected: {deadLetter?.ReasonCode} {deadLetter?.Detail}");
        Assert.Null(deadLetter);
        return parsed!;
    }

    private static byte[] Bytes(string before, byte[] raw, string after) => [.. Utf8(before), .. raw, .. Utf8(after)];

    /// <summary>(case name, message body, expected reason code): every rule, and the order in which rules apply.</summary>
    public static TheoryData<string, byte[], string> BadInputs()
    {
        var data = new TheoryData<string, byte[], string>();
        void Add(string name, string json, string code) => data.Add(name, Utf8(json), code);

        // too_large: checked before anything else, even for broken JSON.
        data.Add("one byte over 256 KB", PaddedValidEvent(256 * 1024 + 1), "too_large");
        data.Add("over 256 KB and not JSON", Encoding.ASCII.GetBytes(new string('x', 300 * 1024)), "too_large");

        // not_json
        Add("empty body", "", "not_json");
        Add("whitespace only", "  \r\n\t ", "not_json");
        Add("plain text", "hello", "not_json");
        Add("truncated object", Json()[..^10], "not_json");
        Add("unterminated string", "{\"eventId\":\"e-1", "not_json");
        Add("single-quoted strings", Json().Replace('"', '\''), "not_json");
        Add("trailing comma", Json()[..^1] + ",}", "not_json");
        Add("comment", "/* c */" + Json(), "not_json");
        Add("content after the object", Json() + " x", "not_json");
        Add("two objects", Json() + Json(), "not_json");
        Add("bare NaN value", Json(("value", "NaN")), "not_json");
        Add("broken JSON after a field error", Json(("eventId", "42"))[..^1], "not_json");
        Add("nesting deeper than 64 in an ignored field", Json(("x", new string('[', 100) + new string(']', 100))), "not_json");
        data.Add("invalid UTF-8 in an id", Bytes("{\"eventId\":\"e", [0xFF], "\"" + Json()[Json().IndexOf(",\"userId", StringComparison.Ordinal)..]), "not_json");
        data.Add("invalid UTF-8 in an ignored field", Bytes(Json()[..^1] + ",\"note\":\"a", [0xC3, 0x28], "\"}"), "not_json");
        data.Add("invalid UTF-8 in the type", Bytes(Json(("type", null))[..^1] + ",\"type\":\"vi", [0xFF], "ew\"}"), "not_json");
        data.Add("overlong UTF-8 encoding", Bytes(Json()[..^1] + ",\"note\":\"", [0xC0, 0xAF], "\"}"), "not_json");
        data.Add("UTF-16 body", Encoding.Unicode.GetBytes(Json()), "not_json");

        // not_object
        Add("array", "[" + Json() + "]", "not_object");
        Add("string", "\"event\"", "not_object");
        Add("number", "42", "not_object");
        Add("null", "null", "not_object");
        Add("true", "true", "not_object");
        Add("array of nested depth 100", new string('[', 100) + new string(']', 100), "not_json");

        // missing_field
        Add("empty object", "{}", "missing_field");
        Add("no eventId", Json(("eventId", null)), "missing_field");
        Add("no userId", Json(("userId", null)), "missing_field");
        Add("no itemId", Json(("itemId", null)), "missing_field");
        Add("no type", Json(("type", null)), "missing_field");
        Add("no timestamp", Json(("timestamp", null)), "missing_field");
        Add("null eventId", Json(("eventId", "null")), "missing_field");
        Add("null timestamp", Json(("timestamp", "null")), "missing_field");
        Add("field name in another case", Json(("userId", null), ("UserId", "\"u-1\"")), "missing_field");

        // bad_type
        Add("eventId is a number", Json(("eventId", "123")), "bad_type");
        Add("userId is an object", Json(("userId", "{\"id\":\"u-1\"}")), "bad_type");
        Add("itemId is an array", Json(("itemId", "[\"t-7\"]")), "bad_type");
        Add("category is a boolean", Json(("category", "true")), "bad_type");
        Add("type is a number", Json(("type", "1")), "bad_type");
        Add("value is a string", Json(("value", "\"1\"")), "bad_type");
        Add("value is a boolean", Json(("value", "true")), "bad_type");
        Add("timestamp is a number", Json(("timestamp", "1795784700")), "bad_type");

        // bad_id
        Add("empty eventId", Json(("eventId", "\"\"")), "bad_id");
        Add("eventId of 129 chars", Json(("eventId", Str(new string('e', 129)))), "bad_id");
        Add("userId with a space", Json(("userId", "\"u 42\"")), "bad_id");
        Add("itemId with a slash", Json(("itemId", "\"t/7\"")), "bad_id");
        Add("userId with a non-ASCII letter", Json(("userId", "\"u-é\"")), "bad_id");
        Add("userId with an escaped non-ASCII letter", Json(("userId", "\"u-\\u00e9\"")), "bad_id");
        Add("itemId with an escaped control char", Json(("itemId", "\"t\\n7\"")), "bad_id");
        Add("userId '.' (a dot segment)", Json(("userId", "\".\"")), "bad_id");
        Add("userId '..' (a dot segment)", Json(("userId", "\"..\"")), "bad_id");
        Add("itemId '.' (a dot segment)", Json(("itemId", "\".\"")), "bad_id");
        Add("eventId '..' (a dot segment)", Json(("eventId", "\"..\"")), "bad_id");
        Add("userId '..' escaped", Json(("userId", "\"\\u002e\\u002e\"")), "bad_id");

        // bad_category
        Add("empty category", Json(("category", "\"\"")), "bad_category");
        Add("category of 65 chars", Json(("category", Str(new string('c', 65)))), "bad_category");
        Add("category with a space", Json(("category", "\"deep caves\"")), "bad_category");
        Add("category with a hash", Json(("category", "\"#caves\"")), "bad_category");
        Add("category '..' (a dot segment)", Json(("category", "\"..\"")), "bad_category");

        // unknown_type
        Add("type in another case", Json(("type", "\"Claim\"")), "unknown_type");
        Add("type not in the contract", Json(("type", "\"like\"")), "unknown_type");
        Add("empty type", Json(("type", "\"\"")), "unknown_type");
        Add("type with a trailing space", Json(("type", "\"view \"")), "unknown_type");

        // bad_value
        Add("value above 1e9", Json(("value", "1000000000.5")), "bad_value");
        Add("value below -1e9", Json(("value", "-1e10")), "bad_value");
        Add("value overflowing a double", Json(("value", "1e400")), "bad_value");

        // bad_timestamp
        Add("timestamp without offset", Json(("timestamp", "\"2026-11-27T13:05:00\"")), "bad_timestamp");
        Add("date only", Json(("timestamp", "\"2026-11-27\"")), "bad_timestamp");
        Add("month 13", Json(("timestamp", "\"2026-13-27T13:05:00Z\"")), "bad_timestamp");
        Add("space instead of T", Json(("timestamp", "\"2026-11-27 13:05:00Z\"")), "bad_timestamp");
        Add("words", Json(("timestamp", "\"yesterday\"")), "bad_timestamp");
        Add("empty timestamp", Json(("timestamp", "\"\"")), "bad_timestamp");
        Add("Unix seconds as a string", Json(("timestamp", "\"1795784700\"")), "bad_timestamp");

        // future_timestamp (enqueued at 13:10:00Z; 5 minutes of skew are allowed)
        Add("one second past the skew", Json(("timestamp", "\"2026-11-27T13:15:01Z\"")), "future_timestamp");
        Add("a day ahead", Json(("timestamp", "\"2026-11-28T13:05:00Z\"")), "future_timestamp");
        Add("future once the offset is applied", Json(("timestamp", "\"2026-11-27T10:00:00-05:00\"")), "future_timestamp");

        // duplicate_field
        Add("eventId twice", Json(("eventId", "\"e-1\""))[..^1] + ",\"eventId\":\"e-2\"}", "duplicate_field");
        Add("same field, once escaped", Json()[..^1] + ",\"\\u0074ype\":\"view\"}", "duplicate_field");
        Add("optional field twice", Json()[..^1] + ",\"value\":2}", "duplicate_field");
        Add("userId null then a value", Json(("userId", "null"))[..^1] + ",\"userId\":\"u-5\"}", "duplicate_field");
        Add("userId a value then null", Json()[..^1] + ",\"userId\":null}", "duplicate_field");

        // rule order
        Add("broken JSON wins over not an object", "[1, 2", "not_json");
        Add("first field error in document order", Json(("eventId", "\"\""), ("type", "\"like\"")), "bad_id");
        Add("field error before missing field", Json(("timestamp", null), ("value", "\"x\"")), "bad_type");
        Add("duplicate field before a field error", Json(("type", "\"like\""))[..^1] + ",\"type\":\"view\"}", "duplicate_field");
        Add("missing field before future timestamp", Json(("itemId", null), ("timestamp", "\"2027-01-01T00:00:00Z\"")), "missing_field");
        return data;
    }

    [Theory]
    [MemberData(nameof(BadInputs))]
    public void A_bad_message_becomes_a_dead_letter_with_its_reason_code(string name, byte[] body, string expectedCode)
    {
        var deadLetter = Reject(Message(body, sequenceNumber: 42));

        Assert.True(expectedCode == deadLetter.ReasonCode, $"{name}: expected {expectedCode}, got {deadLetter.ReasonCode} ({deadLetter.Detail})");
        Assert.False(string.IsNullOrWhiteSpace(deadLetter.Detail));
        Assert.Equal("7", deadLetter.PartitionId);
        Assert.Equal(42, deadLetter.SequenceNumber);
        Assert.Equal(Enqueued, deadLetter.EnqueuedTime);
    }

    [Fact]
    public void The_bad_input_table_covers_every_reason_code()
    {
        // bad_attribute needs declared attributes: its cases are in EventAttributeParsingTests.
        var covered = BadInputs().Select(row => (string)row[2]).Concat(EventAttributeParsingTests.BadAttributes().Select(row => (string)row[2])).ToHashSet();
        Assert.Equal(DeadLetterReasons.AllCodes.Order(), covered.Order());
        Assert.True(BadInputs().Count() >= 25);
    }

    [Fact]
    public void Reason_codes_are_stable_and_round_trip()
    {
        Assert.Equal(
            ["not_json", "not_object", "missing_field", "bad_type", "bad_id", "bad_category", "bad_value",
             "bad_timestamp", "future_timestamp", "too_large", "unknown_type", "duplicate_field", "bad_attribute"],
            DeadLetterReasons.AllCodes);
        foreach (var reason in Enum.GetValues<DeadLetterReason>())
        {
            Assert.True(DeadLetterReasons.TryParse(reason.Code(), out var back));
            Assert.Equal(reason, back);
        }
        Assert.False(DeadLetterReasons.TryParse("nope", out _));
    }

    [Fact]
    public void The_contract_sample_is_accepted_with_every_field()
    {
        var e = Accept(Message(Json()));

        Assert.Equal(new TreasureEvent("e-123", "u-42", "t-7", "caves", EventType.Claim, 1, SampleTime), e);
    }

    [Fact]
    public void Optional_fields_take_their_defaults()
    {
        var e = Accept(Message(Json(("category", null), ("value", null))));
        Assert.Equal("uncategorized", e.Category);
        Assert.Equal(TreasureEvent.DefaultCategory, e.Category);
        Assert.Equal(1.0, e.Value);

        var withNulls = Accept(Message(Json(("category", "null"), ("value", "null"))));
        Assert.Equal("uncategorized", withNulls.Category);
        Assert.Equal(1.0, withNulls.Value);
    }

    [Theory]
    [InlineData("view", EventType.View)]
    [InlineData("click", EventType.Click)]
    [InlineData("share", EventType.Share)]
    [InlineData("claim", EventType.Claim)]
    [InlineData("purchase", EventType.Purchase)]
    public void Every_contract_type_is_accepted(string name, EventType expected)
    {
        Assert.Equal(expected, Accept(Message(Json(("type", Str(name))))).Type);
        Assert.Equal(name, expected.ToName());
    }

    [Theory]
    [InlineData("0", 0.0)]
    [InlineData("2.5", 2.5)]
    [InlineData("-3", -3.0)]
    [InlineData("1e9", 1e9)]
    [InlineData("-1000000000", -1e9)]
    [InlineData("1.5E2", 150.0)]
    public void Values_up_to_one_billion_in_magnitude_are_accepted(string raw, double expected)
    {
        Assert.Equal(expected, Accept(Message(Json(("value", raw)))).Value);
    }

    [Fact]
    public void Unknown_fields_of_any_shape_are_ignored()
    {
        var json = Json(
            ("schema", "2"), ("tags", "[\"a\",{\"b\":[1,2,{\"c\":null}]}]"), ("meta", "{\"eventId\":42,\"type\":\"nope\"}"),
            ("flag", "false"), ("note", "\"a \\\"quoted\\\" \\u00e9 text\""), ("nothing", "null"));
        var e = Accept(Message(json));

        Assert.Equal("e-123", e.EventId);
        Assert.Equal(EventType.Claim, e.Type);
    }

    [Fact]
    public void Fields_may_come_in_any_order()
    {
        const string json = """{"timestamp":"2026-11-27T13:05:00Z","value":3,"type":"share","category":"c","itemId":"i","userId":"u","eventId":"e"}""";
        Assert.Equal(new TreasureEvent("e", "u", "i", "c", EventType.Share, 3, SampleTime), Accept(Message(json)));
    }

    [Fact]
    public void Escaped_strings_and_field_names_are_unescaped_before_validation()
    {
        const string json = """{"\u0065ventId":"e\u002d1","userId":"u\u002D42","itemId":"t\u002d7","category":"cav\u0065s","typ\u0065":"cl\u0061im","timestamp":"2026\u002d11-27T13:05:00Z"}""";
        var e = Accept(Message(json));

        Assert.Equal(new TreasureEvent("e-1", "u-42", "t-7", "caves", EventType.Claim, 1, SampleTime), e);
    }

    [Fact]
    public void Ids_and_categories_at_their_maximum_length_are_accepted()
    {
        var id = new string('a', 127) + "@";
        var category = "c:" + new string('_', 61) + ".";
        var e = Accept(Message(Json(("eventId", Str(id)), ("userId", Str(id)), ("itemId", Str(id)), ("category", Str(category)))));

        Assert.Equal(128, e.UserId.Length);
        Assert.Equal(64, e.Category.Length);
        Assert.Equal(id, e.ItemId);
    }

    [Fact]
    public void Every_allowed_id_character_is_accepted()
    {
        const string all = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.:@-";
        var e = Accept(Message(Json(("userId", Str(all)), ("category", Str(all[..64])))));
        Assert.Equal(all, e.UserId);
    }

    [Theory]
    [InlineData("2026-11-27T15:05:00+02:00")]
    [InlineData("2026-11-27T08:05:00-05:00")]
    [InlineData("2026-11-27T13:05:00.000Z")]
    [InlineData("2026-11-27T13:05:00.0000000+00:00")]
    [InlineData("2026-11-28T00:35:00+11:30")]
    public void Offsets_are_normalised_to_utc(string timestamp)
    {
        var e = Accept(Message(Json(("timestamp", Str(timestamp)))));

        Assert.Equal(TimeSpan.Zero, e.Timestamp.Offset);
        Assert.Equal(SampleTime.UtcDateTime, e.Timestamp.UtcDateTime);
        Assert.Equal(SampleTime, e.Timestamp);
    }

    [Fact]
    public void Fractional_seconds_are_kept()
    {
        var e = Accept(Message(Json(("timestamp", "\"2026-11-27T13:05:00.1234567Z\""))));
        Assert.Equal(SampleTime.AddTicks(1_234_567), e.Timestamp);
    }

    [Fact]
    public void A_timestamp_exactly_five_minutes_after_the_enqueue_time_is_accepted()
    {
        Assert.Equal(Enqueued.AddMinutes(5), Accept(Message(Json(("timestamp", "\"2026-11-27T13:15:00Z\"")))).Timestamp);
        Assert.Equal("future_timestamp", Reject(Message(Json(("timestamp", "\"2026-11-27T13:15:00.001Z\"")))).ReasonCode);
    }

    [Fact]
    public void Old_timestamps_are_accepted()
    {
        Assert.Equal(2001, Accept(Message(Json(("timestamp", "\"2001-01-01T00:00:00Z\"")))).Timestamp.Year);
    }

    [Fact]
    public void A_message_of_exactly_256_KB_is_accepted_and_one_byte_more_is_too_large()
    {
        var exactly = PaddedValidEvent(ContractLimits.MaxMessageBytes);
        Assert.Equal(256 * 1024, exactly.Length);
        Assert.Equal("e-123", Accept(Message(exactly)).EventId);

        var over = Reject(Message(PaddedValidEvent(ContractLimits.MaxMessageBytes + 1)));
        Assert.Equal(DeadLetterReason.TooLarge, over.Reason);
        Assert.Contains("262145", over.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void A_dead_letter_keeps_a_small_payload_whole()
    {
        var json = Json(("type", "\"like\""), ("note", "\"é\""));
        var deadLetter = Reject(Message(json, sequenceNumber: 9001, enqueued: Enqueued));

        Assert.Equal(json, deadLetter.Payload);
        Assert.False(deadLetter.PayloadTruncated);
        Assert.Equal(DeadLetterReason.UnknownType, deadLetter.Reason);
        Assert.Equal("unknown_type", deadLetter.ReasonCode);
        Assert.Equal(("7", 9001L), (deadLetter.PartitionId, deadLetter.SequenceNumber));
    }

    [Fact]
    public void A_dead_letter_truncates_the_payload_to_8_KB()
    {
        var body = Utf8(Json(("type", "\"like\""), ("pad", Str(new string('p', 20_000)))));
        var deadLetter = Reject(Message(body));

        Assert.True(deadLetter.PayloadTruncated);
        Assert.Equal(8 * 1024, DeadLetter.MaxPayloadBytes);
        Assert.Equal(8 * 1024, Encoding.UTF8.GetByteCount(deadLetter.Payload));
        Assert.Equal(Encoding.UTF8.GetString(body, 0, 8 * 1024), deadLetter.Payload);
    }

    [Fact]
    public void A_payload_of_exactly_8_KB_is_not_truncated()
    {
        var body = PaddedValidEvent(8 * 1024);
        body[^1] = (byte)']'; // broken, so it is dead-lettered
        var deadLetter = Reject(Message(body));

        Assert.Equal(DeadLetterReason.NotJson, deadLetter.Reason);
        Assert.False(deadLetter.PayloadTruncated);
        Assert.Equal(8 * 1024, deadLetter.Payload.Length);
    }

    [Fact]
    public void Invalid_utf8_is_not_json_and_its_dead_letter_stays_readable()
    {
        var body = Bytes(Json(("userId", null))[..^1] + ",\"userId\":\"u", [0xFF, 0xFE], "\"}");
        var deadLetter = Reject(Message(body));

        Assert.Equal(DeadLetterReason.NotJson, deadLetter.Reason);
        Assert.Contains('\uFFFD', deadLetter.Payload);
        Assert.False(deadLetter.PayloadTruncated);
    }

    [Fact]
    public void Multi_byte_utf8_outside_ids_is_fine()
    {
        var e = Accept(Message(Json(("note", "\"Schatzsuche – 宝探し 🗺️\""))));
        Assert.Equal("e-123", e.EventId);
    }

    [Fact]
    public void The_parser_keeps_working_after_any_rejection()
    {
        foreach (var row in BadInputs())
        {
            _parser.TryParse(Message((byte[])row[1]), "7", out _, out _);
        }
        Assert.Equal("e-123", Accept(Message(Json())).EventId);
    }

    [Fact]
    public void Repeated_ids_are_parsed_to_equal_strings()
    {
        var a = Accept(Message(Json()));
        var b = Accept(Message(Json(("eventId", "\"e-124\""))));

        Assert.Equal(a.UserId, b.UserId);
        Assert.Same(a.UserId, b.UserId); // pooled
        Assert.NotEqual(a.EventId, b.EventId);
    }

    [Fact]
    public void Contract_limits_match_the_issue()
    {
        Assert.Equal(262_144, ContractLimits.MaxMessageBytes);
        Assert.Equal(128, ContractLimits.MaxIdLength);
        Assert.Equal(64, ContractLimits.MaxCategoryLength);
        Assert.Equal(1e9, ContractLimits.MaxAbsValue);
        Assert.Equal(TimeSpan.FromMinutes(5), ContractLimits.MaxFutureSkew);
        Assert.True(ContractLimits.IsValidId("a-Z_0.9:@"));
        Assert.False(ContractLimits.IsValidId(""));
        Assert.False(ContractLimits.IsValidId("abc", maxLength: 2));
    }

    [Theory]
    [InlineData(".", false)]
    [InlineData("..", false)]
    [InlineData("...", true)]
    [InlineData(".a", true)]
    [InlineData("a.", true)]
    [InlineData("a..b", true)]
    [InlineData("..a", true)]
    [InlineData(":", true)]
    public void Dot_segments_are_not_ids_and_every_other_dotted_shape_is(string id, bool valid)
    {
        Assert.Equal(valid, ContractLimits.IsValidId(id));
        Assert.Equal(valid, ContractLimits.IsValidIdUtf8(System.Text.Encoding.ASCII.GetBytes(id), ContractLimits.MaxIdLength));
    }
}
