using TreasureHunt.Core.Aggregation;
using TreasureHunt.Core.Events;

namespace TreasureHunt.Core.Features.Aggregators;

/// <summary>
/// The machinery the counter aggregations (count, sum, avg) share: lifetime counters per bucket (one per declared type
/// with <c>by: type</c>, else one), tumbling tiles per unit name in <see cref="FeatureState.Tiles"/>, and answers shaped
/// as one number or one number per accepted type.
/// </summary>
internal static class BucketCounters
{
    /// <summary>
    /// The stored counters laid out for <paramref name="buckets"/> buckets; <paramref name="map"/>[stored bucket] = current
    /// bucket or −1 (null: same buckets, by index). Returns <paramref name="stored"/> itself when nothing moves.
    /// </summary>
    public static T[] Remap<T>(T[]? stored, int buckets, int[]? map)
    {
        if (stored is null) return new T[buckets];
        if (map is null && stored.Length == buckets) return stored;
        var result = new T[buckets];
        for (var i = 0; i < stored.Length; i++)
        {
            var to = map is null ? i : i < map.Length ? map[i] : -1;
            if (to >= 0 && to < buckets) result[to] = stored[i];
        }
        return result;
    }

    /// <summary>
    /// Binds the feature's tumbling rings (one per declared unit, <see cref="FeatureState.Rings"/> in the feature's order),
    /// keeping the stored tiles that still fit. A <paramref name="paired"/> ring holds two counters per bucket — bucket b
    /// at b and its companion at Buckets + b — and is remapped as such.
    /// </summary>
    public static void BindRings(FeatureState state, CompiledFeature feature, int[]? bucketMap, bool sums, bool paired = false)
    {
        if (feature.Tumbling.Length == 0)
        {
            state.Tiles = null;
            state.Rings = [];
            return;
        }
        var ringBuckets = paired ? 2 * feature.Buckets : feature.Buckets;
        var tiles = new Dictionary<string, TileRing>(StringComparer.Ordinal);
        var rings = new TileRing[feature.Tumbling.Length];
        for (var i = 0; i < rings.Length; i++)
        {
            var spec = feature.Tumbling[i];
            var unit = spec.Unit!.Value.Name();
            TileRing ring;
            if (state.Tiles is not null && state.Tiles.TryGetValue(unit, out var stored) && stored.IsSums == sums && (!paired || stored.Buckets % 2 == 0))
            {
                ring = stored.Keep == spec.Keep && stored.Buckets == ringBuckets && bucketMap is null
                    ? stored
                    : stored.Resize(spec.Keep, ringBuckets, paired ? PairedMap(stored.Buckets / 2, feature.Buckets, bucketMap) : bucketMap);
            }
            else
            {
                ring = new TileRing(spec.Keep, ringBuckets, sums);
            }
            tiles[unit] = ring;
            rings[i] = ring;
        }
        state.Tiles = tiles;
        state.Rings = rings;
    }

    /// <summary>The map of a paired ring's 2 × <paramref name="from"/> counters to 2 × <paramref name="to"/>.</summary>
    private static int[] PairedMap(int from, int to, int[]? bucketMap)
    {
        var map = new int[2 * from];
        for (var b = 0; b < from; b++)
        {
            var target = bucketMap is null ? (b < to ? b : -1) : b < bucketMap.Length ? bucketMap[b] : -1;
            map[b] = target;
            map[from + b] = target < 0 ? -1 : to + target;
        }
        return map;
    }

    /// <summary>
    /// Moves every ring to the user's newest event, whether or not this event passes the filter: the tiles held are
    /// always the ones counted back from the latest event, as for every other windowed feature.
    /// </summary>
    public static void Advance(FeatureState state, CompiledFeature feature, DateTimeOffset last)
    {
        var rings = state.Rings;
        if (rings.Length == 0) return;
        var tumbling = feature.Tumbling;
        var lastSeconds = last.ToUnixTimeSeconds();
        for (var i = 0; i < rings.Length; i++)
        {
            rings[i].Advance(TileRing.IndexOf(lastSeconds, tumbling[i].Unit!.Value.Seconds()));
        }
    }

    /// <summary>Adds to the event's tile in every ring; false when one of them was past retention.</summary>
    public static bool AddToTiles(FeatureState state, CompiledFeature feature, TreasureEvent e, int bucket, long count, double sum)
    {
        var rings = state.Rings;
        var inAll = true;
        if (rings.Length == 0) return inAll;
        var tumbling = feature.Tumbling;
        var eventSeconds = e.Timestamp.ToUnixTimeSeconds();
        for (var i = 0; i < rings.Length; i++)
        {
            inAll &= rings[i].Add(TileRing.IndexOf(eventSeconds, tumbling[i].Unit!.Value.Seconds()), bucket, count, sum);
        }
        return inAll;
    }

    /// <summary>Merges the rings of two bound states of the same feature, tile by tile.</summary>
    public static void MergeRings(FeatureState into, FeatureState other)
    {
        for (var i = 0; i < into.Rings.Length; i++) into.Rings[i].Merge(other.Rings[i]);
    }

    /// <summary>
    /// Per ring counter, the lifetime value (from <paramref name="lifetime"/>) or the sum of the window's tiles counted
    /// back from <paramref name="now"/>; empty (zeros) when the feature keeps no such tiles.
    /// </summary>
    public static double[] Values(FeatureState state, QueryWindow window, DateTimeOffset now, int counters, Func<int, double> lifetime)
    {
        var values = new double[counters];
        if (window.IsLifetime)
        {
            for (var b = 0; b < values.Length; b++) values[b] = lifetime(b);
        }
        else if (state.Tiles?.GetValueOrDefault(window.Unit!.Value.Name()) is { } ring)
        {
            foreach (var tile in window.TileIndexes(now))
            {
                for (var b = 0; b < values.Length && b < ring.Buckets; b++) values[b] += ring.SumAt(tile, b);
            }
        }
        return values;
    }

    /// <summary>One value, or (<c>by: type</c>) one per accepted type by name.</summary>
    public static object? Shape<T>(CompiledFeature feature, T[] values, string[] typeNames)
    {
        if (!feature.ByType) return values[0];
        var result = new Dictionary<string, object?>(StringComparer.Ordinal);
        for (var t = 0; t < typeNames.Length; t++)
        {
            if (feature.Filter.AcceptsType(t)) result[typeNames[t]] = values[t];
        }
        return result;
    }

    /// <summary>One column (<c>feature</c>), or (<c>by: type</c>) one per accepted type (<c>feature.type</c>).</summary>
    public static IEnumerable<AnswerColumn> Columns(CompiledFeature feature, string[] typeNames, AnswerColumnType type)
    {
        if (!feature.ByType)
        {
            yield return new AnswerColumn(feature.Name, type, v => v);
            yield break;
        }
        for (var t = 0; t < typeNames.Length; t++)
        {
            if (!feature.Filter.AcceptsType(t)) continue;
            var typeName = typeNames[t];
            yield return new AnswerColumn($"{feature.Name}.{typeName}", type, v => ((IReadOnlyDictionary<string, object?>)v).GetValueOrDefault(typeName));
        }
    }

    /// <summary>An upper bound of the serialized tiles of one ring unit: every tile non-empty, every counter at its widest.</summary>
    public static long WorstCaseRingBytes(WindowSpec window, int counters, int bytesPerCounter) =>
        16 + (30 + (long)window.Keep * (10 + counters * bytesPerCounter)) * 4 / 3;
}
