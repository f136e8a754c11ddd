using System.Globalization;
using System.Text;
using System.Text.Json;
using TreasureHunt.Core.Aggregation;
using TreasureHunt.IntegrationTests.Reliability;
using TreasureHunt.Testing;
using Xunit.Abstractions;

namespace TreasureHunt.IntegrationTests.Features;

/// <summary>
/// The README's keyed groups example (features/examples/keyed-groups.json: attributes channel and country; groups item,
/// category, itemCountry, channel and global; leaderboards topRevenue, trendingCategories, topBuyers) end to end on the
/// emulators: events are ingested, and every keyed read and leaderboard answers what the brute force over the events gives.
/// </summary>
[Collection(EmulatorFixture.CollectionName)]
public sealed class KeyedGroupsExampleEndToEndTests(EmulatorFixture fixture, ITestOutputHelper output)
{
    private sealed record Sent(string User, string Item, string Category, string Type, double Value, string? Channel, string? Country, DateTimeOffset Time);

    private static List<Sent> Stream(DateTimeOffset now)
    {
        var random = new Random(31);
        string[] channels = ["search", "social", "email / news", "tv"];
        string[] countries = ["DE", "FR", "US"];
        string[] items = ["a-1", "a.2", "b:3", "c@4", "d_5", "e-6", "f-7", "g-8"];
        var sent = new List<Sent>();
        for (var i = 0; i < 700; i++)
        {
            var type = random.Next(3) switch { 0 => "purchase", 1 => "click", _ => "view" };
            var value = type == "purchase" ? Math.Round(5 + (random.NextDouble() * 295), 2) : 1;
            sent.Add(new Sent($"u-{random.Next(30)}", items[random.Next(items.Length)], $"cat-{random.Next(4)}", type, value,
                random.Next(6) == 0 ? null : channels[random.Next(channels.Length)], random.Next(6) == 0 ? null : countries[random.Next(countries.Length)],
                now.AddSeconds(-random.Next(30 * 3600))));
        }
        return sent;
    }

    private static byte[] Ndjson(IEnumerable<Sent> sent) => Encoding.UTF8.GetBytes(string.Join('\n', sent.Select((e, i) => JsonSerializer.Serialize(new Dictionary<string, object?>
    {
        ["eventId"] = $"k-{i}", ["userId"] = e.User, ["itemId"] = e.Item, ["category"] = e.Category, ["type"] = e.Type, ["value"] = e.Value,
        ["timestamp"] = e.Time.ToString("O", CultureInfo.InvariantCulture), ["channel"] = e.Channel, ["country"] = e.Country,
    }.Where(p => p.Value is not null).ToDictionary()))));

