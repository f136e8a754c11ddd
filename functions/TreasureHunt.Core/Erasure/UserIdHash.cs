using System.Security.Cryptography;
using System.Text;

namespace TreasureHunt.Core.Erasure;

/// <summary>
/// The form in which an erased user is remembered (tombstones, the erasure log): the first 128 bits of the SHA-256 of
/// the UTF-8 userId, as 32 lowercase hex digits. The raw id is never kept after an erasure; a collision (another user
/// with the same 128 bits) is negligible at any realistic number of erasures.
/// </summary>
public static class UserIdHash
{
    public static string Of(string userId)
    {
        ArgumentNullException.ThrowIfNull(userId);
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(Encoding.UTF8.GetBytes(userId), hash);
        return Convert.ToHexStringLower(hash[..16]);
    }
}
