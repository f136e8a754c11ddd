using System.Text.Json;
using Microsoft.Extensions.Configuration;

namespace TreasureHunt.Local.Hosting;

/// <summary>
/// Configuration of the local host and CLI, lowest to highest precedence: the app settings of
/// local.settings.sample.json (the same file the Functions app documents; "A__B" keys become "A:B"), host.json's
/// Event Hubs batching (maxEventBatchSize, minEventBatchSize, maxWaitTime → Local:*), environment variables, then
/// the command's own overrides.
/// </summary>
internal static class LocalConfiguration
{
    public static IConfiguration Build(string repoRoot, IReadOnlyDictionary<string, string?> overrides)
    {
        var values = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        var settingsPath = Path.Combine(repoRoot, "local.settings.sample.json");
        using (var settings = JsonDocument.Parse(File.ReadAllText(settingsPath)))
        {
            foreach (var property in settings.RootElement.GetProperty("Values").EnumerateObject())
            {
                values[property.Name.Replace("__", ":", StringComparison.Ordinal)] = property.Value.GetString();
            }
        }
        var hostJson = Path.Combine(repoRoot, "host.json");
        if (File.Exists(hostJson))
        {
            using var host = JsonDocument.Parse(File.ReadAllText(hostJson), new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip });
            if (host.RootElement.TryGetProperty("extensions", out var ext) && ext.TryGetProperty("eventHubs", out var eh))
            {
                if (eh.TryGetProperty("maxEventBatchSize", out var max)) values["Local:MaxBatchSize"] = max.GetInt32().ToString(System.Globalization.CultureInfo.InvariantCulture);
                if (eh.TryGetProperty("minEventBatchSize", out var min)) values["Local:MinBatchSize"] = min.GetInt32().ToString(System.Globalization.CultureInfo.InvariantCulture);
                if (eh.TryGetProperty("maxWaitTime", out var wait) && TimeSpan.TryParse(wait.GetString(), System.Globalization.CultureInfo.InvariantCulture, out var span))
                {
                    values["Local:MaxWaitMs"] = ((int)span.TotalMilliseconds).ToString(System.Globalization.CultureInfo.InvariantCulture);
                }
            }
        }
        values["Local:StateDir"] = Path.Combine(repoRoot, ".th");
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(values)
            .AddEnvironmentVariables()
            .AddInMemoryCollection(overrides)
            .Build();
        // A relative Features__DefinitionsPath is relative to where ./th was run, whichever process reads it.
        if (configuration["Features:DefinitionsPath"] is { Length: > 0 } definitions && !Path.IsPathRooted(definitions))
        {
            configuration["Features:DefinitionsPath"] = Path.GetFullPath(definitions);
        }
        return configuration;
    }

    /// <summary>The repository root: TH_REPO_ROOT, else the nearest folder above the program holding TreasureHunt.sln.</summary>
    public static string FindRepoRoot()
    {
        if (Environment.GetEnvironmentVariable("TH_REPO_ROOT") is { Length: > 0 } fromEnv) return fromEnv;
        foreach (var start in new[] { AppContext.BaseDirectory, Directory.GetCurrentDirectory() })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "TreasureHunt.sln"))) return dir.FullName;
            }
        }
        throw new InvalidOperationException("Cannot find the repository root (TreasureHunt.sln); set TH_REPO_ROOT.");
    }
}
