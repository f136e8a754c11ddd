using System.Reflection;
using System.Text.Json;
using Microsoft.Playwright;
using TreasureHunt.IntegrationTests.Reliability;
using TreasureHunt.Tools.Load;
using TreasureHunt.Testing;
using Xunit.Abstractions;

namespace TreasureHunt.IntegrationTests.Observability;

/// <summary>
/// The live dashboard (GET /dashboard) in a real browser — Debian's chromium driven by Microsoft.Playwright
/// (Playwright's own browser download is not available here; .ci/run installs the package) — after a real load
/// through a real local host on the emulators: every chart has data, the leaderboard shows what the API returns,
/// a wrong key shows an error, and a screenshot is saved as a test artifact.
/// </summary>
[Collection(EmulatorFixture.CollectionName)]
public sealed class DashboardBrowserTests(EmulatorFixture fixture, ITestOutputHelper output)
{
    public const string ChromiumPath = "/usr/bin/chromium";
    private static readonly string[] Charts = ["chart-rate", "chart-freshness", "chart-cost", "chart-per-event", "chart-deadletters", "chart-lag"];

    [Fact]
    public async Task The_dashboard_shows_a_real_load_and_rejects_a_wrong_key()
    {
        Assert.True(File.Exists(ChromiumPath), $"{ChromiumPath} is missing: apt-get install -y chromium (.ci/run does)");
        await using var host = new HostProcess(fixture, output, "dash");
        await host.StartAsync();

        // A real load, spread over a few sampling intervals (2 s) so the time series have several points.
        var generator = new EventGenerator(new LoadProfile(Users: 500, Items: 50, DuplicateRate: 0.01, BadRate: 0.01, Seed: 21));
        for (var round = 0; round < 6; round++)
        {
            var now = DateTimeOffset.UtcNow;
            await host.Client.PostNdjsonAsync(Ndjson.Join(Enumerable.Range(0, 2000).Select(_ => generator.Next(now).Body)), default);
            await Task.Delay(1000);
        }
        var logged = (await host.Client.GetStatusAsync(default)).Messages;
        await host.WaitUntilSettledAsync(logged, 0, TimeSpan.FromMinutes(3));
        await WaitForLeaderboardAsync(host);

        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ChromiumPath,
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
        });
        var page = await browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = 1400, Height = 1000 } });
        var requests = new List<string>();
        page.Request += (_, r) => requests.Add(r.Url);
        var url = $"http://127.0.0.1:{host.Port}/dashboard";

        // A wrong key: the page says so and shows no data.
        await page.GotoAsync(url);
        await page.FillAsync("#key", "not-the-key");
        await page.ClickAsync("button[type=submit]");
        await page.WaitForSelectorAsync("body[data-state=unauthorized]", new PageWaitForSelectorOptions { Timeout = 15_000 });
        Assert.Contains("rejected", await page.InnerTextAsync("#error"), StringComparison.Ordinal);
        Assert.False(await page.IsVisibleAsync("#board"));

        // The right key: every chart gets data and the leaderboard is the API's.
        await page.FillAsync("#key", host.Keys.Reader);
        await page.ClickAsync("button[type=submit]");
        await page.WaitForSelectorAsync("body[data-state=live]", new PageWaitForSelectorOptions { Timeout = 15_000 });
        foreach (var chart in Charts)
        {
            await page.WaitForFunctionAsync($"() => Number(document.getElementById('{chart}').dataset.points) > 0", null, new PageWaitForFunctionOptions { Timeout = 15_000 });
        }
        await page.WaitForFunctionAsync("() => document.querySelectorAll('#leaderboard tbody tr').length > 0", null, new PageWaitForFunctionOptions { Timeout = 15_000 });
        await page.WaitForTimeoutAsync(2500); // one more poll, so the page and the API below read the same settled state

        var (status, board) = await host.Client.GetAsync("/api/leaderboard?type=click&window=hour&top=10", default);
        Assert.Equal(200, status);
        var expected = board.GetProperty("items").EnumerateArray().Select(i => $"{i.GetProperty("itemId").GetString()}={i.GetProperty("count").GetInt64()}").ToList();
        Assert.NotEmpty(expected);
        var shown = await page.EvalOnSelectorAllAsync<string[]>("#leaderboard tbody tr",
            "rows => rows.map(r => r.dataset.itemId + '=' + r.cells[2].textContent.replace(/[^0-9]/g, ''))");
        Assert.Equal(expected, shown);

        // The key never travels in a URL; nothing is fetched from outside the host.
        Assert.DoesNotContain(requests, r => r.Contains(host.Keys.Reader, StringComparison.Ordinal));
        Assert.All(requests, r => Assert.StartsWith($"http://127.0.0.1:{host.Port}/", r));

        var artifacts = Path.Combine(AppContext.BaseDirectory, "artifacts");
        Directory.CreateDirectory(artifacts);
        var screenshot = Path.Combine(artifacts, "dashboard.png");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = screenshot, FullPage = true });
        output.WriteLine($"screenshot: {screenshot}");
        Assert.True(new FileInfo(screenshot).Length > 10_000);
    }

    /// <summary>The rollups reach the item shards asynchronously: wait until the hour's click leaderboard has items and stops changing.</summary>
    private static async Task WaitForLeaderboardAsync(HostProcess host)
    {
        var previous = "";
        for (var i = 0; i < 120; i++)
        {
            var (status, board) = await host.Client.GetAsync("/api/leaderboard?type=click&window=hour&top=10", default);
            var current = board.GetRawText();
            if (status == 200 && board.GetProperty("items").GetArrayLength() > 0 && current == previous) return;
            previous = current;
            await Task.Delay(1000);
        }
        throw new TimeoutException("the hour's click leaderboard stayed empty");
    }
}
