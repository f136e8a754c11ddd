using System.ComponentModel;
using System.Text.Json;
using Spectre.Console;
using Spectre.Console.Cli;
using TreasureHunt.Local.Load;

namespace TreasureHunt.Local.Cli;

/// <summary>th demo: the README's main command — up, a load, then real answers of the query API.</summary>
internal sealed class DemoCommand : AsyncCommand<DemoCommand.Settings>
{
    public sealed class Settings : CommandSettings
    {
        [CommandOption("--events <N>"), DefaultValue(100_000L)] public long Events { get; init; }
    }

    public override async Task<int> ExecuteAsync(CommandContext context, Settings s, CancellationToken cancellationToken)
    {
        using var client = await UpCommand.Up(cancellationToken);
        var seed = (int)(DateTime.UtcNow.Ticks % 100_000);
        await LoadCommand.RunAsync(client, s.Events, null, new LoadProfile(Seed: seed), cancellationToken);
        await AnsiConsole.Status().StartAsync("Waiting for the rollups to reach the entities…", _ => WaitForRollupsAsync(client, cancellationToken));

        var (_, profile) = await client.GetAsync($"/api/users/u-0/profile", cancellationToken);
        AnsiConsole.Write(new Rule("GET /api/users/u-0/profile (the most active user)"));
        AnsiConsole.Write(Table(["type", "count", "value"], profile.GetProperty("totals").EnumerateObject()
            .Select(t => new[] { t.Name, t.Value.GetProperty("count").ToString(), t.Value.GetProperty("value").GetDouble().ToString("F2") })));
        AnsiConsole.Write(Table(["category", "affinity"], profile.GetProperty("affinity").EnumerateArray().Take(5)
            .Select(a => new[] { a.GetProperty("category").GetString()!, a.GetProperty("score").GetDouble().ToString("F2") })));

        var (_, leaders) = await client.GetAsync("/api/leaderboard?type=click&window=hour&top=5", cancellationToken);
        AnsiConsole.Write(new Rule($"GET /api/leaderboard?type=click&window=hour (hour starting {leaders.GetProperty("start")})"));
        AnsiConsole.Write(Table(["itemId", "clicks"], leaders.GetProperty("items").EnumerateArray()
            .Select(i => new[] { i.GetProperty("itemId").GetString()!, i.GetProperty("count").ToString() })));

        var (_, totals) = await client.GetAsync("/api/totals", cancellationToken);
        AnsiConsole.Write(new Rule("GET /api/totals"));
        AnsiConsole.Write(Table(["events", "duplicates dropped", "dead-lettered", "late"],
            [[totals.GetProperty("events").ToString(), totals.GetProperty("duplicatesDropped").ToString(), totals.GetProperty("deadLettered").ToString(), totals.GetProperty("late").ToString()]]));

        var (_, cost) = await client.GetAsync("/api/finops/cost?groupBy=function", cancellationToken);
        AnsiConsole.Write(new Rule($"GET /api/finops/cost?groupBy=function (last hour; RU {(cost.GetProperty("ruEstimated").GetBoolean() ? "estimated" : "charged")})"));
        AnsiConsole.Write(Table(["function", "invocations", "events", "RU", "USD"], cost.GetProperty("groups").EnumerateArray()
            .Select(g => new[] { g.GetProperty("key").GetString()!, g.GetProperty("invocations").ToString(), g.GetProperty("events").ToString(),
                g.GetProperty("ru").GetDouble().ToString("N0"), g.GetProperty("usd").GetProperty("total").GetDecimal().ToString("F6") })));
        AnsiConsole.MarkupLineInterpolated($"$ per million events: [bold]{Format(cost, "usdPerMillionEvents")}[/]; query $ per hour: [bold]{Format(cost, "queryUsdPerHour")}[/]");
        AnsiConsole.MarkupLine("The host keeps running: query it with curl (see README), ./th load for more traffic, ./th down to stop.");
        AnsiConsole.MarkupLineInterpolated($"Live dashboard: [bold link]{client.BaseUrl}/dashboard[/] (asks once for the function key: .th/api-key)");
        return 0;
    }

    private static async Task WaitForRollupsAsync(HostClient client, CancellationToken cancellationToken)
    {
        await client.WaitForQuiescenceAsync(TimeSpan.FromMinutes(2), cancellationToken);
        long previous = -1;
        for (var i = 0; i < 60; i++)
        {
            var (_, totals) = await client.GetAsync("/api/totals", cancellationToken);
            var now = totals.GetProperty("events").GetInt64() + totals.GetProperty("duplicatesDropped").GetInt64() + totals.GetProperty("deadLettered").GetInt64();
            if (now == previous && now > 0) return;
            previous = now;
            await Task.Delay(1000, cancellationToken);
        }
    }

    private static string Format(JsonElement e, string name) =>
        e.GetProperty(name).ValueKind == JsonValueKind.Number ? $"${e.GetProperty(name).GetDecimal():F4}" : "n/a";

    private static Table Table(string[] columns, IEnumerable<string[]> rows)
    {
        var table = new Table();
        foreach (var c in columns) table.AddColumn(c);
        foreach (var r in rows) table.AddRow(r.Select(Markup.Escape).ToArray());
        return table;
    }
}
