using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace TreasureHunt.Infra.Tests;

/// <summary>
/// The app settings the code reads are listed in local.settings.sample.json ("Values"); the
/// Function App deployed by bicep/ must carry every one of them under the same name, except the
/// documented local-only keys below (also listed in docs/deploy.md).
/// </summary>
public sealed class AppSettingsContractTests
{
    /// <summary>Keys of local.settings.sample.json that are deliberately not app settings in Azure.</summary>
    public static readonly IReadOnlyDictionary<string, string> LocalOnlyKeys = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        // Azurite connection string. In Azure the host storage connection is identity-based:
        // AzureWebJobsStorage__accountName (+ AzureWebJobsStorage__credential = managedidentity).
        ["AzureWebJobsStorage"] = "AzureWebJobsStorage__accountName",

        // SAS connection string of the Event Hubs emulator. In Azure the trigger connection
        // "EventHubConnection" is identity-based: EventHubConnection__fullyQualifiedNamespace.
        ["EventHubConnection"] = "EventHubConnection__fullyQualifiedNamespace",

        // The Cosmos DB emulator's well-known key. In Azure the account has disableLocalAuth:
        // the app authenticates to Cosmos__Endpoint with its managed identity.
        ["Cosmos__Key"] = "Cosmos__Endpoint",

        // Azurite connection string for the app tables. In Azure: Tables__ServiceUri + identity.
        ["Tables__ConnectionString"] = "Tables__ServiceUri",

