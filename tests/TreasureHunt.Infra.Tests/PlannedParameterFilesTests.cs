using System.Text.Json.Nodes;
using TreasureHunt.Capacity;
using TreasureHunt.Core.Costs;

namespace TreasureHunt.Infra.Tests;

/// <summary>
/// What `./th plan --out` writes (infra/TreasureHunt.Capacity/BicepParameterFile) builds against bicep/main.bicep and lints clean under
/// the strict rules, at 1,000 / 10,000 / 50,000 / 150,000 events/s; and the Bicep types refuse impossible combinations.
/// </summary>
public sealed class PlannedParameterFilesTests
{
    public static readonly TheoryData<double, string> Rates = new()
    {
        { 1_000, "Standard" },
        { 10_000, "Premium" },
        { 50_000, "Premium" },
        { 150_000, "Dedicated" },
    };

    [Theory]
    [MemberData(nameof(Rates))]
    public void Planned_parameter_file_builds_and_lints_clean(double eventsPerSecond, string expectedTier)
    {
        var plan = new CapacityModel(MeasuredFigures.Default, new PriceTable()).Plan(new CapacityInputs { EventsPerSecond = eventsPerSecond, Capture = true });
        Assert.Equal(expectedTier, plan.EventHubs.Tier.ToString());

        WithParameterFile(BicepParameterFile.Write(plan, "../main.bicep", "prod", $"./th plan --events-per-second {eventsPerSecond} --capture"), (file, outputFile) =>
        {
            var build = BicepCli.Run("build-params", file, "--outfile", outputFile);
            Assert.True(build.ExitCode == 0, build.ToString());
            Assert.True(build.Diagnostics.Count == 0, "bicep build-params:\n" + string.Join('\n', build.Diagnostics));

            var lint = BicepCli.Run("lint", file);
            Assert.True(lint.ExitCode == 0, lint.ToString());
            Assert.True(lint.Diagnostics.Count == 0, "bicep lint:\n" + string.Join('\n', lint.Diagnostics));

            var parameters = JsonNode.Parse(File.ReadAllText(outputFile))?["parameters"];
            Assert.Equal(expectedTier, parameters?["eventHubsCapacity"]?["value"]?["tier"]?.GetValue<string>());
            Assert.Equal(plan.EventHubs.Partitions, parameters?["eventHubsCapacity"]?["value"]?["partitionCount"]?.GetValue<int>());
            Assert.Equal(plan.Cosmos.Serverless ? "Serverless" : "Autoscale", parameters?["cosmosCapacity"]?["value"]?["mode"]?.GetValue<string>());
            Assert.Equal(plan.Functions.MaximumInstanceCount, parameters?["functionMaximumInstanceCount"]?["value"]?.GetValue<int>());
            Assert.True(parameters?["eventHubCaptureEnabled"]?["value"]?.GetValue<bool>());
        });
    }

    public static readonly TheoryData<string> ImpossibleCombinations =
    [
        "{ tier: 'Standard', partitionCount: 64, throughputUnits: 4, maximumThroughputUnits: 0, retentionHours: 24 }",
        "{ tier: 'Standard', partitionCount: 32, throughputUnits: 41, maximumThroughputUnits: 0, retentionHours: 24 }",
        "{ tier: 'Standard', partitionCount: 32, throughputUnits: 4, maximumThroughputUnits: 0, retentionHours: 720 }",
        "{ tier: 'Premium', partitionCount: 64, processingUnits: 3, retentionHours: 24 }",
        "{ tier: 'Premium', partitionCount: 101, processingUnits: 4, retentionHours: 24 }",
        "{ tier: 'Premium', partitionCount: 64, throughputUnits: 4, retentionHours: 24 }",
        "{ tier: 'Dedicated', partitionCount: 2048, capacityUnits: 1, retentionHours: 24 }",
        "{ tier: 'Basic', partitionCount: 4, throughputUnits: 1, maximumThroughputUnits: 0, retentionHours: 24 }",
    ];

    [Theory]
    [MemberData(nameof(ImpossibleCombinations))]
    public void Impossible_event_hubs_combinations_fail_at_build_params(string eventHubsCapacity)
    {
        WithParameterFile($"using '../main.bicep'\n\nparam environmentName = 'prod'\nparam eventHubsCapacity = {eventHubsCapacity}\n", (file, outputFile) =>
        {
            var build = BicepCli.Run("build-params", file, "--outfile", outputFile);
            Assert.NotEqual(0, build.ExitCode);
            Assert.Contains(build.Diagnostics, d => d.Contains("Error", StringComparison.Ordinal));
        });
    }

    [Theory]
    [InlineData("{ mode: 'Autoscale', usersMaxThroughput: 400, progressMaxThroughput: 1000 }")]
    [InlineData("{ mode: 'Autoscale', usersMaxThroughput: 4000 }")]
    [InlineData("{ mode: 'Serverless', usersMaxThroughput: 4000 }")]
    public void Impossible_cosmos_combinations_fail_at_build_params(string cosmosCapacity)
    {
        WithParameterFile($"using '../main.bicep'\n\nparam environmentName = 'prod'\nparam cosmosCapacity = {cosmosCapacity}\n", (file, outputFile) =>
        {
            var build = BicepCli.Run("build-params", file, "--outfile", outputFile);
            Assert.NotEqual(0, build.ExitCode);
        });
    }

    /// <summary>Bicep wants a relative `using` path and finds bicepconfig.json upward: the file goes in a fresh directory
    /// under bicep/ (deleted afterwards), one per test so parallel tests never share it.</summary>
    private static void WithParameterFile(string content, Action<string, string> check)
    {
        var directory = Directory.CreateDirectory(Path.Combine(BicepCli.BicepDirectory, $".plan-test-{Guid.NewGuid():N}"));
        try
        {
            var file = Path.Combine(directory.FullName, "planned.bicepparam");
            File.WriteAllText(file, content);
            check(file, Path.Combine(directory.FullName, "planned.parameters.json"));
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }
}
