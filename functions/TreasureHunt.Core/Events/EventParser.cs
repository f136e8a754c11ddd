using System.Text.Json;
using TreasureHunt.Core.Features;

namespace TreasureHunt.Core.Events;

/// <summary>
/// Parses and validates one message against the event contract with a forward-only reader, the hot path of every
/// host; bad input comes back as a <see cref="DeadLetter"/> with a stable reason code, never an exception. Not
/// thread-safe (pooled strings): one per partition processor. Rule order: docs/internals.md#event-parser.
/// </summary>
public sealed class EventParser(CompiledDefinitions definitions)
{
    /// <summary>A parser for the default definitions' event types.</summary>
    public EventParser() : this(CompiledDefinitions.Default)
    {
    }

    private readonly string _unknownTypeDetail = UnknownTypeDetail(definitions);

    /// <summary>An event whose timestamp is more than this before its enqueue time is too_old (<c>Contract:MaxEventAgeDays</c>).</summary>
    public TimeSpan MaxEventAge { get; init; } = TimeSpan.FromDays(ContractOptions.DefaultMaxEventAgeDays);

    private const int EventIdBit = 1, UserIdBit = 2, ItemIdBit = 4, CategoryBit = 8, TypeBit = 16, ValueBit = 32, TimestampBit = 64;
    private const int RequiredBits = EventIdBit | UserIdBit | ItemIdBit | TypeBit | TimestampBit;

    private static readonly JsonReaderOptions ReaderOptions = new() { CommentHandling = JsonCommentHandling.Disallow, MaxDepth = 64 };
    // One pool per kind of id: the item and category pools stay small (and in cache) whatever the number of users.
    private readonly StringPool _users = new(capacity: 200_000);
    private readonly StringPool _items = new(capacity: 100_000);
    private readonly StringPool _categories = new(capacity: 10_000);

    private readonly AttributeTable _attributes = definitions.Attributes;
    // Attribute values: short strings are pooled like ids, numbers share boxes; none of it exists without attributes.
    private readonly StringPool? _attributeTexts = definitions.Attributes.Count > 0 ? new(capacity: 50_000) : null;
    private readonly NumberPool? _attributeNumbers = definitions.Attributes.Count > 0 ? new() : null;

    /// <summary>String attribute values up to this many characters are pooled; longer ones (URLs, texts) rarely repeat.</summary>
    private const int PooledTextLength = 64;

    /// <summary>An escaped field name longer than this in the message is longer than any core field or attribute name once unescaped (an escape takes at most 6 bytes per byte).</summary>
    private const int MaxEscapedNameBytes = 6 * ContractLimits.MaxAttributeNameLength;

    public bool TryParse(in RawMessage message, string partitionId, out TreasureEvent? parsed, out DeadLetter? deadLetter)
    {
        var (reason, detail) = TryRead(message, out parsed);
        if (reason is { } r)
        {
            parsed = null;
            deadLetter = DeadLetter.Create(r, detail!, partitionId, message);
            return false;
        }
        deadLetter = null;
        return true;
    }

