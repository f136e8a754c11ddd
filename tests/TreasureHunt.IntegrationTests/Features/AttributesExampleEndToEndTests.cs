using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Azure.Cosmos;
using TreasureHunt.Core.Aggregation;
using TreasureHunt.Core.Features;
using TreasureHunt.IntegrationTests.Reliability;
using TreasureHunt.Testing;
using Xunit.Abstractions;

namespace TreasureHunt.IntegrationTests.Features;

/// <summary>
/// The README's example definitions (features/examples/attributes.json: attributes brand, device, quantity; features
/// over them with filters, an average and day tiles) end to end on the emulators: events carrying the attributes are
/// ingested, the features route answers lifetime, last7d and day&amp;at= as a brute-force reading of the events says,
/// a back-fill of the same features from the log equals the live documents, and the point-in-time export equals the
/// brute force as of each label's time.
/// </summary>
[Collection(EmulatorFixture.CollectionName)]
public sealed class AttributesExampleEndToEndTests(EmulatorFixture fixture, ITestOutputHelper output)
{
    private sealed record Sent(string User, string Type, double Value, string Brand, string? Device, double Quantity, DateTimeOffset Time);

    private static readonly string[] Brands = ["acme", "globex", "initech"];
    private static readonly string[] Devices = ["app", "web", "tv"];
    private const int Users = 24;

    private static List<Sent> Stream(DateTimeOffset now)
    {
        var random = new Random(23);
        var sent = new List<Sent>();
        for (var i = 0; i < 900; i++)
        {
            var type = random.Next(3) switch { 0 => "purchase", 1 => "click", _ => "view" };
            var value = type == "purchase" ? Math.Round(5 + (random.NextDouble() * 295), 2) : 1;
            // Spread over ten days (whole seconds): some purchases fall outside last7d, every day tile is exercised.
            var time = now.AddSeconds(-random.Next(10 * 86_400));
            sent.Add(new Sent($"u-{random.Next(Users)}", type, value, Brands[random.Next(Brands.Length)],
                random.Next(5) == 0 ? null : Devices[random.Next(Devices.Length)], random.Next(1, 6), time));
        }
        return sent;
    }

    private static byte[] Ndjson(IEnumerable<Sent> sent, int firstId = 0) => Encoding.UTF8.GetBytes(string.Join('\n', sent.Skip(firstId).Select((e, i) => JsonSerializer.Serialize(new Dictionary<string, object?>
    {
        ["eventId"] = $"x-{firstId + i}", ["userId"] = e.User, ["itemId"] = $"item-{i % 17}", ["type"] = e.Type, ["value"] = e.Value,
        ["timestamp"] = e.Time.ToString("O", CultureInfo.InvariantCulture), ["brand"] = e.Brand, ["device"] = e.Device, ["quantity"] = e.Quantity,
    }))));

    private static long Day(DateTimeOffset t) => WindowSize.Day.StartOf(t);

    private static double Spend(IEnumerable<Sent> events, Func<DateTimeOffset, bool> inWindow) =>
        events.Where(e => e.Type == "purchase" && inWindow(e.Time)).Sum(e => e.Value);

