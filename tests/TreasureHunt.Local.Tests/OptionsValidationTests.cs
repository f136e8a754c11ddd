using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using TreasureHunt.Local.Hosting;

namespace TreasureHunt.Local.Tests;

/// <summary>
/// A bad setting of any options class fails the local host at start-up — before anything touches storage — with an
/// OptionsValidationException whose message names the setting as Section:Key. The host is composed exactly as
/// ./th serve composes it (storage, pipeline and local options), from local.settings.sample.json plus one bad value.
/// </summary>
public sealed class OptionsValidationTests : IDisposable
{
    private static readonly string Root = TestRepository.Root;

    private readonly string _stateDir = Directory.CreateTempSubdirectory("th-options-").FullName;

    private Microsoft.AspNetCore.Builder.WebApplication BuildHost(string key, string value) =>
        LocalHost.Build(LocalConfiguration.Build(Root, new Dictionary<string, string?>
        {
            ["Local:StateDir"] = _stateDir,
            ["Access:ReaderKey"] = "test",
            [key] = value,
        }));

    [Theory]
    // ApiAccessOptions: the local host never trusts a principal header
    [InlineData("Access:EasyAuth", "true", "Access:EasyAuth")]
    // ContractOptions
    [InlineData("Contract:MaxEventAgeDays", "0", "Contract:MaxEventAgeDays")]
    // AggregationOptions
    [InlineData("Aggregation:DuplicateHorizonMinutes", "-1", "Aggregation:DuplicateHorizonMinutes")]
    [InlineData("Aggregation:MaxRememberedEventIdsPerUser", "0", "Aggregation:MaxRememberedEventIdsPerUser")]
    // FeaturesOptions: the definitions file must exist and be valid
    [InlineData("Features:DefinitionsPath", "/nonexistent/definitions.json", "Features:DefinitionsPath")]
    // RollupOptions
    [InlineData("Rollups:ShardCount", "0", "Rollups:ShardCount")]
    [InlineData("Rollups:FlushMaxAgeSeconds", "-1", "Rollups:FlushMaxAgeSeconds")]
    // PipelineOptions
    [InlineData("Pipeline:MaxParallelUserWrites", "0", "Pipeline:MaxParallelUserWrites")]
    [InlineData("Pipeline:MaxParallelErasures", "0", "Pipeline:MaxParallelErasures")]
    // FinOpsOptions (and its nested prices)
    [InlineData("FinOps:LedgerFlushIntervalSeconds", "0", "FinOps:LedgerFlushIntervalSeconds")]
    [InlineData("FinOps:Prices:CosmosUsdPerMillionRu", "-1", "FinOps:Prices:CosmosUsdPerMillionRu")]
    // CosmosOptions
    [InlineData("Cosmos:Endpoint", "not-a-url", "Cosmos:Endpoint")]
    [InlineData("Cosmos:Database", "", "Cosmos:Database")]
    [InlineData("Cosmos:WriterCacheSize", "-1", "Cosmos:WriterCacheSize")]
    [InlineData("Cosmos:ItemWriterCacheSize", "1000001", "Cosmos:ItemWriterCacheSize")]
    // TablesOptions
    [InlineData("Tables:ConnectionString", "", "Tables:ConnectionString")]
    // LocalHostOptions
    [InlineData("Local:MaxWaitMs", "-1", "Local:MaxWaitMs")]
    [InlineData("Local:Strategy", "fast", "Local:Strategy")]
    [InlineData("Local:IngestMaxConcurrentRequests", "0", "Local:IngestMaxConcurrentRequests")]
    [InlineData("Local:IngestQueueLimit", "-1", "Local:IngestQueueLimit")]
    [InlineData("Local:LogCompactionIntervalSeconds", "0", "Local:LogCompactionIntervalSeconds")]
    public async Task A_bad_setting_fails_start_up_naming_it(string key, string value, string named)
    {
        await using var host = BuildHost(key, value);

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => LocalHost.StartAsync(host, CancellationToken.None));

        Assert.Contains(named, error.Message);
    }

    [Fact]
    public async Task Worker_mode_without_a_built_worker_fails_start_up_naming_the_directory_setting()
    {
        await using var host = LocalHost.Build(LocalConfiguration.Build(Root, new Dictionary<string, string?>
        {
            ["Local:StateDir"] = _stateDir,
            ["Access:ReaderKey"] = "test",
            ["Local:Worker"] = "true",
            ["Local:WorkerDirectory"] = _stateDir, // a folder without worker.config.json
        }));

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => LocalHost.StartAsync(host, CancellationToken.None));

        Assert.Contains("Local:WorkerDirectory", error.Message);
    }

    [Fact]
    public async Task The_sample_settings_pass()
    {
        await using var host = BuildHost("Local:Port", "7071");

        host.Services.GetRequiredService<IStartupValidator>().Validate();
    }

    public void Dispose() => Directory.Delete(_stateDir, recursive: true);
}