    [Fact]
    public async Task The_example_flows_from_ingest_to_the_keyed_reads_and_the_leaderboards()
    {
        var example = Path.Combine(fixture.Emulators.RepoRoot, "features", "examples", "keyed-groups.json");
        await using var host = new HostProcess(fixture, output, "keyed", new Dictionary<string, string>
        {
            ["Features__DefinitionsPath"] = example,
            ["Rollups__ShardCount"] = "4",
            ["Rollups__ItemTailFlushSeconds"] = "1",
        });
        await host.StartAsync();
        var sent = Stream(DateTimeOffset.UtcNow.AddMinutes(-1));
        Assert.Equal(sent.Count, await host.Client.PostNdjsonAsync(Ndjson(sent), default));
        await host.WaitUntilSettledAsync(sent.Count, sent.Count, TimeSpan.FromMinutes(3));
        var purchases = sent.Where(e => e.Type == "purchase").ToList();

        async Task<JsonElement> Features(string route)
        {
            var (status, body) = await host.Client.GetAsync(route, default);
            Assert.True(status == 200, $"{route}: {status} {body}");
            return body.GetProperty("features");
        }

        foreach (var channel in sent.Where(e => e.Channel is not null).Select(e => e.Channel!).Distinct())
        {
            var spend = await Features($"/api/groups/channel/features?channel={Uri.EscapeDataString(channel)}&names=spend");
            Assert.Equal(purchases.Where(e => e.Channel == channel).Sum(e => e.Value), spend.GetProperty("spend").GetDouble(), 6);
        }
        foreach (var (item, country) in sent.Where(e => e.Country is not null).Select(e => (e.Item, e.Country!)).Distinct())
        {
            var f = await Features($"/api/groups/itemCountry/features?itemId={Uri.EscapeDataString(item)}&country={country}&names=purchases");
            Assert.Equal(purchases.Count(e => e.Item == item && e.Country == country), f.GetProperty("purchases").GetInt64());
        }
        foreach (var item in sent.Select(e => e.Item).Distinct())
        {
            var mine = purchases.Where(e => e.Item == item).ToList();
            var f = await Features($"/api/groups/item/features?itemId={Uri.EscapeDataString(item)}&names=revenue,avgPrice,events");
            Assert.Equal(mine.Sum(e => e.Value), f.GetProperty("revenue").GetDouble(), 6);
            Assert.Equal(mine.Average(e => e.Value), f.GetProperty("avgPrice").GetDouble(), 6);
            Assert.Equal(sent.Count(e => e.Item == item && e.Type == "view"), f.GetProperty("events").GetProperty("view").GetInt64());
            // The buyers sketch: distinct users within HyperLogLog's error at this size (linear counting, near exact).
            var buyers = await Features($"/api/groups/item/features?itemId={Uri.EscapeDataString(item)}&names=buyers&window=last7d");
            var distinct = mine.Select(e => e.User).Distinct().Count();
            Assert.InRange(buyers.GetProperty("buyers").GetInt64(), (long)(distinct * 0.9), (long)Math.Ceiling(distinct * 1.1));
        }
        var global = await Features("/api/groups/global/features");
        Assert.Equal(sent.Count(e => e.Type == "purchase"), global.GetProperty("events").GetProperty("purchase").GetInt64());

        // topRevenue, all time: the items by revenue, value descending, ties by key.
        var (boardStatus, board) = await host.Client.GetAsync("/api/leaderboards/topRevenue?window=all&top=5", default);
        Assert.Equal(200, boardStatus);
        var expected = purchases.GroupBy(e => e.Item).Select(g => (Item: g.Key, Revenue: g.Sum(e => e.Value)))
            .OrderByDescending(x => x.Revenue).ThenBy(x => x.Item, StringComparer.Ordinal).Take(5).ToList();
        var entries = board.GetProperty("entries").EnumerateArray().ToList();
        Assert.Equal(expected.Select(x => x.Item), entries.Select(e => e.GetProperty("key").GetProperty("itemId").GetString()));
        for (var i = 0; i < expected.Count; i++) Assert.Equal(expected[i].Revenue, entries[i].GetProperty("value").GetDouble(), 6);

        // trendingCategories, this hour: categories by views in the current hour tile.
        var hour = WindowSize.Hour.StartOf(DateTimeOffset.UtcNow);
        (boardStatus, board) = await host.Client.GetAsync("/api/leaderboards/trendingCategories?window=hour", default);
        Assert.Equal(200, boardStatus);
        var views = sent.Where(e => e.Type == "view" && WindowSize.Hour.StartOf(e.Time) == hour).GroupBy(e => e.Category)
            .Select(g => (Category: g.Key, Views: g.Count())).OrderByDescending(x => x.Views).ThenBy(x => x.Category, StringComparer.Ordinal).ToList();
        Assert.Equal(views.Select(x => x.Category), board.GetProperty("entries").EnumerateArray().Select(e => e.GetProperty("key").GetProperty("category").GetString()));
        Assert.Equal(views.Select(x => (double)x.Views), board.GetProperty("entries").EnumerateArray().Select(e => e.GetProperty("value").GetDouble()));
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(hour).UtcDateTime, board.GetProperty("from").GetDateTime());
    }
}
