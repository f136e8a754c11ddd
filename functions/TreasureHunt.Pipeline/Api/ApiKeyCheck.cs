using System.Security.Cryptography;
using System.Text;

namespace TreasureHunt.Pipeline.Api;

/// <summary>
/// Compares a presented function key with the host's in constant time: both are hashed (SHA-256) and the hashes
/// compared with <see cref="CryptographicOperations.FixedTimeEquals"/>, so neither the content nor the length of
/// the key leaks through response timing. An empty configured key matches nothing.
/// </summary>
internal sealed class ApiKeyCheck
{
    private readonly byte[]? _expectedHash;

    private ApiKeyCheck(byte[]? expectedHash) => _expectedHash = expectedHash;

    public static ApiKeyCheck Create(string? apiKey) =>
        new(string.IsNullOrEmpty(apiKey) ? null : SHA256.HashData(Encoding.UTF8.GetBytes(apiKey)));

    /// <summary>The check of a key known only by its SHA-256 (hex, of its UTF-8 bytes); empty matches nothing.</summary>
    public static ApiKeyCheck FromSha256(string? hex) =>
        new(string.IsNullOrEmpty(hex) ? null : Convert.FromHexString(hex));

    public bool Matches(string? presented)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(presented ?? ""));
        return CryptographicOperations.FixedTimeEquals(hash, _expectedHash ?? new byte[hash.Length]) && _expectedHash is not null;
    }
}
