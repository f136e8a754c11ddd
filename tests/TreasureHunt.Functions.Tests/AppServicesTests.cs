using System.Reflection;
using System.Text.Json;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using TreasureHunt.Core.Ports;
using TreasureHunt.Functions.FinOps;
using TreasureHunt.Functions.Http;
using TreasureHunt.Functions.Ingest;
using TreasureHunt.Functions.Rollups;
using TreasureHunt.Pipeline.Entities;
using TreasureHunt.Storage;

namespace TreasureHunt.Functions.Tests;

/// <summary>The app's registrations resolve with the settings of local.settings.sample.json, and the docs list every setting.</summary>
public sealed class AppServicesTests
{
    private static readonly string Root = typeof(AppServicesTests).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
        .Single(a => a.Key == "RepositoryRoot").Value!;

    private static Dictionary<string, string> SampleSettings()
    {
        using var sample = JsonDocument.Parse(File.ReadAllText(Path.Combine(Root, "local.settings.sample.json")));
        return sample.RootElement.GetProperty("Values").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString() ?? "");
    }

    [Fact]
    public void Every_host_reads_the_same_consumer_group_by_default_as_the_sample_and_the_bicep_parameter()
    {
        Assert.Equal("aggregator", Pipeline.Processing.ConsumerGroupName.From(new ConfigurationBuilder().Build()).Value);
        Assert.Equal(Pipeline.Processing.ConsumerGroupName.Default, SampleSettings()[Pipeline.Processing.ConsumerGroupName.Setting]);
        var bicep = File.ReadAllText(Path.Combine(Root, "bicep", "main.bicep"));
        Assert.Contains($"param eventHubConsumerGroup string = '{Pipeline.Processing.ConsumerGroupName.Default}'", bicep, StringComparison.Ordinal);
    }

    [Fact]
    public void Every_function_class_and_the_middleware_resolve_from_the_sample_settings()
    {
        // App settings reach the worker as environment variables: "__" separates sections.
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(SampleSettings().Select(kv => KeyValuePair.Create(kv.Key.Replace("__", ":", StringComparison.Ordinal), (string?)kv.Value)))
            .Build();
        var services = new ServiceCollection().AddLogging().AddSingleton<IConfiguration>(configuration);
        services.AddTreasureHuntFunctions(configuration);

        using var provider = services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });

        Assert.IsType<DurableRollupClient>(provider.GetRequiredService<IRollupClient>());
        Assert.NotNull(provider.GetRequiredService<StorageInitializer>());
        Assert.NotNull(ActivatorUtilities.CreateInstance<AggregateFunction>(provider));
        Assert.NotNull(ActivatorUtilities.CreateInstance<FlushRollupsFunction>(provider));
        Assert.NotNull(ActivatorUtilities.CreateInstance<QueryFunctions>(provider));
        Assert.NotNull(ActivatorUtilities.CreateInstance<FinOpsMiddleware>(provider));
        Assert.NotNull(ActivatorUtilities.GetServiceOrCreateInstance<ItemShardEntity>(provider));
        Assert.NotNull(ActivatorUtilities.GetServiceOrCreateInstance<GlobalTotalsEntity>(provider));
        Assert.Equal("aggregator", provider.GetRequiredService<Pipeline.Processing.ConsumerGroupName>().Value);
    }

    [Theory]
    [InlineData("Cosmos__Endpoint", "not-a-url", "Cosmos:Endpoint")]
    [InlineData("Rollups__ShardCount", "0", "Rollups:ShardCount")]
    [InlineData("Aggregation__DuplicateHorizonMinutes", "-1", "Aggregation:DuplicateHorizonMinutes")]
    [InlineData("Features__DefinitionsPath", "/nonexistent/definitions.json", "Features:DefinitionsPath")]
    [InlineData("FinOps__InstanceMemoryMb", "0", "FinOps:InstanceMemoryMb")]
    public void A_bad_app_setting_fails_the_start_up_validation_naming_it(string key, string value, string named)
    {
        var settings = SampleSettings();
        settings[key] = value;
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(settings.Select(kv => KeyValuePair.Create(kv.Key.Replace("__", ":", StringComparison.Ordinal), (string?)kv.Value)))
            .Build();
        var services = new ServiceCollection().AddLogging().AddSingleton<IConfiguration>(configuration);
        services.AddTreasureHuntFunctions(configuration);
        using var provider = services.BuildServiceProvider();

        // What Program.cs runs first thing (ValidateOnStart registrations).
        var error = Assert.Throws<Microsoft.Extensions.Options.OptionsValidationException>(
            () => provider.GetRequiredService<Microsoft.Extensions.Options.IStartupValidator>().Validate());
        Assert.Contains(named, error.Message);
    }

    [Fact]
    public void Docs_describe_every_app_setting_of_the_sample()
    {
        var docs = File.ReadAllText(Path.Combine(Root, "docs", "functions.md"));
        var missing = SampleSettings().Keys.Where(key => !docs.Contains($"`{key}`", StringComparison.Ordinal)).ToList();
        Assert.True(missing.Count == 0, $"docs/functions.md does not describe: {string.Join(", ", missing)}");
    }
}
