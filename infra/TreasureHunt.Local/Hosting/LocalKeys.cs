using System.Security.Cryptography;
using TreasureHunt.Pipeline.Api;

namespace TreasureHunt.Local.Hosting;

/// <summary>
/// The local host's key per role: <c>TH_READER_KEY</c>, <c>TH_OPERATOR_KEY</c>, <c>TH_INGEST_KEY</c> when set, else
/// <c>TH_API_KEY</c> when set (a convenience: one key holding all three roles), else the files
/// <c>&lt;state&gt;/keys/reader|operator|ingest</c>, created with a random key when absent (owner-only).
/// </summary>
internal sealed record LocalKeys(string Reader, string Operator, string Ingest)
{
    public static readonly IReadOnlyList<ApiRole> Roles = [ApiRole.Reader, ApiRole.Operator, ApiRole.Ingest];

    public static LocalKeys Resolve(string stateDir) => new(Of(stateDir, ApiRole.Reader), Of(stateDir, ApiRole.Operator), Of(stateDir, ApiRole.Ingest));

    public string For(ApiRole role) => role switch
    {
        ApiRole.Reader => Reader,
        ApiRole.Operator => Operator,
        ApiRole.Ingest => Ingest,
        _ => "",
    };

    /// <summary>The host's settings for these keys (section Access, as environment variables).</summary>
    public IEnumerable<KeyValuePair<string, string>> Settings() =>
    [
        new($"{ApiAccessOptions.Section}__{nameof(ApiAccessOptions.ReaderKey)}", Reader),
        new($"{ApiAccessOptions.Section}__{nameof(ApiAccessOptions.OperatorKey)}", Operator),
        new($"{ApiAccessOptions.Section}__{nameof(ApiAccessOptions.IngestKey)}", Ingest),
    ];

    /// <summary>The file name (and the lower-case word ./th prints) of a role's key.</summary>
    public static string Name(ApiRole role) => role.ToString().ToLowerInvariant();

    public static string FilePath(string stateDir, ApiRole role) => Path.Combine(stateDir, "keys", Name(role));

    public static string EnvironmentVariable(ApiRole role) => $"TH_{Name(role).ToUpperInvariant()}_KEY";

    private static string Of(string stateDir, ApiRole role)
    {
        if (Environment.GetEnvironmentVariable(EnvironmentVariable(role)) is { Length: > 0 } own) return own;
        if (Environment.GetEnvironmentVariable("TH_API_KEY") is { Length: > 0 } all) return all;
        var path = FilePath(stateDir, role);
        if (!File.Exists(path))
        {
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.WriteAllText(path, Convert.ToHexString(RandomNumberGenerator.GetBytes(24)).ToLowerInvariant());
            if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }
        return File.ReadAllText(path).Trim();
    }
}
