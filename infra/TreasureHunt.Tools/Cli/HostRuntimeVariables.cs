using System.Text.Json;

namespace TreasureHunt.Tools.Cli;

/// <summary>
/// The .NET runtime settings among local.settings.sample.json's values (its <c>DOTNET_*</c> keys, such as
/// <c>DOTNET_GCgen0size</c>). The runtime reads them from the process environment before any code runs, so
/// configuration cannot carry them: a host ./th starts gets them in its environment, as Azure hands a Function App's
/// app settings to its processes. A value already in ./th's environment or in the command's settings wins.
/// </summary>
internal static class HostRuntimeVariables
{
    public const string Prefix = "DOTNET_";

    /// <summary>The <c>DOTNET_*</c> values of the sample that neither <paramref name="environment"/> nor <paramref name="settings"/> set.</summary>
    public static IReadOnlyDictionary<string, string> For(string repoRoot, IReadOnlyDictionary<string, string> settings, Func<string, string?> environment)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        using var sample = JsonDocument.Parse(File.ReadAllText(Path.Combine(repoRoot, "local.settings.sample.json")));
        foreach (var value in sample.RootElement.GetProperty("Values").EnumerateObject())
        {
            if (!value.Name.StartsWith(Prefix, StringComparison.Ordinal)
                || settings.ContainsKey(value.Name)
                || environment(value.Name) is not null
                || value.Value.GetString() is not { Length: > 0 } text)
            {
                continue;
            }
            result[value.Name] = text;
        }
        return result;
    }
}
