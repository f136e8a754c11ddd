namespace TreasureHunt.Core.Events;

/// <summary>The five interaction types of the event contract. The numeric values index every per-type array.</summary>
public enum EventType
{
    View = 0,
    Click = 1,
    Share = 2,
    Claim = 3,
    Purchase = 4,
}

public static class EventTypes
{
    public const int Count = 5;

    /// <summary>Contract names, indexed by <see cref="EventType"/>; case-sensitive on the wire.</summary>
    public static readonly string[] Names = ["view", "click", "share", "claim", "purchase"];

    public static string ToName(this EventType type) => Names[(int)type];

    public static bool TryParse(ReadOnlySpan<char> name, out EventType type)
    {
        for (var i = 0; i < Names.Length; i++)
        {
            if (name.SequenceEqual(Names[i]))
            {
                type = (EventType)i;
                return true;
            }
        }
        type = default;
        return false;
    }

    public static bool TryParseUtf8(ReadOnlySpan<byte> utf8, out EventType type)
    {
        // Hand-matched on bytes: the parser is on the hot path and must not allocate a string for the type.
        type = utf8.Length switch
        {
            4 when utf8.SequenceEqual("view"u8) => EventType.View,
            5 when utf8.SequenceEqual("click"u8) => EventType.Click,
            5 when utf8.SequenceEqual("share"u8) => EventType.Share,
            5 when utf8.SequenceEqual("claim"u8) => EventType.Claim,
            8 when utf8.SequenceEqual("purchase"u8) => EventType.Purchase,
            _ => (EventType)(-1),
        };
        return (int)type >= 0;
    }
}
