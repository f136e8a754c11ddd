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

    /// <summary>The rule every contract identifier follows, as error messages and the API description state it.</summary>
    public static string IdRule(int maxLength = MaxIdLength) => $"1..{maxLength} chars of [A-Za-z0-9_.:@-], not '.' or '..'";

    /// <summary>
    /// An id of the contract: 1..<paramref name="maxLength"/> characters of [A-Za-z0-9_.:@-], and not the dot segments
    /// <c>.</c> or <c>..</c> — ids become Cosmos document ids and URL path segments, where RFC 3986 §5.2.4 removes dot
    /// segments: the request then names another resource than the one signed, and the store answers 401 for ever.
    /// </summary>
    public static bool IsValidId(ReadOnlySpan<char> id, int maxLength = MaxIdLength) =>
        id.Length is > 0 && id.Length <= maxLength && !id.ContainsAnyExcept(IdChars) && !IsDotSegment(id);

    /// <inheritdoc cref="IsValidId"/>
    public static bool IsValidIdUtf8(ReadOnlySpan<byte> id, int maxLength) =>
        id.Length is > 0 && id.Length <= maxLength && !id.ContainsAnyExcept(IdBytes) && !(id.Length <= 2 && !id.ContainsAnyExcept((byte)'.'));

    /// <summary>True for <c>.</c> and <c>..</c>, the path segments URL normalization removes.</summary>
    public static bool IsDotSegment(ReadOnlySpan<char> segment) => segment is "." or "..";
}
