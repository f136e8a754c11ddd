using System.Globalization;
using TreasureHunt.Core.Aggregation;

namespace TreasureHunt.Core.Features;

/// <summary>A declared window: lifetime, or a tumbling unit (minute, hour, day) with the number of tiles kept.</summary>
public readonly record struct WindowSpec(WindowSize? Unit, int Keep)
{
    public const string LifetimeName = "lifetime";

    public static WindowSpec Lifetime => new(null, 0);

    public bool IsLifetime => Unit is null;

    /// <summary>Upper bound of the tiles kept per window: a day ring of 3,660 is ten years.</summary>
    public const int MaxKeep = 3660;

    public override string ToString() => Unit is { } unit ? $"{unit.Name()}:{Keep}" : LifetimeName;

    public static bool TryParse(string? text, out WindowSpec spec, out string error)
    {
        spec = Lifetime;
        error = "";
        if (text == LifetimeName)
        {
            return true;
        }
        var colon = text?.IndexOf(':') ?? -1;
        if (text is null || colon < 0 || !WindowSizes.TryParse(text[..colon], out var unit))
        {
            error = $"window '{text}' must be 'lifetime' or minute:N, hour:N, day:N";
            return false;
        }
        if (!int.TryParse(text[(colon + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var keep) || keep < 1 || keep > MaxKeep)
        {
            error = $"window '{text}' must keep 1..{MaxKeep} tiles";
            return false;
        }
        spec = new WindowSpec(unit, keep);
        return true;
    }
}

/// <summary>
/// A window asked for at query time: lifetime; sliding <c>lastN{m|h|d}</c> — answered by merging the newest N
/// tumbling tiles of that unit counted back from the query time (exact at the tile's granularity), the way Chronon and
/// Tecton serve sliding windows from tiles; or tumbling <c>minute|hour|day</c> at a time — the one tile containing
/// <see cref="At"/>.
/// </summary>
public readonly record struct QueryWindow(WindowSize? Unit, int Tiles, DateTimeOffset? At = null)
{
    public static QueryWindow Lifetime => new(null, 0);

    public bool IsLifetime => Unit is null;

    /// <summary>True for the tumbling form: the tile containing <see cref="At"/>, whatever the query time.</summary>
    public bool IsTumbling => At is not null;

    /// <summary>The tumbling window of <paramref name="unit"/> containing <paramref name="at"/>.</summary>
    public static QueryWindow TileAt(WindowSize unit, DateTimeOffset at) => new(unit, 1, at);

    /// <summary><c>lifetime</c>, <c>last7d</c>, or the tumbling tile as <c>hour@2026-11-27T13:00:00Z</c> (its start).</summary>
    public override string ToString() => Unit is { } unit
        ? At is { } at
            ? $"{unit.Name()}@{Utc(unit.StartOf(at))}"
            : $"last{Tiles}{unit.Name()[0]}"
        : WindowSpec.LifetimeName;

    /// <summary>The tile indexes (start / tile length) of the window at <paramref name="now"/>: the tile containing it and
    /// the N − 1 before; for the tumbling form, the tile containing <see cref="At"/>.</summary>
    public IEnumerable<long> TileIndexes(DateTimeOffset now)
    {
        var length = Unit!.Value.Seconds();
        var seconds = (At ?? now).ToUnixTimeSeconds();
        var newest = (seconds - (((seconds % length) + length) % length)) / length;
        for (var tile = newest - Tiles + 1; tile <= newest; tile++) yield return tile;
    }

    /// <summary>Null when the tumbling window's tile is kept at <paramref name="now"/> by a feature keeping
    /// <paramref name="keep"/> tiles (counted back from the tile containing now), else why not.</summary>
    public string? TileOutsideRetention(DateTimeOffset now, int keep)
    {
        if (Unit is not { } unit || At is null) return null;
        var length = unit.Seconds();
        var tile = unit.StartOf(At.Value) / length;
        var current = unit.StartOf(now) / length;
        if (tile > current) return $"window '{this}' is after the current {unit.Name()} ({Utc(current * length)})";
        return tile <= current - keep
            ? $"window '{this}' is outside the retention: {keep} {unit.Name()} tiles are kept, the oldest starting {Utc((current - keep + 1) * length)}"
            : null;
    }

    private static string Utc(long unixSeconds) =>
        DateTimeOffset.FromUnixTimeSeconds(unixSeconds).UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    /// <summary>Parses <c>lifetime</c> (or nothing) and <c>lastN{m|h|d}</c>; the tumbling form takes a time, see <see cref="TileAt"/>.</summary>
    public static bool TryParse(string? text, out QueryWindow window)
    {
        window = Lifetime;
        if (string.IsNullOrEmpty(text) || text == WindowSpec.LifetimeName)
        {
            return true;
        }
        if (!text.StartsWith("last", StringComparison.Ordinal) || text.Length < 6)
        {
            return false;
        }
        WindowSize unit;
        switch (text[^1])
        {
            case 'm': unit = WindowSize.Minute; break;
            case 'h': unit = WindowSize.Hour; break;
            case 'd': unit = WindowSize.Day; break;
            default: return false;
        }
        if (!int.TryParse(text.AsSpan(4, text.Length - 5), NumberStyles.None, CultureInfo.InvariantCulture, out var tiles) || tiles < 1)
        {
            return false;
        }
        window = new QueryWindow(unit, tiles);
        return true;
    }
}