        // Flex Consumption sets the worker runtime from functionAppConfig.runtime
        // (dotnet-isolated 10.0) and rejects FUNCTIONS_WORKER_RUNTIME as an app setting.
        ["FUNCTIONS_WORKER_RUNTIME"] = "functionAppConfig.runtime",
    };

    /// <summary>App settings that exist only in Azure (identity-based connections, telemetry).</summary>
    public static readonly IReadOnlySet<string> AzureOnlyKeys = new HashSet<string>(StringComparer.Ordinal)
    {
        "AzureWebJobsStorage__accountName",
        "AzureWebJobsStorage__credential",
        "EventHubConnection__fullyQualifiedNamespace",
        "APPLICATIONINSIGHTS_CONNECTION_STRING",
        "APPLICATIONINSIGHTS_AUTHENTICATION_STRING",
    };

    private static readonly Regex SecretLooking = new(
        @"AccountKey=|SharedAccessKey=|SharedAccessKeyName=|SharedAccessSignature|[?&]sig=|Password=|ClientSecret|" +
        @"listKeys\(|listConnectionStrings\(|listAccountSas\(|listServiceSas\(|list\(|UseDevelopmentStorage|" +
        @"InstrumentationKey=[0-9a-f]{8}-",
        RegexOptions.IgnoreCase | RegexOptions.CultureInvariant | RegexOptions.Compiled);

    private static IReadOnlyList<string> SampleKeys()
    {
        var sample = JsonNode.Parse(File.ReadAllText(Path.Combine(BicepCli.RepositoryRoot, "local.settings.sample.json")));
        var values = sample?["Values"]?.AsObject() ?? throw new InvalidOperationException("local.settings.sample.json has no Values");
        return values.Select(pair => pair.Key).ToList();
    }

    private static JsonObject FunctionApp() =>
        Assert.Single(CompiledTemplate.Main.OfType("Microsoft.Web/sites")).Node;

    private static IReadOnlyList<(string Name, string Value)> BicepAppSettings()
    {
        var settings = FunctionApp()["properties"]?["siteConfig"]?["appSettings"];
        var array = Assert.IsType<JsonArray>(settings);
        return array.OfType<JsonObject>()
            .Select(setting => (
                setting["name"]?.GetValue<string>() ?? string.Empty,
                setting["value"] is JsonValue value && value.TryGetValue<string>(out var text)
                    ? text
                    : setting["value"]?.ToJsonString() ?? string.Empty))
            .ToList();
    }

    [Fact]
    public void App_settings_are_a_literal_list_with_unique_names()
    {
        var names = BicepAppSettings().Select(setting => setting.Name).ToList();

        Assert.NotEmpty(names);
        Assert.DoesNotContain(names, name => string.IsNullOrWhiteSpace(name) || name.StartsWith('['));
        Assert.Equal(names.Count, names.Distinct(StringComparer.OrdinalIgnoreCase).Count());
    }

    [Fact]
    public void Every_sample_key_is_a_bicep_app_setting_or_documented_local_only()
    {
        var bicep = BicepAppSettings().Select(setting => setting.Name).ToHashSet(StringComparer.Ordinal);

        var missing = SampleKeys().Where(key => !bicep.Contains(key) && !LocalOnlyKeys.ContainsKey(key)).ToList();

        Assert.True(missing.Count == 0,
            "local.settings.sample.json keys missing from the Function App settings in bicep/modules/functionapp.bicep: "
            + string.Join(", ", missing));
    }

    [Fact]
    public void Local_only_keys_are_not_deployed_and_their_azure_replacements_are()
    {
        var bicep = BicepAppSettings().Select(setting => setting.Name).ToHashSet(StringComparer.Ordinal);

        foreach (var (localKey, replacement) in LocalOnlyKeys)
        {
            Assert.False(bicep.Contains(localKey), $"{localKey} is local-only and must not be an app setting in Azure");
            if (!replacement.Contains('.', StringComparison.Ordinal))
            {
                Assert.True(bicep.Contains(replacement), $"{replacement} (the Azure replacement of {localKey}) is missing");
            }
        }
    }

    [Fact]
    public void Every_bicep_app_setting_is_in_the_sample_or_a_known_azure_only_key()
    {
        var sample = SampleKeys().ToHashSet(StringComparer.Ordinal);

        var unknown = BicepAppSettings()
            .Select(setting => setting.Name)
            .Where(name => !sample.Contains(name) && !AzureOnlyKeys.Contains(name))
            .ToList();

        Assert.True(unknown.Count == 0,
            "Bicep app settings that are neither in local.settings.sample.json nor known Azure-only keys (typo?): "
            + string.Join(", ", unknown));
    }

    [Fact]
    public void No_app_setting_value_looks_like_a_secret()
    {
        var secretLooking = BicepAppSettings().Where(setting => SecretLooking.IsMatch(setting.Value)).ToList();

        Assert.True(secretLooking.Count == 0,
            "App settings that look like secrets: " + string.Join(", ", secretLooking.Select(setting => $"{setting.Name}={setting.Value}")));
    }

    [Fact]
    public void Azure_specific_values_are_as_documented()
    {
        var settings = BicepAppSettings().ToDictionary(setting => setting.Name, setting => setting.Value, StringComparer.Ordinal);

        Assert.Equal("false", settings["Cosmos__EstimateRequestUnits"]);
        Assert.Equal("Authorization=AAD", settings["APPLICATIONINSIGHTS_AUTHENTICATION_STRING"]);
        Assert.Equal("managedidentity", settings["AzureWebJobsStorage__credential"]);
    }

    [Fact]
    public void Runtime_settings_are_deployed_with_the_samples_values()
    {
        // DOTNET_* values are read by the .NET runtime from the process environment (the local host gets them the
        // same way, HostRuntimeVariables): Azure must run with what the local bench measured.
        var settings = BicepAppSettings().ToDictionary(setting => setting.Name, setting => setting.Value, StringComparer.Ordinal);
        var sample = JsonNode.Parse(File.ReadAllText(Path.Combine(BicepCli.RepositoryRoot, "local.settings.sample.json")))?["Values"]?.AsObject()
            ?? throw new InvalidOperationException("local.settings.sample.json has no Values");
        var runtime = sample.Where(pair => pair.Key.StartsWith("DOTNET_", StringComparison.Ordinal)).ToList();

        Assert.Contains(runtime, pair => pair.Key == "DOTNET_GCgen0size");
        foreach (var (name, value) in runtime)
        {
            Assert.Equal(value?.GetValue<string>(), settings[name]);
        }
    }

    [Fact]
    public void Flex_consumption_runtime_and_memory_match_the_finops_setting()
    {
        var config = FunctionApp()["properties"]?["functionAppConfig"];
        Assert.Equal("dotnet-isolated", config?["runtime"]?["name"]?.GetValue<string>());
        Assert.Equal("10.0", config?["runtime"]?["version"]?.GetValue<string>());

        // FinOps__InstanceMemoryMb and instanceMemoryMB are the same module parameter ...
        var memory = config?["scaleAndConcurrency"]?["instanceMemoryMB"]?.GetValue<string>();
        var settings = BicepAppSettings().ToDictionary(setting => setting.Name, setting => setting.Value, StringComparer.Ordinal);
        Assert.Equal("[parameters('instanceMemoryMb')]", memory);
        Assert.Equal("[string(parameters('instanceMemoryMb'))]", settings["FinOps__InstanceMemoryMb"]);

        // ... and main.bicep's default equals the sample's value (the FinOps price-table default).
        var sampleMemory = JsonNode.Parse(File.ReadAllText(Path.Combine(BicepCli.RepositoryRoot, "local.settings.sample.json")))
            ?["Values"]?["FinOps__InstanceMemoryMb"]?.GetValue<string>();
        var defaultMemory = CompiledTemplate.Main.Root["parameters"]?["functionInstanceMemoryMb"]?["defaultValue"]?.GetValue<int>();
        Assert.Equal(sampleMemory, defaultMemory?.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }

    [Fact]
    public void Idle_users_expire_after_the_samples_days_on_the_users_container()
    {
        // One parameter feeds the app setting (back-fill containers, the local emulator) and the users container's
        // defaultTtl (Cosmos DB time to live, counted from each document's last write); its default is the sample's.
        var settings = BicepAppSettings().ToDictionary(setting => setting.Name, setting => setting.Value, StringComparer.Ordinal);
        Assert.Equal("[string(parameters('idleUserDays'))]", settings["Retention__IdleUserDays"]);
        var sampleDays = JsonNode.Parse(File.ReadAllText(Path.Combine(BicepCli.RepositoryRoot, "local.settings.sample.json")))
            ?["Values"]?["Retention__IdleUserDays"]?.GetValue<string>();
        var defaultDays = CompiledTemplate.Main.Root["parameters"]?["idleUserDays"]?["defaultValue"]?.GetValue<int>();
        Assert.Equal(sampleDays, defaultDays?.ToString(System.Globalization.CultureInfo.InvariantCulture));

        var cosmos = CompiledTemplate.Main.OfType("Microsoft.Resources/deployments")
            .Select(d => d.Node["properties"]?["template"]?["variables"]?["containers"]?.ToJsonString())
            .Single(containers => containers is not null && containers.Contains("/userId", StringComparison.Ordinal))!;
        Assert.Contains("idleUserDays", cosmos, StringComparison.Ordinal);
        Assert.Contains("86400", cosmos, StringComparison.Ordinal);
    }
}
