using System.Buffers;

namespace TreasureHunt.Core.Events;

/// <summary>The fixed limits of the event contract.</summary>
public static class ContractLimits
{
    public const int MaxMessageBytes = 256 * 1024;
    public const int MaxIdLength = 128;
    public const int MaxCategoryLength = 64;
    public const double MaxAbsValue = 1e9;
    public static readonly TimeSpan MaxFutureSkew = TimeSpan.FromMinutes(5);

    /// <summary>Declared attributes (definitions' <c>attributes</c>): how many, their names' and string values' lengths, their numbers' range.</summary>
    public const int MaxAttributes = 64;
    public const int MaxAttributeNameLength = 64;
    public const int DefaultAttributeLength = 64;
    public const int MaxAttributeLength = 256;
    public const double MaxAbsAttributeNumber = 1e15;

    /// <summary>The seven core fields of the event: an attribute may not reuse one of these names.</summary>
    public static readonly IReadOnlyList<string> CoreFields = ["eventId", "userId", "itemId", "category", "type", "value", "timestamp"];

    /// <summary>[A-Za-z0-9_.:@-]: the characters allowed in ids and categories.</summary>
    public static readonly SearchValues<byte> IdBytes =
        SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.:@-"u8);

    public static readonly SearchValues<char> IdChars =
        SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.:@-");

    public static bool IsValidId(ReadOnlySpan<char> id, int maxLength = MaxIdLength) =>
        id.Length is > 0 && id.Length <= maxLength && !id.ContainsAnyExcept(IdChars);

    public static bool IsValidIdUtf8(ReadOnlySpan<byte> id, int maxLength) =>
        id.Length is > 0 && id.Length <= maxLength && !id.ContainsAnyExcept(IdBytes);
}
