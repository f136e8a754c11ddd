using System.Text;
using System.Text.Json;

namespace TreasureHunt.Core.Erasure;

/// <summary>
/// The wire form of an erase request in the event stream: a JSON body that starts with the exact bytes
/// <c>{"$control":"erase",</c> followed by <c>erasureId</c>, <c>userId</c> and <c>requestedAt</c>. Written only by
/// <see cref="Encode"/> (the erasure sender) and recognised by <see cref="IsControl"/> before the event parser sees
/// the message: no event of the contract starts with a <c>$</c> field (core fields and attribute names are letters, digits
/// and <c>_</c>), so a producer cannot send one by accident, and the ingest route refuses a message with this prefix.
/// The top-level <c>userId</c> is the partition key, so the message lands in the user's own partition.
/// </summary>
public static class EraseControlMessage
{
    /// <summary>The bytes every erase control message starts with.</summary>
    public static ReadOnlySpan<byte> Prefix => """{"$control":"erase","""u8;

    public static byte[] Encode(EraseRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("$control", "erase");
            writer.WriteString("erasureId", request.ErasureId);
            writer.WriteString("userId", request.UserId);
            writer.WriteString("requestedAt", request.RequestedAt.UtcDateTime);
            writer.WriteEndObject();
        }
        return buffer.ToArray();
    }

    /// <summary>Whether the body is a control message (its first bytes are <see cref="Prefix"/>), well formed or not.</summary>
    public static bool IsControl(ReadOnlySpan<byte> body) => body.StartsWith(Prefix);

    /// <summary>Reads a control message; false (with the reason) when it starts like one but is not a valid erase request.</summary>
    public static bool TryRead(ReadOnlySpan<byte> body, out EraseRequest? request, out string? error)
    {
        request = null;
        error = null;
        if (!IsControl(body))
        {
            error = "not a control message";
            return false;
        }
        string? erasureId = null, userId = null;
        DateTimeOffset? requestedAt = null;
        try
        {
            var reader = new Utf8JsonReader(body);
            reader.Read();
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var name = reader.GetString();
                reader.Read();
                switch (name)
                {
                    case "erasureId" when reader.TokenType == JsonTokenType.String: erasureId = reader.GetString(); break;
                    case "userId" when reader.TokenType == JsonTokenType.String: userId = reader.GetString(); break;
                    case "requestedAt" when reader.TokenType == JsonTokenType.String && reader.TryGetDateTimeOffset(out var at): requestedAt = at; break;
                    default: reader.Skip(); break;
                }
            }
        }
        catch (JsonException e)
        {
            error = $"control message is not JSON: {e.Message}";
            return false;
        }
        if (string.IsNullOrEmpty(erasureId) || userId is null || !Events.ContractLimits.IsValidId(userId) || requestedAt is null)
        {
            error = "erase control message needs erasureId, a valid userId and requestedAt";
            return false;
        }
        request = new EraseRequest(erasureId, userId, requestedAt.Value);
        return true;
    }

    public static string Describe(EraseRequest request) => Encoding.UTF8.GetString(Encode(request));
}
