using System.Globalization;

namespace TreasureHunt.Storage.Tables;

/// <summary>Partition keys by UTC hour, so a time-range query scans a contiguous range of few partitions.</summary>
internal static class HourKeys
{
    private const string Format = "yyyyMMddHH";

    /// <summary>Ascending key: "2026112713" for 13:xx on 2026-11-27.</summary>
    public static string Ascending(DateTimeOffset time) => time.UtcDateTime.ToString(Format, CultureInfo.InvariantCulture);

    /// <summary>Descending key (newest hour sorts first): 9999999999 minus the ascending key, zero-padded.</summary>
    public static string Descending(DateTimeOffset time) =>
        (9_999_999_999L - long.Parse(Ascending(time), CultureInfo.InvariantCulture)).ToString("D10", CultureInfo.InvariantCulture);

    /// <summary>Descending ticks for row keys (newest first within a partition).</summary>
    public static string DescendingTicks(DateTimeOffset time) =>
        (DateTime.MaxValue.Ticks - time.UtcTicks).ToString("D19", CultureInfo.InvariantCulture);
}
