namespace TreasureHunt.Core.Aggregation;

/// <summary>Tumbling window sizes (UTC, aligned to the Unix epoch).</summary>
public enum WindowSize
{
    Minute,
    Hour,
    Day,
}

public static class WindowSizes
{
    public static long Seconds(this WindowSize size) => size switch
    {
        WindowSize.Minute => 60,
        WindowSize.Hour => 3600,
        _ => 86400,
    };

    /// <summary>Start (Unix seconds) of the window that contains <paramref name="time"/>.</summary>
    public static long StartOf(this WindowSize size, DateTimeOffset time) => StartOf(time.ToUnixTimeSeconds(), size.Seconds());

    /// <summary>Start (Unix seconds) of the window of <paramref name="length"/> seconds that contains <paramref name="unixSeconds"/>.</summary>
    public static long StartOf(long unixSeconds, long length) => unixSeconds - (((unixSeconds % length) + length) % length);

    public static string Name(this WindowSize size) => size switch
    {
        WindowSize.Minute => "minute",
        WindowSize.Hour => "hour",
        _ => "day",
    };

    public static bool TryParse(string? name, out WindowSize size)
    {
        size = name switch { "minute" => WindowSize.Minute, "hour" => WindowSize.Hour, "day" => WindowSize.Day, _ => (WindowSize)(-1) };
        return (int)size >= 0;
    }
}