    private (DeadLetterReason?, string?) TryRead(in RawMessage message, out TreasureEvent? parsed)
    {
        parsed = null;
        var body = message.Body.Span;
        if (body.Length > ContractLimits.MaxMessageBytes)
        {
            return (DeadLetterReason.TooLarge, $"message is {body.Length} bytes; the limit is {ContractLimits.MaxMessageBytes}");
        }
        if (body.IsEmpty)
        {
            return (DeadLetterReason.NotJson, "empty body");
        }
        if (!System.Text.Unicode.Utf8.IsValid(body))
        {
            // Utf8JsonReader does not validate the bytes inside string values it is not asked to transcode, so an
            // invalid sequence in an id, the type or an ignored field would otherwise pass as bad_id/unknown_type/valid.
            return (DeadLetterReason.NotJson, "body is not valid UTF-8");
        }

        string? eventId = null, userId = null, itemId = null, category = null;
        var eventIdAscii = ReadOnlyMemory<byte>.Empty; // the id's bytes in the body when it needs no unescaping (not materialized)
        var type = EventType.View;
        var value = 1.0;
        var timestamp = default(DateTimeOffset);
        var seen = 0;    // fields present with a value
        var present = 0; // fields present at all, null included: a field named twice is duplicate_field even when one is null
        object?[]? attributeValues = null; // created at the first declared attribute with a value
        ulong attributesSeen = 0, attributesPresent = 0; // the same, one bit per declared attribute
        (DeadLetterReason Reason, string Detail)? fieldError = null;

        var reader = new Utf8JsonReader(body, isFinalBlock: true, new JsonReaderState(ReaderOptions));
        try
        {
            if (!reader.Read())
            {
                return (DeadLetterReason.NotJson, "no JSON value");
            }
            if (reader.TokenType != JsonTokenType.StartObject)
            {
                var kind = reader.TokenType;
                reader.Skip();
                while (reader.Read()) { } // reach the end so that broken JSON is reported as not_json
                return (DeadLetterReason.NotObject, $"top-level JSON value must be an object, got {kind}");
            }
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var field = FieldOf(ref reader, _attributes, out var attribute);
                reader.Read();
                if (field == 0)
                {
                    if (attribute < 0)
                    {
                        reader.Skip(); // unknown fields are ignored (forward compatibility)
                        continue;
                    }
                    var bit = 1UL << attribute;
                    if ((attributesPresent & bit) != 0)
                    {
                        if (fieldError is not { Reason: DeadLetterReason.DuplicateField })
                        {
                            fieldError = (DeadLetterReason.DuplicateField, $"field '{_attributes[attribute].Name}' appears more than once");
                        }
                        reader.Skip();
                        continue;
                    }
                    attributesPresent |= bit;
                    if (reader.TokenType == JsonTokenType.Null)
                    {
                        continue; // null is the same as absent
                    }
                    attributesSeen |= bit;
                    if (fieldError is null)
                    {
                        attributeValues ??= new object?[_attributes.Count];
                        fieldError = ReadAttribute(ref reader, _attributes[attribute], _attributeTexts!, _attributeNumbers!, out attributeValues[attribute]);
                    }
                    reader.Skip();
                    continue;
                }
                if ((present & field) != 0)
                {
                    if (fieldError is not { Reason: DeadLetterReason.DuplicateField }) // duplicate_field outranks other field errors (see the rule order)
                    {
                        fieldError = (DeadLetterReason.DuplicateField, $"field '{NameOf(field)}' appears more than once");
                    }
                    reader.Skip();
                    continue;
                }
                present |= field;
                if (reader.TokenType == JsonTokenType.Null)
                {
                    continue; // null is the same as absent
                }
                seen |= field;
                if (fieldError is not null)
                {
                    reader.Skip();
                    continue;
                }
                fieldError = field switch
                {
                    EventIdBit => ReadEventId(ref reader, message.Body, out eventId, out eventIdAscii),
                    UserIdBit => ReadId(ref reader, "userId", ContractLimits.MaxIdLength, DeadLetterReason.BadId, _users, out userId),
                    ItemIdBit => ReadId(ref reader, "itemId", ContractLimits.MaxIdLength, DeadLetterReason.BadId, _items, out itemId),
                    CategoryBit => ReadId(ref reader, "category", ContractLimits.MaxCategoryLength, DeadLetterReason.BadCategory, _categories, out category),
                    TypeBit => ReadType(ref reader, definitions, _unknownTypeDetail, out type),
                    ValueBit => ReadValue(ref reader, out value),
                    _ => ReadTimestamp(ref reader, out timestamp),
                };
                reader.Skip();
            }
            if (reader.Read())
            {
                return (DeadLetterReason.NotJson, "content after the end of the JSON object");
            }
        }
        catch (JsonException e)
        {
            return (DeadLetterReason.NotJson, $"invalid JSON at byte {reader.BytesConsumed}: {FirstLine(e.Message)}");
        }
        catch (InvalidOperationException e) // invalid UTF-8 inside a string value
        {
            return (DeadLetterReason.NotJson, $"invalid text at byte {reader.BytesConsumed}: {FirstLine(e.Message)}");
        }

