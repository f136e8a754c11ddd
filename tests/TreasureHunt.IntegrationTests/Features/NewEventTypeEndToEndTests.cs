using System.Text;
using TreasureHunt.Core.Features;
using TreasureHunt.IntegrationTests.Reliability;
using TreasureHunt.Testing;
using Xunit.Abstractions;

namespace TreasureHunt.IntegrationTests.Features;

/// <summary>
/// A new event type declared only in a definitions file (Features__DefinitionsPath) flows end to end through the
/// local host: ingest → parser (declared, not unknown_type) → user document → profile totals, the features route
/// (lifetime and a sliding window), the global totals and the leaderboard; an undeclared type is dead-lettered.
/// </summary>
[Collection(EmulatorFixture.CollectionName)]
public sealed class NewEventTypeEndToEndTests(EmulatorFixture fixture, ITestOutputHelper output)
{
    [Fact]
    public async Task A_type_declared_in_a_definitions_file_is_counted_everywhere()
    {
        var definitions = FeatureDefinitionsReader.ReadDefault();
        definitions.EventTypes.Add(new EventTypeDefinition { Name = "wishlist", Weight = 4 });
        definitions.User.Add(new FeatureDefinition { Name = "wishlists", Aggregation = "count", Types = ["wishlist"], Windows = ["lifetime", "minute:60"] });
        var path = Path.Combine(Path.GetTempPath(), $"th-defs-{Guid.NewGuid():N}.json");
        await File.WriteAllTextAsync(path, FeatureDefinitionsReader.Serialize(definitions));
        try
        {
            await using var host = new HostProcess(fixture, output, "newtype", new Dictionary<string, string> { ["Features__DefinitionsPath"] = path });
            await host.StartAsync();

            var now = DateTimeOffset.UtcNow.AddSeconds(-30);
            var lines = new StringBuilder();
            for (var i = 0; i < 3; i++)
            {
                lines.Append($$"""{"eventId":"w-{{i}}","userId":"u-wish","itemId":"item-9","category":"gems","type":"wishlist","value":1,"timestamp":"{{now.AddSeconds(i):O}}"}""").Append('\n');
            }
            lines.Append($$"""{"eventId":"v-1","userId":"u-wish","itemId":"item-9","category":"gems","type":"view","timestamp":"{{now:O}}"}""").Append('\n');
            lines.Append($$"""{"eventId":"x-1","userId":"u-wish","itemId":"item-9","type":"search","timestamp":"{{now:O}}"}""").Append('\n');
            Assert.Equal(5, await host.Client.PostNdjsonAsync(Encoding.UTF8.GetBytes(lines.ToString()), default));
            await host.WaitUntilSettledAsync(5, 4, TimeSpan.FromMinutes(2));

            var (status, profile) = await host.Client.GetAsync("/api/users/u-wish/profile", default);
            Assert.Equal(200, status);
            Assert.Equal(3, profile.GetProperty("totals").GetProperty("wishlist").GetProperty("count").GetInt64());
            Assert.Equal(1, profile.GetProperty("totals").GetProperty("view").GetProperty("count").GetInt64());
            Assert.Equal(12.0 + 1, profile.GetProperty("affinity")[0].GetProperty("score").GetDouble(), 3); // weight 4 × 3 + view 1

            (status, var features) = await host.Client.GetAsync("/api/users/u-wish/features?names=wishlists,events", default);
            Assert.Equal(200, status);
            Assert.Equal(1, features.GetProperty("version").GetInt32());
            Assert.Equal(3, features.GetProperty("features").GetProperty("wishlists").GetInt64());
            Assert.Equal(3, features.GetProperty("features").GetProperty("events").GetProperty("wishlist").GetInt64());
            (status, features) = await host.Client.GetAsync("/api/users/u-wish/features?names=wishlists&window=last30m", default);
            Assert.Equal(200, status);
            Assert.Equal(3, features.GetProperty("features").GetProperty("wishlists").GetInt64());
            (status, _) = await host.Client.GetAsync("/api/users/u-wish/features?names=nope", default);
            Assert.Equal(400, status);
            (status, _) = await host.Client.GetAsync("/api/users/u-wish/features?names=wishlists&window=last90m", default);
            Assert.Equal(400, status);

            var (_, totals) = await host.Client.GetAsync("/api/totals", default);
            Assert.Equal(3, totals.GetProperty("byType").GetProperty("wishlist").GetInt64());
            Assert.Equal(1, totals.GetProperty("deadLettered").GetInt64());

            (status, var board) = await host.Client.GetAsync("/api/leaderboard?type=wishlist&window=all", default);
            Assert.Equal(200, status);
            Assert.Equal("item-9", board.GetProperty("items")[0].GetProperty("itemId").GetString());
            Assert.Equal(3, board.GetProperty("items")[0].GetProperty("count").GetInt64());

            (status, var item) = await host.Client.GetAsync("/api/items/item-9/features?names=events", default);
            Assert.Equal(200, status);
            Assert.Equal(3, item.GetProperty("features").GetProperty("events").GetProperty("wishlist").GetInt64());

            (status, var dead) = await host.Client.GetAsync("/api/deadletters", default);
            Assert.Equal(200, status);
            Assert.Equal("unknown_type", dead.GetProperty("items")[0].GetProperty("reason").GetString());
        }
        finally
        {
            File.Delete(path);
        }
    }
}
