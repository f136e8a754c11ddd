using System.Text;
using System.Text.Json;
using TreasureHunt.Core.Events;

namespace TreasureHunt.Core.Erasure;

/// <summary>
/// The user a dead letter's payload names, so that an erasure can find the user's dead letters: the top-level
/// <c>userId</c> string of a JSON object, read up to the point where the payload stops being JSON (a truncated or
/// malformed payload still yields an id read before that point). A payload with no such field, or a value that is not
/// a valid id (<see cref="ContractLimits.IsValidId"/>), names nobody.
/// </summary>
public static class DeadLetterUserId
{
    public static bool TryRead(string payload, out string userId)
    {
        ArgumentNullException.ThrowIfNull(payload);
        userId = "";
        var reader = new Utf8JsonReader(Encoding.UTF8.GetBytes(payload), isFinalBlock: false, state: default);
        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject) return false;
            while (reader.Read())
            {
                if (reader.TokenType == JsonTokenType.EndObject && reader.CurrentDepth == 0) return false;
                if (reader.TokenType != JsonTokenType.PropertyName || reader.CurrentDepth != 1) continue;
                var isUserId = reader.ValueTextEquals("userId"u8);
                if (!reader.Read()) return false;
                if (isUserId && reader.TokenType == JsonTokenType.String)
                {
                    var value = reader.GetString()!;
                    if (!ContractLimits.IsValidId(value)) return false;
                    userId = value;
                    return true;
                }
            }
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            // Malformed from here on (InvalidOperationException: a string that is not valid text, such as an escaped lone
            // surrogate): nothing after this point can be trusted as the user's id.
        }
        return false;
    }
}
