using TreasureHunt.Core.Aggregation;

namespace TreasureHunt.Core.Events;

/// <summary>A validated event of the contract (docs/features.md, "The event contract").</summary>
/// <remarks>
/// The parser does not allocate the event id as a string: the hot path only needs its 64-bit hash (the duplicate
/// memory, <see cref="DeliveryState"/>), so a parsed event keeps the id's ASCII bytes (the message body's array, with the
/// id's offset and length packed in one int: the event stays as small as before it had <see cref="Attributes"/>) and
/// <see cref="EventId"/> creates the string the first time it is read. The body's memory must therefore not be reused
/// while the event lives (no host reuses receive buffers: every batch's bodies are fresh arrays). Equality and the
/// printed form are those of the record's seven values and its <see cref="Attributes"/>, whichever way the id is held.
/// </remarks>
public sealed record TreasureEvent(
    string EventId,
    string UserId,
    string ItemId,
    string Category,
    EventType Type,
    double Value,
    DateTimeOffset Timestamp)
{
    public const string DefaultCategory = "uncategorized";

    private string? _eventId = EventId;

    /// <summary>The array holding the id's ASCII bytes (validated [A-Za-z0-9_.:@-], at most <see cref="ContractLimits.MaxIdLength"/>) when the id was not materialized.</summary>
    private byte[]? _idArray;

    /// <summary>The id's offset in <see cref="_idArray"/> (the upper 24 bits) and its length (the lower 8 bits).</summary>
    private int _idSlice;

    private const int MaxPackedOffset = (1 << 23) - 1;

    /// <summary>
    /// A parsed event whose id stays as its validated ASCII bytes until <see cref="EventId"/> is read — when the bytes
    /// are in an array at an offset below 8 MB (every host's bodies are); otherwise the id is materialized now.
    /// </summary>
    internal TreasureEvent(ReadOnlyMemory<byte> eventIdAscii, string userId, string itemId, string category, EventType type, double value, DateTimeOffset timestamp, EventAttributes attributes)
        : this((string)null!, userId, itemId, category, type, value, timestamp)
    {
        if (System.Runtime.InteropServices.MemoryMarshal.TryGetArray(eventIdAscii, out var segment)
            && segment.Offset <= MaxPackedOffset && segment.Count <= byte.MaxValue)
        {
            _idArray = segment.Array;
            _idSlice = segment.Offset << 8 | segment.Count;
        }
        else
        {
            _eventId = System.Text.Encoding.ASCII.GetString(eventIdAscii.Span);
        }
        Attributes = attributes;
    }

    private ReadOnlySpan<byte> IdAscii => _idArray.AsSpan(_idSlice >> 8, _idSlice & byte.MaxValue);

    /// <summary>The values of the attributes the definitions declare (<see cref="EventAttributes.None"/> when the event carries none).</summary>
    public EventAttributes Attributes { get; init; }

    public string EventId
    {
        get => _eventId ??= System.Text.Encoding.ASCII.GetString(IdAscii);
        init
        {
            _eventId = value;
            _idArray = null;
            _idSlice = 0;
        }
    }

    /// <summary><see cref="DeliveryState.HashOf"/> of <see cref="EventId"/>, computed without creating the id's string.</summary>
    internal ulong EventIdHash()
    {
        if (_eventId is { } id) return DeliveryState.HashOf(id);
        // ASCII widened to UTF-16 gives exactly the id's chars (the hash is defined over the UTF-16 code units).
        var ascii = IdAscii;
        Span<char> chars = stackalloc char[ascii.Length];
        System.Text.Ascii.ToUtf16(ascii, chars, out var written);
        return DeliveryState.HashOf(chars[..written]);
    }

    public bool Equals(TreasureEvent? other) =>
        other is not null
        && (ReferenceEquals(this, other)
            || (string.Equals(EventId, other.EventId, StringComparison.Ordinal)
                && string.Equals(UserId, other.UserId, StringComparison.Ordinal)
                && string.Equals(ItemId, other.ItemId, StringComparison.Ordinal)
                && string.Equals(Category, other.Category, StringComparison.Ordinal)
                && Type == other.Type
                && Value.Equals(other.Value)
                && Timestamp.Equals(other.Timestamp)
                && Attributes.Equals(other.Attributes)));

    public override int GetHashCode() => HashCode.Combine(EventId, UserId, ItemId, Category, Type, Value, Timestamp);
}