    private static string Iso(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    [Fact]
    public async Task The_example_flows_from_ingest_to_the_features_route_back_fill_and_export()
    {
        var example = Path.Combine(fixture.Emulators.RepoRoot, "features", "examples", "attributes.json");
        await using var host = new HostProcess(fixture, output, "example", new Dictionary<string, string>
        {
            ["Features__DefinitionsPath"] = example,
            ["Features__RegistryRefreshSeconds"] = "1",
        });
        await host.StartAsync();
        var now = DateTimeOffset.UtcNow.AddMinutes(-1);
        var sent = Stream(now);
        // Two deliveries: the export as of a time between them sees the first only (its clock is the enqueue time).
        var firstHalf = sent.Take(sent.Count / 2).ToList();
        Assert.Equal(firstHalf.Count, await host.Client.PostNdjsonAsync(Ndjson(firstHalf), default));
        await host.Client.WaitForQuiescenceAsync(TimeSpan.FromMinutes(3), default);
        await Task.Delay(TimeSpan.FromSeconds(1.5));
        var asOf = DateTimeOffset.UtcNow;
        await Task.Delay(TimeSpan.FromSeconds(1.5));
        Assert.Equal(sent.Count - firstHalf.Count, await host.Client.PostNdjsonAsync(Ndjson(sent, firstHalf.Count), default));
        await host.Client.WaitForQuiescenceAsync(TimeSpan.FromMinutes(3), default);

        var today = Day(DateTimeOffset.UtcNow);
        foreach (var user in sent.Select(e => e.User).Distinct().Order(StringComparer.Ordinal))
        {
            var mine = sent.Where(e => e.User == user).ToList();
            var purchases = mine.Where(e => e.Type == "purchase").ToList();
            var (status, lifetime) = await host.Client.GetAsync($"/api/users/{user}/features?names=bigPurchases,avgBasket,devices,brandAffinity", default);
            Assert.Equal(200, status);
            var features = lifetime.GetProperty("features");
            Assert.Equal(purchases.Count(e => e.Value >= 100), features.GetProperty("bigPurchases").GetInt64());
            if (purchases.Count == 0) Assert.Equal(JsonValueKind.Null, features.GetProperty("avgBasket").ValueKind);
            else Assert.Equal(purchases.Average(e => e.Value), features.GetProperty("avgBasket").GetDouble(), 9);
            var devices = features.GetProperty("devices").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetInt64());
            var expectedDevices = mine.Where(e => e.Device is not null).GroupBy(e => e.Device!).ToDictionary(g => g.Key, g => (long)g.Count());
            Assert.Equal(expectedDevices.OrderBy(p => p.Key), devices.Where(p => p.Value != 0).OrderBy(p => p.Key));

            // decayedSum by brand: Σ weight(type) × value × 0.5^((latest − t) / 7 d), decayed to the user's latest event.
            var latest = mine.Max(e => e.Time);
            var weights = new Dictionary<string, double> { ["view"] = 1, ["click"] = 2, ["purchase"] = 10 };
            var scores = mine.GroupBy(e => e.Brand).ToDictionary(g => g.Key, g => g.Sum(e => weights[e.Type] * e.Value * Math.Pow(0.5, (latest - e.Time).TotalSeconds / (7 * 86_400.0))));
            var top = features.GetProperty("brandAffinity")[0];
            var expectedTop = scores.MaxBy(p => p.Value);
            Assert.Equal(expectedTop.Key, top.GetProperty("key").GetString());
            Assert.Equal(expectedTop.Value, top.GetProperty("score").GetDouble(), expectedTop.Value * 1e-9);

            (status, var week) = await host.Client.GetAsync($"/api/users/{user}/features?names=spend7d&window=last7d", default);
            Assert.Equal(200, status);
            Assert.Equal(Spend(mine, t => Day(t) > today - (7 * 86_400)), week.GetProperty("features").GetProperty("spend7d").GetDouble(), 6);
            var someDay = DateTimeOffset.UtcNow.AddDays(-3);
            (status, var day) = await host.Client.GetAsync($"/api/users/{user}/features?names=spend7d&window=day&at={Uri.EscapeDataString(Iso(someDay))}", default);
            Assert.Equal(200, status);
            Assert.Equal(Spend(mine, t => Day(t) == Day(someDay)), day.GetProperty("features").GetProperty("spend7d").GetDouble(), 6);
        }

        // Back-fill the same features as version 2 from the event log: its documents equal the live ones.
        var v2 = FeatureDefinitionsReader.Parse(await File.ReadAllTextAsync(example));
        v2.Version = 2;
        var v2Path = Path.Combine(host.StateDir, "attributes-v2.json");
        await File.WriteAllTextAsync(v2Path, FeatureDefinitionsReader.Serialize(v2));
        var backfill = host.StartCli("backfill.log", "backfill", "--definitions", v2Path, "--batch", "100");
        await backfill.WaitForExitAsync();
        Assert.True(backfill.ExitCode == 0, host.LogTail("backfill.log"));
        var live = await StoredUserDocuments.ReadAsync(fixture.Cosmos.GetContainer(host.Database, "users"));
        var shadow = await StoredUserDocuments.ReadAsync(fixture.Cosmos.GetContainer(host.Database, "users-v2"));
        Assert.Equal(Users, live.Count);
        foreach (var (id, document) in live) Assert.Equal(document.ToJsonString(), shadow[id].ToJsonString());

        // Point-in-time export as of the time between the two deliveries: exactly the first one's events.
        var labels = Path.Combine(host.StateDir, "labels.csv");
        var users = live.Keys.Order(StringComparer.Ordinal).ToList();
        await File.WriteAllTextAsync(labels, "userId,timestamp\n" + string.Join('\n', users.Select(u => $"{u},{Iso(asOf)}")) + "\n");
        var export = host.StartCli("export.log", "export", "--as-of", labels, "--features", "bigPurchases,avgBasket", "--definitions", example);
        await export.WaitForExitAsync();
        Assert.True(export.ExitCode == 0, host.LogTail("export.log"));
        var rows = (await File.ReadAllLinesAsync(Path.ChangeExtension(labels, ".features.csv"))).Select(line => line.Split(',')).ToList();
        var header = rows[0].ToList();
        foreach (var row in rows.Skip(1))
        {
            var before = firstHalf.Where(e => e.User == row[0] && e.Type == "purchase").ToList();
            Assert.Equal(before.Count(e => e.Value >= 100).ToString(CultureInfo.InvariantCulture), row[header.IndexOf("bigPurchases")]);
            var average = row[header.IndexOf("avgBasket")];
            if (before.Count == 0) Assert.Equal("", average);
            else Assert.Equal(before.Average(e => e.Value), double.Parse(average, CultureInfo.InvariantCulture), 9);
        }
        Assert.Equal(users.Count, rows.Count - 1);
    }
}
