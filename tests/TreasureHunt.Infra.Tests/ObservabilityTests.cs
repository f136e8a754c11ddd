using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace TreasureHunt.Infra.Tests;

/// <summary>
/// The Azure side of the telemetry: host.json in OpenTelemetry mode, the workbook deployed on the Application Insights
/// component, and its queries naming only instruments and span attributes that docs/observability.md documents
/// (the documented table is checked against the code's instruments by the Functions tests' MeterListener test).
/// </summary>
public sealed partial class ObservabilityTests
{
    [Fact]
    public void Host_json_sends_telemetry_with_OpenTelemetry()
    {
        var host = JsonNode.Parse(File.ReadAllText(Path.Combine(BicepCli.RepositoryRoot, "host.json")))!;
        Assert.Equal("OpenTelemetry", host["telemetryMode"]?.GetValue<string>());
    }

    [Fact]
    public void A_shared_workbook_is_deployed_on_the_application_insights_component()
    {
        var workbook = Assert.Single(CompiledTemplate.Main.OfType("Microsoft.Insights/workbooks"));
        Assert.Equal("shared", workbook.Node["kind"]?.GetValue<string>());
        Assert.Contains("Microsoft.Insights/components", workbook.Node["properties"]?["sourceId"]?.ToJsonString(), StringComparison.Ordinal);
        Assert.NotNull(workbook.Node["properties"]?["serializedData"]);
    }

    [Fact]
    public void The_workbook_queries_only_documented_metrics_and_span_attributes()
    {
        var workbook = File.ReadAllText(Path.Combine(BicepCli.RepositoryRoot, "bicep", "modules", "workbook.bicep"));
        var documented = File.ReadAllText(Path.Combine(BicepCli.RepositoryRoot, "docs", "observability.md"));
        var names = TelemetryName().Matches(workbook).Select(m => m.Value).Distinct().ToList();
        Assert.Contains("th.events.in", names);
        Assert.Contains("th.cost.usd", names);
        Assert.Contains("th.freshness.max_ms", names);
        Assert.All(names, name => Assert.Contains($"`{name}`", documented, StringComparison.Ordinal));
    }

    [GeneratedRegex(@"\bth\.[a-z_]+(\.[a-z_]+)*")]
    private static partial Regex TelemetryName();
}
