using TreasureHunt.Core.Aggregation;

namespace TreasureHunt.Core.Features;

/// <summary>
/// A tumbling window as a fixed ring of <see cref="Keep"/> slots holding one value per tile (a value and its time, a
/// sketch), for the aggregations whose tile is not a counter. The tile of index <c>n</c> (= start / tile length) is in
/// slot <c>n mod Keep</c>; the ring holds the tiles (<see cref="Newest"/> − Keep, <see cref="Newest"/>], and a slot
/// remembers which tile it holds, so moving forward clears nothing: a slot of a tile that fell out is simply stale.
/// </summary>
public abstract class TileSlots<T>
{
    private readonly T[] _values;
    private readonly long[] _tiles;

    protected TileSlots(int keep)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(keep, 1);
        Keep = keep;
        _values = new T[keep];
        _tiles = new long[keep];
        Array.Fill(_tiles, long.MinValue);
    }

    public int Keep { get; }

    /// <summary>Copies the tiles that still fit into <paramref name="copy"/> (an empty ring of another retention).</summary>
    protected TRing CopyTo<TRing>(TRing copy) where TRing : TileSlots<T>
    {
        if (Newest == long.MinValue) return copy;
        copy.Advance(Newest);
        foreach (var (tile, value) in Held()) copy.Set(tile, value);
        return copy;
    }

    /// <summary>
    /// The rings of <paramref name="feature"/>'s tumbling windows in its order, taken from <paramref name="stored"/> by
    /// unit name (resized to the declared retention by <paramref name="resize"/>, new from <paramref name="create"/>
    /// when absent), and the same rings by unit name for the stored state; (null, []) without tumbling windows.
    /// </summary>
    public static (Dictionary<string, TRing>? ByUnit, TRing[] Rings) Bind<TRing>(
        CompiledFeature feature, Dictionary<string, TRing>? stored, Func<int, TRing> create, Func<TRing, int, TRing> resize)
        where TRing : TileSlots<T>
    {
        ArgumentNullException.ThrowIfNull(feature);
        if (feature.Tumbling.Length == 0) return (null, []);
        var byUnit = new Dictionary<string, TRing>(StringComparer.Ordinal);
        var rings = new TRing[feature.Tumbling.Length];
        for (var i = 0; i < rings.Length; i++)
        {
            var spec = feature.Tumbling[i];
            var unit = spec.Unit!.Value.Name();
            var ring = stored?.GetValueOrDefault(unit) is { } kept
                ? kept.Keep == spec.Keep ? kept : resize(kept, spec.Keep)
                : create(spec.Keep);
            byUnit[unit] = rings[i] = ring;
        }
        return (byUnit, rings);
    }

    /// <summary>Index of the newest tile the ring holds; <see cref="long.MinValue"/> when it never held one.</summary>
    public long Newest { get; private set; } = long.MinValue;

    private int SlotOf(long tile) => (int)(((tile % Keep) + Keep) % Keep);

    /// <summary>Whether <paramref name="tile"/> is inside the ring's range.</summary>
    public bool Holds(long tile) => Newest != long.MinValue && tile <= Newest && tile > Newest - Keep;

    /// <summary>Moves the newest tile forward to <paramref name="tile"/> (never back).</summary>
    public void Advance(long tile)
    {
        if (Newest == long.MinValue || tile > Newest) Newest = tile;
    }

    /// <summary>The value of <paramref name="tile"/>, when the ring holds one for it.</summary>
    public bool TryGet(long tile, out T value)
    {
        var slot = SlotOf(tile);
        if (Holds(tile) && _tiles[slot] == tile)
        {
            value = _values[slot];
            return true;
        }
        value = default!;
        return false;
    }

    /// <summary>Sets the value of <paramref name="tile"/>; false (nothing set) when the tile is older than the ring's retention.</summary>
    public bool Set(long tile, T value)
    {
        if (!Holds(tile)) return false;
        var slot = SlotOf(tile);
        _tiles[slot] = tile;
        _values[slot] = value;
        return true;
    }

    /// <summary>The tiles held that have a value, oldest first.</summary>
    public IEnumerable<(long Tile, T Value)> Held()
    {
        if (Newest == long.MinValue) yield break;
        for (var tile = Newest - Keep + 1; tile <= Newest; tile++)
        {
            if (TryGet(tile, out var value)) yield return (tile, value);
        }
    }
}
