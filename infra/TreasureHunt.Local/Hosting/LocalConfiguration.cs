using System.Text.Json;
using Microsoft.Extensions.Configuration;

namespace TreasureHunt.Local.Hosting;

/// <summary>
/// Configuration of the local host and CLI, lowest to highest precedence: the app settings of
/// local.settings.sample.json (the same file the Functions app documents; "A__B" keys become "A:B") with the emulator
/// endpoints moved to the ports <c>TH_AZURITE_*_PORT</c> / <c>TH_COSMOS_PORT</c> say where set, host.json's
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
        EmulatorPorts(values, Environment.GetEnvironmentVariable);
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
        values["Local:WorkerDirectory"] = Path.Combine(repoRoot, "functions", "TreasureHunt.Functions", "bin", "Release", "net10.0");
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

    /// <summary>Azurite's well-known development account key (public; the same for every Azurite).</summary>
    private const string AzuriteAccountKey = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

    /// <summary>
    /// The emulators' ports as infra/local/emulators.sh takes them (<c>TH_AZURITE_BLOB_PORT</c>, <c>TH_AZURITE_QUEUE_PORT</c>,
    /// <c>TH_AZURITE_TABLE_PORT</c>, <c>TH_COSMOS_PORT</c>): where set, the sample's development-storage connection strings
    /// and Cosmos endpoint point at them, so ./th up's host talks to the emulators ./th up started. Explicit settings
    /// (environment variables such as <c>AzureWebJobsStorage</c>) still win.
    /// </summary>
    internal static void EmulatorPorts(IDictionary<string, string?> values, Func<string, string?> environment)
    {
        string? Port(string name) => environment(name) is { Length: > 0 } port && int.TryParse(port, System.Globalization.CultureInfo.InvariantCulture, out _) ? port : null;
        var (blob, queue, table) = (Port("TH_AZURITE_BLOB_PORT"), Port("TH_AZURITE_QUEUE_PORT"), Port("TH_AZURITE_TABLE_PORT"));
        if (blob is not null || queue is not null || table is not null)
        {
            var storage = "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;" + $"AccountKey={AzuriteAccountKey};" +
                $"BlobEndpoint=http://127.0.0.1:{blob ?? "10000"}/devstoreaccount1;QueueEndpoint=http://127.0.0.1:{queue ?? "10001"}/devstoreaccount1;" +
                $"TableEndpoint=http://127.0.0.1:{table ?? "10002"}/devstoreaccount1;";
            foreach (var key in new[] { "AzureWebJobsStorage", "Tables:ConnectionString" })
            {
                if (values.TryGetValue(key, out var value) && value == "UseDevelopmentStorage=true")
                {
                    values[key] = storage;
                }
            }
        }
        if (Port("TH_COSMOS_PORT") is { } cosmos)
        {
            values["Cosmos:Endpoint"] = $"https://127.0.0.1:{cosmos}/";
        }
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
