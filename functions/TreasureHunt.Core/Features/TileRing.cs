using System.Buffers;
using System.Buffers.Binary;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace TreasureHunt.Core.Features;

/// <summary>
/// A tumbling window as a fixed-size counter ring: <see cref="Keep"/> tiles of <see cref="Buckets"/> counters (counts or
/// sums), the tile of index <c>n</c> (= start / tile length) in slot <c>n mod Keep</c>. The ring holds the tiles
/// (<see cref="Newest"/> − Keep, <see cref="Newest"/>]; moving <see cref="Newest"/> forward clears the slots it passes.
/// Size is fixed by the definition whatever the traffic: Keep × Buckets counters.
/// Serialized as one base64 string (see <see cref="TileRingJsonConverter"/>): a header, then only the non-empty tiles
/// as (age, counters) varints — a typical user's 120-minute ring is a few dozen bytes.
/// </summary>
[JsonConverter(typeof(TileRingJsonConverter))]
public sealed class TileRing
{
    public TileRing(int keep, int buckets, bool sums)
    {
        if (keep < 1) throw new ArgumentOutOfRangeException(nameof(keep));
        if (buckets < 1) throw new ArgumentOutOfRangeException(nameof(buckets));
        Keep = keep;
        Buckets = buckets;
        if (sums) Sums = new double[keep * buckets];
        else Counts = new long[keep * buckets];
    }

    public int Keep { get; }
    public int Buckets { get; }

    /// <summary>Index (start / length) of the newest tile the ring holds; <see cref="long.MinValue"/> when it never held one.</summary>
    public long Newest { get; private set; } = long.MinValue;

    public long[]? Counts { get; }
    public double[]? Sums { get; }

    public bool IsSums => Sums is not null;

    private int SlotOf(long tile) => (int)(((tile % Keep) + Keep) % Keep);

    /// <summary>Whether <paramref name="tile"/> is inside the ring's range.</summary>
    public bool Holds(long tile) => Newest != long.MinValue && tile <= Newest && tile > Newest - Keep;

    /// <summary>Moves the newest tile forward to <paramref name="tile"/>, clearing the slots of the tiles that fall out.</summary>
    public void Advance(long tile)
    {
        if (Newest != long.MinValue && tile <= Newest) return;
        var clear = Newest == long.MinValue ? Keep : (int)Math.Min(Keep, tile - Newest);
        for (var i = 0; i < clear; i++)
        {
            var slot = SlotOf(tile - i) * Buckets;
            if (Counts is not null) Array.Clear(Counts, slot, Buckets);
            else Array.Clear(Sums!, slot, Buckets);
        }
        Newest = tile;
    }

    /// <summary>Adds to a tile; false (nothing added) when the tile is older than the ring's retention.</summary>
    public bool Add(long tile, int bucket, long count, double sum)
    {
        if (!Holds(tile)) return false;
        var at = SlotOf(tile) * Buckets + bucket;
        if (Counts is not null) Counts[at] += count;
        else Sums![at] += sum;
        return true;
    }

    public long CountAt(long tile, int bucket) => Holds(tile) && Counts is not null ? Counts[SlotOf(tile) * Buckets + bucket] : 0;

    public double SumAt(long tile, int bucket) =>
        !Holds(tile) ? 0 : Sums is not null ? Sums[SlotOf(tile) * Buckets + bucket] : Counts![SlotOf(tile) * Buckets + bucket];

    public bool IsEmptyAt(long tile)
    {
        if (!Holds(tile)) return true;
        var at = SlotOf(tile) * Buckets;
        for (var b = 0; b < Buckets; b++)
        {
            if (Counts is not null ? Counts[at + b] != 0 : Sums![at + b] != 0) return false;
        }
        return true;
    }

    /// <summary>The tiles held that have a non-zero counter, oldest first.</summary>
    public IEnumerable<long> NonEmptyTiles()
    {
        if (Newest == long.MinValue) yield break;
        for (var tile = Newest - Keep + 1; tile <= Newest; tile++)
        {
            if (!IsEmptyAt(tile)) yield return tile;
        }
    }

    /// <summary>The index of the tile of <paramref name="tileSeconds"/> seconds that holds <paramref name="unixSeconds"/> (start / length, floored).</summary>
    public static long IndexOf(long unixSeconds, long tileSeconds) => (unixSeconds - (((unixSeconds % tileSeconds) + tileSeconds) % tileSeconds)) / tileSeconds;

    /// <summary>
    /// Adds <paramref name="other"/>'s tiles (same retention and layout), aligned by tile index: the ring follows the
    /// newer of the two newest tiles, and a tile that falls out of the merged retention is dropped, as it would have been
    /// had the events come to one ring. Associative and commutative (sums up to floating-point rounding).
    /// </summary>
    public void Merge(TileRing other)
    {
        ArgumentNullException.ThrowIfNull(other);
        if (other.Keep != Keep || other.Buckets != Buckets || other.IsSums != IsSums)
        {
            throw new ArgumentException("cannot merge tile rings of different retention or layout", nameof(other));
        }
        if (other.Newest == long.MinValue) return;
        Advance(other.Newest);
        for (var tile = other.Newest - Keep + 1; tile <= other.Newest; tile++)
        {
            if (!Holds(tile)) continue;
            var at = SlotOf(tile) * Buckets;
            for (var b = 0; b < Buckets; b++)
            {
                if (Counts is not null) Counts[at + b] += other.Counts![at + b];
                else Sums![at + b] += other.Sums![at + b];
            }
        }
    }

