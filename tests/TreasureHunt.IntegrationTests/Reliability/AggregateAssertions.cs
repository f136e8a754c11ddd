using System.Text.Json;
using Microsoft.Azure.Cosmos;
using TreasureHunt.Core.Aggregation;
using TreasureHunt.Storage;
using TreasureHunt.Storage.Cosmos;
using TreasureHunt.Testing;
using Xunit.Abstractions;

namespace TreasureHunt.IntegrationTests.Reliability;

/// <summary>Compares what a host stored and serves with the <see cref="GroundTruth"/>.</summary>
internal static class AggregateAssertions
{
    private static readonly string[] Types = ["view", "click", "share", "claim", "purchase"];

    public static async Task AssertMatchesAsync(HostProcess host, GroundTruth truth, EmulatorFixture fixture, ITestOutputHelper output, int sampledItems = 150)
    {
        // Every user document, read straight from Cosmos.
        var options = new CosmosOptions { Endpoint = fixture.CosmosEndpoint.ToString(), Key = fixture.CosmosKey, Database = host.Database };
        using var cosmos = CosmosClientFactory.Create(options);
        var documents = new CosmosDocuments<UserDocument>(cosmos.GetContainer(host.Database, options.UsersContainer), CosmosResilience.Create(3), false);
        var stored = (await documents.QueryAsync(new QueryDefinition("SELECT * FROM c"), null, default)).ToDictionary(u => u.UserId);
        Assert.Equal(truth.Users.Count, stored.Count);
        foreach (var (userId, expected) in truth.Users)
        {
            var actual = stored[userId];
            actual.Bind(TreasureHunt.Core.Features.CompiledDefinitions.Default);
            var counts = actual.Feature("events")!.Counts!;
            var values = actual.Feature("value")!.Sums!;
            Assert.True(expected.Counts.SequenceEqual(counts), $"user {userId}: counts {string.Join(",", counts)} != {string.Join(",", expected.Counts)}");
            for (var t = 0; t < 5; t++)
            {
                Assert.True(Math.Abs(expected.Values[t] - values[t]) <= 1e-6 * Math.Max(1, Math.Abs(expected.Values[t])), $"user {userId}: value sum of {Types[t]}");
            }
            Assert.Equal(expected.First, actual.FirstEventTime);
            Assert.Equal(expected.Last, actual.LastEventTime);
        }
        output.WriteLine($"{stored.Count} user documents match the ground truth");

        // Profiles through the API for a sample of users (the heaviest ones first).
        foreach (var userId in truth.Users.OrderByDescending(u => u.Value.Counts.Sum()).Take(25).Select(u => u.Key))
        {
            var (status, profile) = await host.Client.GetAsync($"/api/users/{userId}/profile", default);
            Assert.Equal(200, status);
            for (var t = 0; t < 5; t++)
            {
                Assert.Equal(truth.Users[userId].Counts[t], profile.GetProperty("totals").GetProperty(Types[t]).GetProperty("count").GetInt64());
            }
        }

        // Totals.
        var (_, totals) = await host.Client.GetAsync("/api/totals", default);
        Assert.Equal(truth.Events, totals.GetProperty("events").GetInt64());
        for (var t = 0; t < 5; t++)
        {
            Assert.Equal(truth.ByType[t], totals.GetProperty("byType").GetProperty(Types[t]).GetInt64());
        }

        // Item stats for the busiest items and a deterministic sample of the rest.
        var items = truth.Items.OrderByDescending(i => i.Value.Sum()).ThenBy(i => i.Key, StringComparer.Ordinal).Select(i => i.Key).ToList();
        var sample = items.Take(sampledItems / 2).Concat(items.Where((_, i) => i % Math.Max(1, items.Count / (sampledItems / 2)) == 0)).Distinct().Take(sampledItems);
        foreach (var itemId in sample)
        {
            var (status, stats) = await host.Client.GetAsync($"/api/items/{itemId}/stats", default);
            Assert.True(status == 200, $"item {itemId}: {status} {stats}");
            for (var t = 0; t < 5; t++)
            {
                Assert.Equal(truth.Items[itemId][t], stats.GetProperty("totals").GetProperty(Types[t]).GetInt64());
            }
        }

        // Leaderboards of every hour that has events, for clicks and views.
        foreach (var hour in truth.ItemHours.Keys.Select(k => k.HourStart).Distinct())
        {
            foreach (var type in new[] { 0, 1 })
            {
                var at = DateTimeOffset.FromUnixTimeSeconds(hour).AddMinutes(30).ToString("O");
                var (status, board) = await host.Client.GetAsync($"/api/leaderboard?type={Types[type]}&window=hour&top=20&at={Uri.EscapeDataString(at)}", default);
                Assert.Equal(200, status);
                var actual = board.GetProperty("items").EnumerateArray().Select(i => (i.GetProperty("itemId").GetString()!, i.GetProperty("count").GetInt64())).ToList();
                Assert.Equal(truth.Leaderboard(type, hour, 20), actual);
            }
        }
        output.WriteLine($"totals, {sample.Count()} item stats and the hourly leaderboards match the ground truth");
    }
}
