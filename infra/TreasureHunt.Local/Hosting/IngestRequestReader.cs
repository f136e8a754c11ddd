using System.Text.Json;

namespace TreasureHunt.Local.Hosting;

/// <summary>
/// Splits an ingest request body into messages, each kept byte for byte as received (bad events included: the
/// pipeline dead-letters them as it would when Event Hubs delivered them). NDJSON: every non-blank line is a
/// message. JSON: the body must be an array; each element's raw text is a message.
/// </summary>
internal static class IngestRequestReader
{
    public static bool TrySplit(ReadOnlyMemory<byte> body, string? contentType, out List<ReadOnlyMemory<byte>> messages, out string error)
    {
        messages = [];
        error = "";
        var mediaType = (contentType ?? "").Split(';')[0].Trim().ToLowerInvariant();
        switch (mediaType)
        {
            case "application/x-ndjson":
            case "application/ndjson":
                SplitLines(body, messages);
                return true;
            case "application/json":
                return TrySplitArray(body, messages, out error);
            default:
                error = "Content-Type must be application/x-ndjson (one event per line) or application/json (an array of events)";
                return false;
        }
    }

    private static void SplitLines(ReadOnlyMemory<byte> body, List<ReadOnlyMemory<byte>> messages)
    {
        var start = 0;
        var span = body.Span;
        while (start < span.Length)
        {
            var end = span[start..].IndexOf((byte)'\n');
            var lineEnd = end < 0 ? span.Length : start + end;
            var line = body[start..lineEnd];
            if (line.Length > 0 && line.Span[^1] == '\r') line = line[..^1];
            if (!line.Span.Trim(" \t"u8).IsEmpty) messages.Add(line);
            start = lineEnd + 1;
        }
    }

    private static bool TrySplitArray(ReadOnlyMemory<byte> body, List<ReadOnlyMemory<byte>> messages, out string error)
    {
        error = "";
        try
        {
            var reader = new Utf8JsonReader(body.Span);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartArray)
            {
                error = "an application/json body must be a JSON array of events";
                return false;
            }
            while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
            {
                var start = (int)reader.TokenStartIndex;
                reader.Skip();
                messages.Add(body[start..(int)reader.BytesConsumed]);
            }
            if (reader.Read())
            {
                error = "content after the end of the JSON array";
                return false;
            }
            return true;
        }
        catch (JsonException e)
        {
            error = $"the body is not a valid JSON array: {e.Message}";
            return false;
        }
    }
}
