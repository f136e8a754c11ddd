using System.Buffers;
using System.Buffers.Binary;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace TreasureHunt.Core.Features;

/// <summary>One tile's value and the event time it came with (UTC ticks; 0 when the aggregation keeps no time).</summary>
public readonly record struct ValueTile(double Value, long Ticks);

/// <summary>
/// Tumbling tiles of one value each (min, max, first, last per tile). Serialized as one base64 string (see
/// <see cref="ValueTilesJsonConverter"/>): a header, then only the tiles that have a value, as (age, value, time).
/// </summary>
[JsonConverter(typeof(ValueTilesJsonConverter))]
public sealed class ValueTiles(int keep) : TileSlots<ValueTile>(keep)
{
    /// <summary>A copy with another retention (a redefined window): the tiles that still fit are kept.</summary>
    public ValueTiles Resize(int keep) => CopyTo(new ValueTiles(keep));

    // Wire format (version 1): varint version, varint keep, zigzag varint newest, varint tiles; per tile: varint age
    // (newest − tile), the value as an 8-byte double, the time as a zigzag varint.
    internal string Encode()
    {
        var writer = new ArrayBufferWriter<byte>(32);
        var held = Held().ToList();
        TileRing.WriteVarint(writer, 1);
        TileRing.WriteVarint(writer, (ulong)Keep);
        TileRing.WriteVarint(writer, TileRing.ZigZag(Newest == long.MinValue ? 0 : Newest));
        TileRing.WriteVarint(writer, (ulong)held.Count);
        foreach (var (tile, value) in held)
        {
            TileRing.WriteVarint(writer, (ulong)(Newest - tile));
            BinaryPrimitives.WriteDoubleLittleEndian(writer.GetSpan(8), value.Value);
            writer.Advance(8);
            TileRing.WriteVarint(writer, TileRing.ZigZag(value.Ticks));
        }
        return Convert.ToBase64String(writer.WrittenSpan);
    }

    internal static ValueTiles Decode(string text)
    {
        var span = (ReadOnlySpan<byte>)Convert.FromBase64String(text);
        var version = TileRing.ReadVarint(ref span);
        if (version != 1) throw new JsonException($"value tiles version {version} is not supported");
        var keep = checked((int)TileRing.ReadVarint(ref span));
        if (keep < 1 || keep > WindowSpec.MaxKeep) throw new JsonException("value tiles header out of range");
        var newest = TileRing.UnZigZag(TileRing.ReadVarint(ref span));
        var count = TileRing.ReadVarint(ref span);
        var tiles = new ValueTiles(keep);
        if (count == 0) return tiles;
        tiles.Advance(newest);
        for (var i = 0UL; i < count; i++)
        {
            var tile = newest - (long)TileRing.ReadVarint(ref span);
            if (span.Length < 8) throw new JsonException("value tiles truncated");
            var value = BinaryPrimitives.ReadDoubleLittleEndian(span);
            span = span[8..];
            tiles.Set(tile, new ValueTile(value, TileRing.UnZigZag(TileRing.ReadVarint(ref span))));
        }
        return tiles;
    }
}

/// <summary>Reads and writes <see cref="ValueTiles"/> as its compact base64 string.</summary>
internal sealed class ValueTilesJsonConverter : JsonConverter<ValueTiles>
{
    public override ValueTiles Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType != JsonTokenType.String) throw new JsonException("value tiles are a base64 string");
        try
        {
            return ValueTiles.Decode(reader.GetString()!);
        }
        catch (FormatException e)
        {
            throw new JsonException("value tiles are a base64 string", e);
        }
    }

    public override void Write(Utf8JsonWriter writer, ValueTiles value, JsonSerializerOptions options) => writer.WriteStringValue(value.Encode());
}
