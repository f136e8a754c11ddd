using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using TreasureHunt.Core.Aggregation;
using TreasureHunt.Core.Events;
using TreasureHunt.Core.Features;
using TreasureHunt.Core.Rollups;
using TreasureHunt.Functions.Tests.Fakes;
using TreasureHunt.Pipeline.Rollups;

namespace TreasureHunt.Functions.Tests;

/// <summary>The start-up check that keeps an item document (one item-stats read) within 8 KB.</summary>
public sealed class ItemDocumentBoundValidatorTests
{
    private static CompiledDefinitions WithTypes(int typeCount)
    {
        var definitions = FeatureDefinitionsReader.ReadDefault();
        for (var t = definitions.EventTypes.Count; t < typeCount; t++)
        {
            definitions.EventTypes.Add(new EventTypeDefinition { Name = $"type{t}", Weight = 1 });
        }
        return FeatureDefinitionsReader.Compile(definitions);
    }

    [Fact]
    public void The_default_definitions_and_settings_pass()
    {
        Assert.True(new ItemDocumentBoundValidator(CompiledDefinitions.Default).Validate(null, new RollupOptions()).Succeeded);
        Assert.True(ItemDocument.WorstCaseBytes(CompiledDefinitions.Default.TypeCount, new RollupOptions().ItemHourWindows) <= ItemDocument.MaxBytes);
    }

    [Theory]
    [InlineData(5, 100)]  // too many hour windows
    [InlineData(12, 48)]  // too many types for the default windows
    public void Too_many_hour_windows_times_types_fail_naming_the_setting(int typeCount, int hourWindows)
    {
        var result = new ItemDocumentBoundValidator(WithTypes(typeCount)).Validate(null, new RollupOptions { ItemHourWindows = hourWindows });

        Assert.True(result.Failed);
        Assert.Contains("Rollups:ItemHourWindows", result.FailureMessage, StringComparison.Ordinal);
        Assert.Contains($"{hourWindows} hour windows of {typeCount} event types", result.FailureMessage, StringComparison.Ordinal);
        Assert.True(new ItemDocumentBoundValidator(WithTypes(typeCount)).Validate(null, new RollupOptions { ItemHourWindows = 24 }).Succeeded);
    }

    [Fact]
    public void The_app_refuses_to_start_with_an_item_document_over_the_bound()
    {
        using (var app = new TestApp())
        {
            Assert.Equal(48, app.Services.GetRequiredService<IOptions<RollupOptions>>().Value.ItemHourWindows);
        }

        // Twelve event types with the default item group's hour:48 (which sets Rollups:ItemHourWindows). The app reads
        // the options while it is built, like ValidateOnStart at host start-up.
        var definitions = FeatureDefinitionsReader.ReadDefault();
        for (var t = definitions.EventTypes.Count; t < 12; t++)
        {
            definitions.EventTypes.Add(new EventTypeDefinition { Name = $"type{t}", Weight = 1 });
        }
        var path = Path.Combine(Path.GetTempPath(), $"th-definitions-{Guid.NewGuid():N}.json");
        File.WriteAllText(path, FeatureDefinitionsReader.Serialize(definitions));
        try
        {
            var error = Assert.Throws<OptionsValidationException>(() => new TestApp(new Dictionary<string, string?> { ["Features:DefinitionsPath"] = path }));
            Assert.Contains("Rollups:ItemHourWindows: 48 hour windows of 12 event types", error.Message, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Theory]
    [InlineData(5, 48)]
    [InlineData(10, 48)]
    [InlineData(5, 90)]
    public void The_worst_case_estimate_covers_a_real_worst_case_document(int typeCount, int hourWindows)
    {
        // The largest values the estimate assumes: a 128-character id, 19-digit totals, 10-digit hour counts, and a
        // flush entry of the largest layout for two layouts, serialized as the Cosmos adapter does (System.Text.Json).
        var document = new ItemDocument { Id = new string('i', 128), Totals = Enumerable.Repeat(long.MaxValue, typeCount).ToArray() };
        var newest = new DateTimeOffset(2026, 11, 27, 13, 0, 0, TimeSpan.Zero).ToUnixTimeSeconds();
        for (var h = 0; h < hourWindows; h++)
        {
            document.Hours.Add(new WindowCounts { Start = newest - h * 3600L, Counts = Enumerable.Repeat(9_999_999_999L, typeCount).ToArray() });
        }
        document.NewestHour = newest;
        document.Flushes[ShardRouting.ShardKey(1024, 1023)] = long.MaxValue;
        document.Flushes[ShardRouting.ShardKey(512, 511)] = long.MaxValue;

        var bytes = JsonSerializer.SerializeToUtf8Bytes(document, new JsonSerializerOptions(JsonSerializerDefaults.Web)).Length;
        Assert.InRange(bytes, 1, ItemDocument.WorstCaseBytes(typeCount, hourWindows));
    }

    [Fact]
    public void A_declared_leaderboard_whose_worst_case_document_passes_its_budget_fails_naming_it()
    {
        var definitions = FeatureDefinitionsReader.Compile(FeatureDefinitionsReader.Parse("""
            {"version": 1, "eventTypes": [{"name": "view"}], "attributes": [{"name": "campaign", "type": "string", "maxLength": 256}],
             "groups": [{"name": "byCampaign", "key": ["campaign"], "features": [{"name": "n", "aggregation": "count"}]}],
             "leaderboards": [{"name": "topCampaigns", "group": "byCampaign", "feature": "n", "windows": ["all"], "k": 1000}]}
            """));
        var validator = new ItemDocumentBoundValidator(definitions);

        var result = validator.Validate(null, new RollupOptions { ShardCount = 16 });
        Assert.True(result.Failed);
        Assert.Contains("leaderboard 'topCampaigns' keeps k = 1000 keys per shard", result.FailureMessage, StringComparison.Ordinal);
        Assert.True(validator.Validate(null, new RollupOptions { ShardCount = 1 }).Failed); // 1,000 × 1.6 KB × 2 sections: still over
        Assert.True(new ItemDocumentBoundValidator(FeatureDefinitionsReader.Load(
            Path.Combine(AppContext.BaseDirectory, "..", "..", "..", "..", "..", "features", "examples", "keyed-groups.json"))).Validate(null, new RollupOptions()).Succeeded);
    }
}
