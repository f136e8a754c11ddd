using System.Text.Json;

namespace TreasureHunt.Local.EventLog;

/// <summary>
/// Finds the top-level string "userId" of a message (the partition key) without validating the rest. Agrees with
/// <see cref="TreasureHunt.Core.Events.EventParser"/> on every message the parser accepts: a userId named twice (even
/// once as null) is duplicate_field there and has no partition key here; invalid UTF-8 or a lone surrogate in the value
/// is not_json there and round robin here. Never throws: the message is stored whatever it holds and dead-lettered
/// later with its reason.
/// </summary>
internal static class UserIdReader
{
    public static bool TryRead(ReadOnlySpan<byte> message, out string userId)
    {
        userId = "";
        string? found = null;
        var occurrences = 0;
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
                    occurrences++;
                    found = reader.TokenType == JsonTokenType.String ? reader.GetString() : null;
                }
                reader.Skip();
            }
        }
        catch (JsonException)
        {
            return false; // not JSON: round robin
        }
        catch (InvalidOperationException)
        {
            return false; // invalid UTF-8 or a lone surrogate in a string: round robin, dead-lettered as not_json
        }
        if (occurrences != 1 || string.IsNullOrEmpty(found)) return false;
        userId = found;
        return true;
    }
}
