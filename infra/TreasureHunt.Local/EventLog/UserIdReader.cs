using System.Text.Json;

namespace TreasureHunt.Local.EventLog;

/// <summary>Finds the top-level string "userId" of a message (the partition key) without validating the rest.</summary>
internal static class UserIdReader
{
    public static bool TryRead(ReadOnlySpan<byte> message, out string userId)
    {
        userId = "";
        try
        {
            var reader = new Utf8JsonReader(message);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject) return false;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var isUserId = reader.ValueTextEquals("userId"u8);
                reader.Read();
                if (isUserId)
                {
                    if (reader.TokenType != JsonTokenType.String) return false;
                    userId = reader.GetString()!;
                    return userId.Length > 0;
                }
                reader.Skip();
            }
        }
        catch (JsonException)
        {
            // not JSON: round robin
        }
        return false;
    }
}