    /// <summary>A copy with another retention or bucket layout (a redefined window): tiles that still fit are kept;
    /// <paramref name="bucketMap"/>[old bucket] = new bucket or −1.</summary>
    public TileRing Resize(int keep, int buckets, int[]? bucketMap)
    {
        var copy = new TileRing(keep, buckets, IsSums);
        if (Newest == long.MinValue) return copy;
        copy.Advance(Newest);
        foreach (var tile in NonEmptyTiles())
        {
            for (var b = 0; b < Buckets; b++)
            {
                var to = bucketMap is null ? b : b < bucketMap.Length ? bucketMap[b] : -1;
                if (to < 0 || to >= buckets) continue;
                copy.Add(tile, to, CountAt(tile, b), SumAt(tile, b));
            }
        }
        return copy;
    }

    // Wire format (version 1): varint version, flags (1 = sums), varint keep, varint buckets, zigzag varint newest,
    // varint tiles; per non-empty tile: varint age (newest − tile), then per bucket a varint count or an 8-byte double.
    internal string Encode()
    {
        var writer = new ArrayBufferWriter<byte>(32);
        WriteVarint(writer, 1);
        WriteVarint(writer, IsSums ? 1UL : 0UL);
        WriteVarint(writer, (ulong)Keep);
        WriteVarint(writer, (ulong)Buckets);
        WriteVarint(writer, ZigZag(Newest == long.MinValue ? 0 : Newest));
        var tiles = Newest == long.MinValue ? [] : NonEmptyTiles().ToList();
        WriteVarint(writer, (ulong)tiles.Count);
        foreach (var tile in tiles)
        {
            WriteVarint(writer, (ulong)(Newest - tile));
            var at = SlotOf(tile) * Buckets;
            for (var b = 0; b < Buckets; b++)
            {
                if (Counts is not null)
                {
                    WriteVarint(writer, (ulong)Counts[at + b]);
                }
                else
                {
                    BinaryPrimitives.WriteDoubleLittleEndian(writer.GetSpan(8), Sums![at + b]);
                    writer.Advance(8);
                }
            }
        }
        return Convert.ToBase64String(writer.WrittenSpan);
    }

    internal static TileRing Decode(string text)
    {
        var bytes = Convert.FromBase64String(text);
        var span = (ReadOnlySpan<byte>)bytes;
        var version = ReadVarint(ref span);
        if (version != 1) throw new JsonException($"tile ring version {version} is not supported");
        var sums = ReadVarint(ref span) == 1;
        var keep = checked((int)ReadVarint(ref span));
        var buckets = checked((int)ReadVarint(ref span));
        if (keep < 1 || keep > WindowSpec.MaxKeep || buckets < 1 || buckets > 1024) throw new JsonException("tile ring header out of range");
        var newest = UnZigZag(ReadVarint(ref span));
        var count = ReadVarint(ref span);
        var ring = new TileRing(keep, buckets, sums);
        if (count == 0) return ring;
        ring.Advance(newest);
        for (var i = 0UL; i < count; i++)
        {
            var tile = newest - (long)ReadVarint(ref span);
            for (var b = 0; b < buckets; b++)
            {
                if (sums)
                {
                    if (span.Length < 8) throw new JsonException("tile ring truncated");
                    ring.Add(tile, b, 0, BinaryPrimitives.ReadDoubleLittleEndian(span));
                    span = span[8..];
                }
                else
                {
                    ring.Add(tile, b, (long)ReadVarint(ref span), 0);
                }
            }
        }
        return ring;
    }

    internal static ulong ZigZag(long v) => (ulong)((v << 1) ^ (v >> 63));
    internal static long UnZigZag(ulong v) => (long)(v >> 1) ^ -(long)(v & 1);

    internal static void WriteVarint(ArrayBufferWriter<byte> writer, ulong value)
    {
        var span = writer.GetSpan(10);
        var n = 0;
        while (value >= 0x80)
        {
            span[n++] = (byte)(value | 0x80);
            value >>= 7;
        }
        span[n++] = (byte)value;
        writer.Advance(n);
    }

    internal static ulong ReadVarint(ref ReadOnlySpan<byte> span)
    {
        ulong value = 0;
        for (var shift = 0; shift < 64; shift += 7)
        {
            if (span.IsEmpty) throw new JsonException("tile ring truncated");
            var b = span[0];
            span = span[1..];
            value |= (ulong)(b & 0x7F) << shift;
            if (b < 0x80) return value;
        }
        throw new JsonException("tile ring varint too long");
    }
}

/// <summary>Reads and writes a <see cref="TileRing"/> as its compact base64 string.</summary>
internal sealed class TileRingJsonConverter : JsonConverter<TileRing>
{
    public override TileRing Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType != JsonTokenType.String) throw new JsonException("a tile ring is a base64 string");
        try
        {
            return TileRing.Decode(reader.GetString()!);
        }
        catch (FormatException e)
        {
            throw new JsonException("a tile ring is a base64 string", e);
        }
    }

    public override void Write(Utf8JsonWriter writer, TileRing value, JsonSerializerOptions options) => writer.WriteStringValue(value.Encode());
}
