using System.Text.Json;
using TreasureHunt.Pipeline.Queries;

namespace TreasureHunt.Local.Hosting;

/// <summary>
/// Splits an ingest request body into messages, each kept byte for byte as received (bad events included: the
/// pipeline dead-letters them as it would when Event Hubs delivered them). NDJSON: every non-blank line is a
/// message. JSON: the body must be an array; each element's raw text is a message.
/// Limits (<see cref="IngestLimits"/>): a request with more messages, or with one message larger, than allowed is
/// refused whole with 413 (as Event Hubs refuses a send), before anything is stored.
/// </summary>
internal static class IngestRequestReader
{
    /// <summary>Null when the body split; otherwise the problem to answer (415, 400 or 413).</summary>
    public static ApiResponse? TrySplit(ReadOnlyMemory<byte> body, string? contentType, IngestLimits limits, out List<ReadOnlyMemory<byte>> messages)
    {
        messages = [];
        var mediaType = (contentType ?? "").Split(';')[0].Trim().ToLowerInvariant();
        return mediaType switch
        {
            "application/x-ndjson" or "application/ndjson" => SplitLines(body, limits, messages),
            "application/json" => SplitArray(body, limits, messages),
            _ => ApiResponse.Problem(415, "Unsupported media type",
                $"Content-Type must be application/x-ndjson (one event per line) or application/json (an array of events), not '{(contentType is { Length: > 0 } ? contentType : "(none)")}'"),
        };
    }

    private static ApiResponse? SplitLines(ReadOnlyMemory<byte> body, IngestLimits limits, List<ReadOnlyMemory<byte>> messages)
    {
        var start = 0;
        var span = body.Span;
        while (start < span.Length)
        {
            var end = span[start..].IndexOf((byte)'\n');
            var lineEnd = end < 0 ? span.Length : start + end;
            var line = body[start..lineEnd];
            if (line.Length > 0 && line.Span[^1] == '\r') line = line[..^1];
            if (!line.Span.Trim(" \t"u8).IsEmpty && Add(line, limits, messages) is { } problem) return problem;
            start = lineEnd + 1;
        }
        return null;
    }

    private static ApiResponse? SplitArray(ReadOnlyMemory<byte> body, IngestLimits limits, List<ReadOnlyMemory<byte>> messages)
    {
        try
        {
            var reader = new Utf8JsonReader(body.Span);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartArray)
            {
                return ApiResponse.BadRequest("an application/json body must be a JSON array of events");
            }
            while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
            {
                var start = (int)reader.TokenStartIndex;
                reader.Skip();
                if (Add(body[start..(int)reader.BytesConsumed], limits, messages) is { } problem) return problem;
            }
            if (reader.Read())
            {
                return ApiResponse.BadRequest("content after the end of the JSON array");
            }
            return null;
        }
        catch (JsonException e)
        {
            return ApiResponse.BadRequest($"the body is not a valid JSON array: {e.Message}");
        }
        catch (InvalidOperationException e) // invalid UTF-8 inside the array's syntax
        {
            return ApiResponse.BadRequest($"the body is not a valid JSON array: {e.Message}");
        }
    }

    private static ApiResponse? Add(ReadOnlyMemory<byte> message, IngestLimits limits, List<ReadOnlyMemory<byte>> messages)
    {
        if (message.Length > limits.MaxMessageBytes)
        {
            return ApiResponse.Problem(413, "Payload too large",
                $"message {messages.Count} is {message.Length} bytes; at most {limits.MaxMessageBytes} bytes per message (Local:MaxMessageBytes)");
        }
        if (messages.Count == limits.MaxMessagesPerRequest)
        {
            return ApiResponse.Problem(413, "Payload too large",
                $"at most {limits.MaxMessagesPerRequest} messages per request (Local:MaxMessagesPerRequest); split the request");
        }
        messages.Add(message);
        return null;
    }
}

/// <summary>The ingest route's caps, from <see cref="LocalHostOptions"/>.</summary>
internal sealed record IngestLimits(int MaxMessagesPerRequest, int MaxMessageBytes);
