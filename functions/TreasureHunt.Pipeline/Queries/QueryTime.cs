using System.Globalization;

namespace TreasureHunt.Pipeline.Queries;

/// <summary>
/// Strict time parameters of the query API: ISO-8601 in the round-trip shape <c>yyyy-MM-ddTHH:mm:ss[.fffffff]</c>
/// followed by <c>Z</c> or an offset (<c>+01:00</c>, URL-encoded as <c>%2B01:00</c>), never a bare time
/// (<c>13:00</c>), a local or culture-dependent date (<c>01/02/2026</c>). Bounds: not before 2000-01-01, not more
/// than a day after now — so a range never leaves <see cref="DateTimeOffset"/>'s range and a typo is a 400, not a 500.
/// </summary>
internal static class QueryTime
{
    public static readonly DateTimeOffset Earliest = new(2000, 1, 1, 0, 0, 0, TimeSpan.Zero);
    public static readonly TimeSpan MaxAhead = TimeSpan.FromDays(1);

    private static readonly string[] Formats =
    [
        "yyyy'-'MM'-'dd'T'HH':'mm':'ss'Z'",
        "yyyy'-'MM'-'dd'T'HH':'mm':'ss.FFFFFFF'Z'",
        "yyyy'-'MM'-'dd'T'HH':'mm':'sszzz",
        "yyyy'-'MM'-'dd'T'HH':'mm':'ss.FFFFFFFzzz",
    ];

    /// <summary>Parses <paramref name="text"/>; false with a one-line error naming <paramref name="name"/> otherwise.</summary>
    public static bool TryParse(string text, string name, DateTimeOffset now, out DateTimeOffset value, out string error)
    {
        error = "";
        if (!DateTimeOffset.TryParseExact(text, Formats, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out value))
        {
            error = $"{name} must be an ISO-8601 time with Z or an offset, such as 2026-11-27T13:00:00Z (got '{Shorten(text)}')";
            return false;
        }
        if (value < Earliest || value > now + MaxAhead)
        {
            error = $"{name} must be between {Earliest:yyyy-MM-dd} and one day from now (got '{Shorten(text)}')";
            return false;
        }
        return true;
    }

    private static string Shorten(string text) => text.Length <= 40 ? text : text[..40] + "…";
}
