using TreasureHunt.Core.Aggregation;
using TreasureHunt.Core.Features;

namespace TreasureHunt.Core.Groups;

/// <summary>The windows a declared leaderboard ranks in: a tumbling hour or day tile of the feature, or its lifetime value.</summary>
public enum LeaderboardWindow
{
    Hour,
    Day,
    All,
}

/// <summary>A validated leaderboard: the keys of <see cref="Group"/> ranked by <see cref="Feature"/> (one bucket of it when broken down by type).</summary>
public sealed class CompiledLeaderboard
{
    /// <summary>The aggregations whose value never decreases as events arrive: what keeps each shard's top-K exact
    /// without the shard holding every key (<see cref="KeyedLeaderboardDocument"/>).</summary>
    public static readonly IReadOnlySet<string> RankableAggregations = new HashSet<string>(StringComparer.Ordinal)
    {
        AggregationKind.Count, AggregationKind.Sum, AggregationKind.Max, AggregationKind.ApproxDistinct,
    };

    public const int MaxK = 1000;

    public required string Name { get; init; }
    public required CompiledGroup Group { get; init; }
    public required CompiledFeature Feature { get; init; }

    /// <summary>The type index ranked for a feature broken down by type; −1 otherwise.</summary>
    public int Bucket { get; init; } = -1;

    public required LeaderboardWindow[] Windows { get; init; }
    public required int K { get; init; }

    public static string NameOf(LeaderboardWindow window) => window switch
    {
        LeaderboardWindow.Hour => "hour", LeaderboardWindow.Day => "day", _ => "all",
    };

    public static bool TryParseWindow(string? text, out LeaderboardWindow window)
    {
        (var ok, window) = text switch
        {
            "hour" => (true, LeaderboardWindow.Hour), "day" => (true, LeaderboardWindow.Day), "all" => (true, LeaderboardWindow.All), _ => (false, default),
        };
        return ok;
    }

    /// <summary>The tile unit of a tumbling window; null for <see cref="LeaderboardWindow.All"/>.</summary>
    public static WindowSize? UnitOf(LeaderboardWindow window) => window switch
    {
        LeaderboardWindow.Hour => WindowSize.Hour, LeaderboardWindow.Day => WindowSize.Day, _ => null,
    };

    /// <summary>The ranked value of a key's state in the tile starting at <paramref name="tileStart"/> (Unix seconds; null
    /// for all time), or null when the key has none there.</summary>
    public double? ValueOf(FeatureState state, LeaderboardWindow window, long? tileStart, string[] typeNames)
    {
        ArgumentNullException.ThrowIfNull(state);
        var query = UnitOf(window) is { } unit && tileStart is { } start
            ? QueryWindow.TileAt(unit, DateTimeOffset.FromUnixTimeSeconds(start))
            : QueryWindow.Lifetime;
        var at = tileStart is { } s ? DateTimeOffset.FromUnixTimeSeconds(s) : DateTimeOffset.UnixEpoch;
        var answer = Feature.Aggregator.Answer(state, Feature, query, at, typeNames);
        if (Bucket >= 0 && answer is IReadOnlyDictionary<string, object?> byType)
        {
            answer = byType.GetValueOrDefault(typeNames[Bucket]);
        }
        return answer switch
        {
            long l => l, double d => d, int i => i, _ => null,
        };
    }

    /// <summary>The tiles of <paramref name="unit"/> in which <paramref name="state"/> (a key's delta) holds something.</summary>
    public static IEnumerable<long> TilesOf(FeatureState state, WindowSize unit)
    {
        ArgumentNullException.ThrowIfNull(state);
        var name = unit.Name();
        if (state.Tiles?.GetValueOrDefault(name) is { } counters) return counters.NonEmptyTiles();
        if (state.ValueTiles?.GetValueOrDefault(name) is { } values) return values.Held().Select(h => h.Tile);
        if (state.SketchTiles?.GetValueOrDefault(name) is { } sketches) return sketches.Held().Select(h => h.Tile);
        return [];
    }

    /// <summary>
    /// What writing <paramref name="delta"/> into a key whose state is now <paramref name="state"/> offers to this
    /// leaderboard: per window, the key's value in every tile the delta touched that the feature still keeps at
    /// <paramref name="now"/> (all time: its lifetime value). A key whose value is 0 (or none) in a window is not offered.
    /// </summary>
    public IEnumerable<(LeaderboardWindow Window, long? Start, double Value)> Offers(KeyedState state, KeyedState delta, DateTimeOffset now, string[] typeNames)
    {
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(delta);
        if (state.Feature(Feature.Name) is not { } current || delta.Feature(Feature.Name) is not { } added) yield break;
        foreach (var window in Windows)
        {
            if (UnitOf(window) is not { } unit)
            {
                if (ValueOf(current, window, null, typeNames) is { } lifetime && lifetime != 0) yield return (window, null, lifetime);
                continue;
            }
            var length = unit.Seconds();
            var oldestKept = unit.StartOf(now) / length - Feature.WindowOf(unit)!.Value.Keep + 1;
            foreach (var tile in TilesOf(added, unit))
            {
                if (tile < oldestKept) continue;
                if (ValueOf(current, window, tile * length, typeNames) is { } value && value != 0) yield return (window, tile * length, value);
            }
        }
    }

    /// <summary>Cosmos time to live of a tumbling window's document: the feature's retention of that unit plus one tile,
    /// counted from the last write (at or after the tile); null for all time.</summary>
    public int? TimeToLiveSeconds(LeaderboardWindow window) =>
        UnitOf(window) is { } unit ? (int)Math.Min(int.MaxValue, (Feature.WindowOf(unit)!.Value.Keep + 1L) * unit.Seconds()) : null;
}
