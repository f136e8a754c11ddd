using System.Buffers;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace TreasureHunt.Core.Features;

/// <summary>
/// Tumbling tiles of one HyperLogLog sketch each (approxDistinct per tile): a window's estimate is that of the union of
/// its tiles' sketches. Serialized as one base64 string (see <see cref="SketchTilesJsonConverter"/>): a header, then
/// the tiles that have a sketch, as (age, length, the sketch's compact bytes).
/// </summary>
[JsonConverter(typeof(SketchTilesJsonConverter))]
public sealed class SketchTiles(int keep) : TileSlots<HyperLogLog>(keep)
{
    /// <summary>A copy with another retention (a redefined window): the tiles that still fit are kept.</summary>
    public SketchTiles Resize(int keep) => CopyTo(new SketchTiles(keep));

    // Wire format (version 1): varint version, varint keep, zigzag varint newest, varint tiles; per tile: varint age
    // (newest − tile), varint length, the sketch's bytes (HyperLogLog.ToBytes).
    internal string Encode()
    {
        var writer = new ArrayBufferWriter<byte>(64);
        var held = Held().ToList();
        TileRing.WriteVarint(writer, 1);
        TileRing.WriteVarint(writer, (ulong)Keep);
        TileRing.WriteVarint(writer, TileRing.ZigZag(Newest == long.MinValue ? 0 : Newest));
        TileRing.WriteVarint(writer, (ulong)held.Count);
        foreach (var (tile, sketch) in held)
        {
            TileRing.WriteVarint(writer, (ulong)(Newest - tile));
            var bytes = sketch.ToBytes();
            TileRing.WriteVarint(writer, (ulong)bytes.Length);
            writer.Write(bytes);
        }
        return Convert.ToBase64String(writer.WrittenSpan);
    }

    internal static SketchTiles Decode(string text)
    {
        var span = (ReadOnlySpan<byte>)Convert.FromBase64String(text);
        var version = TileRing.ReadVarint(ref span);
        if (version != 1) throw new JsonException($"sketch tiles version {version} is not supported");
        var keep = checked((int)TileRing.ReadVarint(ref span));
        if (keep < 1 || keep > WindowSpec.MaxKeep) throw new JsonException("sketch tiles header out of range");
        var newest = TileRing.UnZigZag(TileRing.ReadVarint(ref span));
        var count = TileRing.ReadVarint(ref span);
        var tiles = new SketchTiles(keep);
        if (count == 0) return tiles;
        tiles.Advance(newest);
        for (var i = 0UL; i < count; i++)
        {
            var tile = newest - (long)TileRing.ReadVarint(ref span);
            var length = checked((int)TileRing.ReadVarint(ref span));
            if (span.Length < length) throw new JsonException("sketch tiles truncated");
            tiles.Set(tile, HyperLogLog.FromBytes(span[..length]));
            span = span[length..];
        }
        return tiles;
    }
}

/// <summary>Reads and writes <see cref="SketchTiles"/> as its compact base64 string.</summary>
internal sealed class SketchTilesJsonConverter : JsonConverter<SketchTiles>
{
    public override SketchTiles Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType != JsonTokenType.String) throw new JsonException("sketch tiles are a base64 string");
        try
        {
            return SketchTiles.Decode(reader.GetString()!);
        }
        catch (FormatException e)
        {
            throw new JsonException("sketch tiles are a base64 string", e);
        }
    }

    public override void Write(Utf8JsonWriter writer, SketchTiles value, JsonSerializerOptions options) => writer.WriteStringValue(value.Encode());
}
