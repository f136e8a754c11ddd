using System.Buffers;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace TreasureHunt.Core.Aggregation;

/// <summary>
/// JSON form of <see cref="DeliveryState"/>:
/// <code>{"partitions":["0","1"],"watermarks":[1234,null],"seen":"&lt;base64&gt;","duplicates":"&lt;base64&gt;","forgottenAtCap":0}</code>
/// <c>partitions</c> lists each source partition once (those with a watermark or referenced by an entry);
/// <c>watermarks[i]</c> is the watermark of <c>partitions[i]</c> (null when none); <c>seen</c> and <c>duplicates</c>
/// are the binary fields of <see cref="DeliveryStateCodec"/>, which refer to partitions by their index here.
/// <c>newest</c> (ticks, rare) is written only when the horizon counts back from a time newer than every remembered id
/// (see <see cref="DeliveryState.NewestBeyondEntries"/>).
/// </summary>
internal sealed class DeliveryStateJsonConverter : JsonConverter<DeliveryState>
{
    public override DeliveryState Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            throw new JsonException("delivery state: expected a JSON object.");
        }
        var partitions = new List<string>();
        var watermarks = new List<long?>();
        byte[] seen = [], duplicates = [];
        long forgottenAtCap = 0;
        long? newest = null;
        while (reader.Read() && reader.TokenType != JsonTokenType.EndObject)
        {
            var name = reader.GetString();
            reader.Read();
            switch (name)
            {
                case "partitions":
                    ExpectArray(ref reader, name);
                    while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                    {
                        partitions.Add(reader.GetString() ?? throw new JsonException("delivery state: a partition id is null."));
                    }
                    break;
                case "watermarks":
                    ExpectArray(ref reader, name);
                    while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                    {
                        watermarks.Add(reader.TokenType == JsonTokenType.Null ? null : reader.GetInt64());
                    }
                    break;
                case "seen":
                    seen = reader.GetBytesFromBase64();
                    break;
                case "duplicates":
                    duplicates = reader.GetBytesFromBase64();
                    break;
                case "forgottenAtCap":
                    forgottenAtCap = reader.GetInt64();
                    break;
                case "newest":
                    newest = reader.GetInt64();
                    break;
                default:
                    reader.Skip();
                    break;
            }
        }
        if (watermarks.Count > partitions.Count)
        {
            throw new JsonException($"delivery state: {watermarks.Count} watermarks for {partitions.Count} partitions.");
        }
        return DeliveryState.FromParts(partitions, watermarks,
            DeliveryStateCodec.ReadEntries(seen, partitions.Count),
            DeliveryStateCodec.ReadDuplicates(duplicates, partitions.Count),
            forgottenAtCap, newest);
    }

    public override void Write(Utf8JsonWriter writer, DeliveryState value, JsonSerializerOptions options)
    {
        // Only partitions with a watermark or referenced by an entry are written, renumbered in order.
        var all = value.Partitions;
        var used = new bool[all.Count];
        for (var i = 0; i < all.Count; i++) used[i] = value.Watermarks.ContainsKey(all[i]);
        foreach (ref readonly var e in value.Entries) used[e.Partition] = true;
        foreach (ref readonly var d in value.Duplicates) used[d.Partition] = true;
        var map = new int[all.Count];
        var count = 0;
        for (var i = 0; i < all.Count; i++) map[i] = used[i] ? count++ : -1;

        writer.WriteStartObject();
        writer.WriteStartArray("partitions");
        for (var i = 0; i < all.Count; i++) if (used[i]) writer.WriteStringValue(all[i]);
        writer.WriteEndArray();
        writer.WriteStartArray("watermarks");
        for (var i = 0; i < all.Count; i++)
        {
            if (!used[i]) continue;
            if (value.Watermarks.TryGetValue(all[i], out var w)) writer.WriteNumberValue(w);
            else writer.WriteNullValue();
        }
        writer.WriteEndArray();
        var buffer = new ArrayBufferWriter<byte>(value.RememberedIds * 10 + 16);
        DeliveryStateCodec.WriteEntries(value.Entries, map, count, buffer);
        writer.WriteBase64String("seen", buffer.WrittenSpan);
        buffer.Clear();
        DeliveryStateCodec.WriteDuplicates(value.Duplicates, map, buffer);
        writer.WriteBase64String("duplicates", buffer.WrittenSpan);
        writer.WriteNumber("forgottenAtCap", value.ForgottenAtCap);
        if (value.NewestBeyondEntries is { } newest)
        {
            writer.WriteNumber("newest", newest);
        }
        writer.WriteEndObject();
    }

    private static void ExpectArray(ref Utf8JsonReader reader, string name)
    {
        if (reader.TokenType != JsonTokenType.StartArray)
        {
            throw new JsonException($"delivery state: '{name}' must be an array.");
        }
    }
}
