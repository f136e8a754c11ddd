using System.Reflection;
using System.Text.Json;

namespace TreasureHunt.Functions.Tests;

/// <summary>
/// Build check: the functions.metadata the Worker SDK generated into the Functions project's output directory holds
/// the bindings the Functions host expects (in particular the hand-written Event Hubs trigger).
/// </summary>
public sealed class FunctionsMetadataTests
{
    private static readonly string OutputDir = typeof(FunctionsMetadataTests).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
        .Single(a => a.Key == "FunctionsOutputDir").Value!;

    private static readonly Lazy<Dictionary<string, JsonElement>> Functions = new(() =>
    {
        var path = Path.Combine(OutputDir, "functions.metadata");
        Assert.True(File.Exists(path), $"{path} is missing: build functions/TreasureHunt.Functions first");
        using var document = JsonDocument.Parse(File.ReadAllText(path));
        return document.RootElement.EnumerateArray().ToDictionary(f => f.GetProperty("name").GetString()!, f => f.Clone());
    });

    private static JsonElement Trigger(string function) =>
        Functions.Value[function].GetProperty("bindings").EnumerateArray().Single(b => b.GetProperty("type").GetString()!.EndsWith("Trigger", StringComparison.Ordinal));

    private static string? Text(JsonElement element, string property) =>
        element.TryGetProperty(property, out var value) ? value.GetString() : null;

    [Fact]
    public void Lists_exactly_the_app_functions() => Assert.Equal(
        ["Aggregate", "CleanErasures", "DeadLetters", "DefinitionsVersions", "EraseUser", "Erasure", "FinOpsCost", "FlushRollups", "GroupFeatures", "Health", "ItemFeatures", "ItemStats", "Leaderboard", "NamedLeaderboard", "OpenApiDocument", "Parked", "Ready", "ReplayParked", "Retention", "Totals", "UserFeatures", "UserProfile", "globaltotals", "itemshard"],
        Functions.Value.Keys.Order(StringComparer.Ordinal));

    [Fact]
    public void Aggregate_is_a_batched_event_hub_trigger_with_a_retry_policy()
    {
        var trigger = Trigger("Aggregate");
        Assert.Equal("eventHubTrigger", Text(trigger, "type"));
        Assert.Equal("Many", Text(trigger, "cardinality"));
        Assert.Equal("%EventHubName%", Text(trigger, "eventHubName"));
        Assert.Equal("EventHubConnection", Text(trigger, "connection"));
        Assert.Equal("%EventHubConsumerGroup%", Text(trigger, "consumerGroup"));
        Assert.Equal("String", Text(trigger, "dataType"));

        var retry = Functions.Value["Aggregate"].GetProperty("retry");
        Assert.Equal("exponentialBackoff", Text(retry, "strategy"));
        Assert.Equal(-1, retry.GetProperty("maxRetryCount").GetInt32()); // without limit: never checkpoint past a failing batch
        Assert.Equal("00:00:01", Text(retry, "minimumInterval"));
        Assert.Equal("00:01:00", Text(retry, "maximumInterval"));
    }

    [Fact]
    public void Retention_runs_hourly()
    {
        var trigger = Trigger("Retention");
        Assert.Equal("timerTrigger", Text(trigger, "type"));
        Assert.Equal("0 17 * * * *", Text(trigger, "schedule"));
    }

    [Theory]
    [InlineData("itemshard")]
    [InlineData("globaltotals")]
    public void Rollup_entities_are_entity_triggers(string function) =>
        Assert.Equal("entityTrigger", Text(Trigger(function), "type"));

    [Fact]
    public void FlushRollups_runs_every_two_seconds()
    {
        var trigger = Trigger("FlushRollups");
        Assert.Equal("timerTrigger", Text(trigger, "type"));
        Assert.Equal("*/2 * * * * *", Text(trigger, "schedule"));
    }

    [Theory]
    [InlineData("UserProfile", "users/{userId}/profile", "Anonymous")]
    [InlineData("ItemStats", "items/{itemId}/stats", "Anonymous")]
    [InlineData("Leaderboard", "leaderboard", "Anonymous")]
    [InlineData("Totals", "totals", "Anonymous")]
    [InlineData("GroupFeatures", "groups/{group}/features", "Anonymous")]
    [InlineData("NamedLeaderboard", "leaderboards/{name}", "Anonymous")]
    [InlineData("DeadLetters", "deadletters", "Anonymous")]
    [InlineData("FinOpsCost", "finops/cost", "Anonymous")]
    [InlineData("Health", "health", "Anonymous")]
    [InlineData("OpenApiDocument", "openapi.json", "Anonymous")]
    [InlineData("Ready", "health/ready", "Anonymous")]
    [InlineData("Parked", "parked", "Anonymous")]
    [InlineData("Erasure", "erasures/{erasureId}", "Anonymous")]
    // Anonymous to the Functions host: the worker checks each route's role (ApiAuthorizationMiddleware, ApiAuthorizationTests).
    public void Http_routes_are_get_with_their_auth_level(string function, string route, string authLevel)
    {
        var trigger = Trigger(function);
        Assert.Equal("httpTrigger", Text(trigger, "type"));
        Assert.Equal(route, Text(trigger, "route"));
        Assert.Equal(authLevel, Text(trigger, "authLevel"));
        Assert.Equal(["get"], trigger.GetProperty("methods").EnumerateArray().Select(m => m.GetString()));
    }

    [Fact]
    public void EraseUser_is_a_delete_of_the_user()
    {
        var trigger = Trigger("EraseUser");
        Assert.Equal(("httpTrigger", "users/{userId}", "Anonymous"), (Text(trigger, "type"), Text(trigger, "route"), Text(trigger, "authLevel")));
        Assert.Equal(["delete"], trigger.GetProperty("methods").EnumerateArray().Select(m => m.GetString()));
    }

    [Theory]
    [InlineData("Aggregate")]
    [InlineData("FlushRollups")]
    [InlineData("ItemStats")]
    [InlineData("Leaderboard")]
    [InlineData("Totals")]
    public void Functions_that_reach_the_entities_bind_a_durable_client(string function) =>
        Assert.Contains(Functions.Value[function].GetProperty("bindings").EnumerateArray(), b => Text(b, "type") == "durableClient");

    [Fact]
    public void Host_json_and_the_settings_template_are_in_the_output()
    {
        using var host = JsonDocument.Parse(File.ReadAllText(Path.Combine(OutputDir, "host.json")));
        var extensions = host.RootElement.GetProperty("extensions");
        Assert.Equal("2.0", Text(host.RootElement, "version"));
        Assert.Equal(1000, extensions.GetProperty("eventHubs").GetProperty("maxEventBatchSize").GetInt32());
        Assert.Equal(200, extensions.GetProperty("eventHubs").GetProperty("minEventBatchSize").GetInt32());
        Assert.Equal(1, extensions.GetProperty("eventHubs").GetProperty("batchCheckpointFrequency").GetInt32());
        Assert.Equal("%TaskHubName%", Text(extensions.GetProperty("durableTask"), "hubName"));
        Assert.Equal("AzureStorage", Text(extensions.GetProperty("durableTask").GetProperty("storageProvider"), "type"));
        Assert.True(File.Exists(Path.Combine(OutputDir, "local.settings.sample.json")));
        Assert.True(File.Exists(Path.Combine(OutputDir, "worker.config.json")));
    }
}
