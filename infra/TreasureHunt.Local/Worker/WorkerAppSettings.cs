using System.Text.Json;

namespace TreasureHunt.Local.Worker;

/// <summary>
/// The worker's app settings as a developer runs it: the <c>Values</c> of local.settings.sample.json (what the worker's
/// Program.cs reads through environment variables, <c>__</c> separating sections), then the given overrides, which
/// point it at the local emulators and at per-run names.
/// </summary>
internal static class WorkerAppSettings
{
    public static Dictionary<string, string> FromSample(string sampleSettingsPath, IReadOnlyDictionary<string, string> overrides)
    {
        ArgumentNullException.ThrowIfNull(overrides);
        if (!File.Exists(sampleSettingsPath))
        {
            throw new FileNotFoundException($"The app settings sample '{sampleSettingsPath}' does not exist.", sampleSettingsPath);
        }
        using var document = JsonDocument.Parse(File.ReadAllText(sampleSettingsPath));
        if (!document.RootElement.TryGetProperty("Values", out var values) || values.ValueKind != JsonValueKind.Object)
        {
            throw new InvalidDataException($"'{sampleSettingsPath}' has no \"Values\" object.");
        }
        var settings = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var value in values.EnumerateObject())
        {
            settings[value.Name] = value.Value.ValueKind == JsonValueKind.String ? value.Value.GetString()! : value.Value.GetRawText();
        }
        foreach (var (name, value) in overrides)
        {
            settings[name] = value;
        }
        return settings;
    }
}