        if (fieldError is { } error)
        {
            return (error.Reason, error.Detail);
        }
        if ((seen & RequiredBits) != RequiredBits)
        {
            return (DeadLetterReason.MissingField, MissingFieldsDetail(seen));
        }
        if ((attributesSeen & _attributes.RequiredMask) != _attributes.RequiredMask)
        {
            return (DeadLetterReason.BadAttribute, MissingAttributesDetail(_attributes, attributesSeen));
        }
        if (timestamp - message.EnqueuedTime > ContractLimits.MaxFutureSkew)
        {
            return (DeadLetterReason.FutureTimestamp,
                $"timestamp {timestamp:O} is more than {ContractLimits.MaxFutureSkew.TotalMinutes} minutes after the enqueue time {message.EnqueuedTime:O}");
        }
        if (message.EnqueuedTime - timestamp > MaxEventAge)
        {
            return (DeadLetterReason.TooOld,
                $"timestamp {timestamp:O} is more than {MaxEventAge.TotalDays} days before the enqueue time {message.EnqueuedTime:O} (Contract:MaxEventAgeDays)");
        }
        category ??= TreasureEvent.DefaultCategory;
        var attributes = attributeValues is null ? EventAttributes.None : new EventAttributes(attributeValues);
        parsed = eventId is not null
            ? new TreasureEvent(eventId, userId!, itemId!, category, type, value, timestamp.ToUniversalTime()) { Attributes = attributes }
            : new TreasureEvent(eventIdAscii, userId!, itemId!, category, type, value, timestamp.ToUniversalTime(), attributes);
        return (null, null);
    }

    /// <summary>The core field's bit for the current property name, or 0 with the declared attribute's index in <paramref name="attribute"/> (-1 for an ignored field).</summary>
    private static int FieldOf(ref Utf8JsonReader reader, AttributeTable attributes, out int attribute) =>
        reader.ValueIsEscaped ? EscapedFieldOf(ref reader, attributes, out attribute) : FieldOf(reader.ValueSpan, attributes, out attribute);

    private static int FieldOf(ReadOnlySpan<byte> name, AttributeTable attributes, out int attribute)
    {
        var field = CoreFieldOf(name);
        attribute = field == 0 && attributes.Count > 0 ? attributes.IndexOf(name) : -1;
        return field;
    }

    /// <summary>An escaped name, unescaped on the stack (a name too long to matter is not): no string either way. Its own
    /// method, so the common unescaped path has no stack allocation.</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private static int EscapedFieldOf(ref Utf8JsonReader reader, AttributeTable attributes, out int attribute)
    {
        if (reader.ValueSpan.Length > MaxEscapedNameBytes)
        {
            _ = reader.GetString(); // unescaped all the same: a lone surrogate in any field name is not_json
            attribute = -1;
            return 0;
        }
        Span<byte> unescaped = stackalloc byte[reader.ValueSpan.Length];
        return FieldOf(unescaped[..reader.CopyString(unescaped)], attributes, out attribute);
    }

    private static int CoreFieldOf(ReadOnlySpan<byte> name) =>
        name.Length switch
        {
            4 when name.SequenceEqual("type"u8) => TypeBit,
            5 when name.SequenceEqual("value"u8) => ValueBit,
            6 when name.SequenceEqual("userId"u8) => UserIdBit,
            6 when name.SequenceEqual("itemId"u8) => ItemIdBit,
            7 when name.SequenceEqual("eventId"u8) => EventIdBit,
            8 when name.SequenceEqual("category"u8) => CategoryBit,
            9 when name.SequenceEqual("timestamp"u8) => TimestampBit,
            _ => 0,
        };

    // Its own method: a lambda over `seen` inside TryRead would make the compiler allocate a closure for every message.
    private static string MissingFieldsDetail(int seen)
    {
        var missing = string.Join(", ", new[] { EventIdBit, UserIdBit, ItemIdBit, TypeBit, TimestampBit }
            .Where(bit => (seen & bit) == 0).Select(NameOf));
        return $"required field(s) missing: {missing}";
    }

    private static string MissingAttributesDetail(AttributeTable attributes, ulong seen)
    {
        var missing = string.Join(", ", attributes.Attributes.Where(a => a.Required && (seen & (1UL << a.Index)) == 0).Select(a => a.Name));
        return $"required attribute(s) missing: {missing}";
    }

    private static string NameOf(int field) => field switch
    {
        EventIdBit => "eventId", UserIdBit => "userId", ItemIdBit => "itemId", CategoryBit => "category",
        TypeBit => "type", ValueBit => "value", _ => "timestamp",
    };

    private static (DeadLetterReason, string)? ReadId(ref Utf8JsonReader reader, string name, int maxLength, DeadLetterReason reason, StringPool? pool, out string? id)
    {
        id = null;
        if (reader.TokenType != JsonTokenType.String)
        {
            return (DeadLetterReason.BadType, $"'{name}' must be a string, got {reader.TokenType}");
        }
        if (reader.ValueIsEscaped)
        {
            var text = reader.GetString()!;
            if (!ContractLimits.IsValidId(text, maxLength))
            {
                return (reason, $"'{name}' must be {ContractLimits.IdRule(maxLength)}");
            }
            id = text;
            return null;
        }
        var raw = reader.ValueSpan;
        if (!ContractLimits.IsValidIdUtf8(raw, maxLength))
        {
            return (reason, $"'{name}' must be {ContractLimits.IdRule(maxLength)}");
        }
        id = pool is not null ? pool.GetAscii(raw) : System.Text.Encoding.ASCII.GetString(raw);
        return null;
    }

    /// <summary>
    /// The event id: validated like every id, but kept as its bytes in the body (<paramref name="ascii"/>) instead of a
    /// string — the hot path only hashes it (see <see cref="TreasureEvent"/>). An escaped id is unescaped to a string.
    /// </summary>
    private static (DeadLetterReason, string)? ReadEventId(ref Utf8JsonReader reader, ReadOnlyMemory<byte> body, out string? id, out ReadOnlyMemory<byte> ascii)
    {
        ascii = ReadOnlyMemory<byte>.Empty;
        if (reader.TokenType != JsonTokenType.String || reader.ValueIsEscaped)
        {
            return ReadId(ref reader, "eventId", ContractLimits.MaxIdLength, DeadLetterReason.BadId, pool: null, out id);
        }
        id = null;
        var raw = reader.ValueSpan;
        if (!ContractLimits.IsValidIdUtf8(raw, ContractLimits.MaxIdLength))
        {
            return (DeadLetterReason.BadId, $"'eventId' must be {ContractLimits.IdRule()}");
        }
        // A string token starts at its opening quote; the body is one segment, so the value is the bytes after it.
        ascii = body.Slice((int)reader.TokenStartIndex + 1, raw.Length);
        return null;
    }

    private static string UnknownTypeDetail(CompiledDefinitions definitions)
    {
        var names = definitions.TypeNames;
        var listed = string.Join(", ", names.Take(20)) + (names.Length > 20 ? $" (and {names.Length - 20} more)" : "");
        return $"'type' must be one of {listed}";
    }

    private static (DeadLetterReason, string)? ReadType(ref Utf8JsonReader reader, CompiledDefinitions definitions, string unknownDetail, out EventType type)
    {
        type = default;
        if (reader.TokenType != JsonTokenType.String)
        {
            return (DeadLetterReason.BadType, $"'type' must be a string, got {reader.TokenType}");
        }
        // The declared types (feature definitions), matched on the raw bytes: no string is allocated for the type.
        var ok = reader.ValueIsEscaped ? definitions.TryGetType(reader.GetString(), out type) : definitions.TryGetTypeUtf8(reader.ValueSpan, out type);
        return ok ? null : (DeadLetterReason.UnknownType, unknownDetail);
    }

    private static (DeadLetterReason, string)? ReadValue(ref Utf8JsonReader reader, out double value)
    {
        value = 0;
        if (reader.TokenType != JsonTokenType.Number)
        {
            return (DeadLetterReason.BadType, $"'value' must be a number, got {reader.TokenType}");
        }
        if (!reader.TryGetDouble(out value) || !double.IsFinite(value) || Math.Abs(value) > ContractLimits.MaxAbsValue)
        {
            return (DeadLetterReason.BadValue, $"'value' must be a finite number with |value| <= {ContractLimits.MaxAbsValue:0e0}");
        }
        return null;
    }

    /// <summary>A declared attribute's value (never null: the caller handles null as absent), checked against its declaration.</summary>
    private static (DeadLetterReason, string)? ReadAttribute(ref Utf8JsonReader reader, CompiledAttribute attribute, StringPool texts, NumberPool numbers, out object? value)
    {
        value = null;
        switch (attribute.Type)
        {
            case AttributeType.Number:
                if (reader.TokenType != JsonTokenType.Number)
                {
                    return (DeadLetterReason.BadAttribute, $"attribute '{attribute.Name}' must be a number, got {reader.TokenType}");
                }
                if (!reader.TryGetDouble(out var number) || !double.IsFinite(number) || Math.Abs(number) > ContractLimits.MaxAbsAttributeNumber)
                {
                    return (DeadLetterReason.BadAttribute, $"attribute '{attribute.Name}' must be a finite number with |x| <= {ContractLimits.MaxAbsAttributeNumber:0e0}");
                }
                value = numbers.Box(number);
                return null;
            case AttributeType.Boolean:
                if (reader.TokenType is not (JsonTokenType.True or JsonTokenType.False))
                {
                    return (DeadLetterReason.BadAttribute, $"attribute '{attribute.Name}' must be true or false, got {reader.TokenType}");
                }
                value = reader.TokenType == JsonTokenType.True ? EventAttributes.True : EventAttributes.False;
                return null;
            default:
                return ReadText(ref reader, attribute, texts, out value);
        }
    }

    private static (DeadLetterReason, string)? ReadText(ref Utf8JsonReader reader, CompiledAttribute attribute, StringPool texts, out object? value)
    {
        value = null;
        if (reader.TokenType != JsonTokenType.String)
        {
            return (DeadLetterReason.BadAttribute, $"attribute '{attribute.Name}' must be a string, got {reader.TokenType}");
        }
        var raw = reader.ValueSpan;
        // A UTF-16 char takes at least one byte unescaped and at most six escaped, so these lengths bound the text's.
        var maxRaw = reader.ValueIsEscaped ? 6 * attribute.MaxLength : 3 * attribute.MaxLength;
        if (raw.Length > maxRaw)
        {
            return (DeadLetterReason.BadAttribute, TooLongDetail(attribute));
        }
        Span<char> chars = stackalloc char[raw.Length];
        var length = reader.ValueIsEscaped ? reader.CopyString(chars) : System.Text.Encoding.UTF8.GetChars(raw, chars);
        var text = chars[..length];
        if (length > attribute.MaxLength)
        {
            return (DeadLetterReason.BadAttribute, TooLongDetail(attribute));
        }
        if (text.IndexOfAnyInRange('\u0000', '\u001F') >= 0 || text.IndexOfAnyInRange('\u007F', '\u009F') >= 0)
        {
            return (DeadLetterReason.BadAttribute, $"attribute '{attribute.Name}' must not contain control characters");
        }
        value = length > PooledTextLength ? new string(text) : texts.GetText(text);
        return null;
    }

    private static string TooLongDetail(CompiledAttribute attribute) =>
        $"attribute '{attribute.Name}' must be text of at most {attribute.MaxLength} characters";

    private static (DeadLetterReason, string)? ReadTimestamp(ref Utf8JsonReader reader, out DateTimeOffset timestamp)
    {
        timestamp = default;
        if (reader.TokenType != JsonTokenType.String)
        {
            return (DeadLetterReason.BadType, $"'timestamp' must be a string, got {reader.TokenType}");
        }
        if (!HasExplicitOffset(reader.ValueIsEscaped ? System.Text.Encoding.UTF8.GetBytes(reader.GetString()!) : reader.ValueSpan)
            || !reader.TryGetDateTimeOffset(out timestamp))
        {
            return (DeadLetterReason.BadTimestamp, "'timestamp' must be ISO-8601 with an offset or Z, for example 2026-11-27T13:05:00Z");
        }
        return null;
    }

    /// <summary>True when the ISO-8601 text ends in Z or a ±hh:mm / ±hhmm offset after its time part.</summary>
    private static bool HasExplicitOffset(ReadOnlySpan<byte> text)
    {
        var t = text.IndexOfAny((byte)'T', (byte)'t');
        if (t < 0)
        {
            return false; // a date alone has no offset
        }
        var time = text[(t + 1)..];
        if (time.Length > 0 && (time[^1] == 'Z' || time[^1] == 'z'))
        {
            return true;
        }
        return time.IndexOfAny((byte)'+', (byte)'-') > 0;
    }

    private static string FirstLine(string message)
    {
        var end = message.IndexOf('\n');
        return end < 0 ? message : message[..end];
    }
}
