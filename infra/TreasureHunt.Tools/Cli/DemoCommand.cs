using System.ComponentModel;
using System.Text.Json;
using Spectre.Console;
using Spectre.Console.Cli;
using TreasureHunt.Tools.Load;

namespace TreasureHunt.Tools.Cli;

/// <summary>
/// th demo: the README's main command — up, then the two numbers a user must not confuse, each measured in its own
/// phase: <b>throughput</b> (an unthrottled load: events/s the host sustains; its freshness is mostly backlog) and
/// <b>freshness at a sustainable rate</b> (a load offered at half that throughput: enqueue → readable, p50/p95/p99).
/// Then real answers of the query API, and the URLs to try next.
/// </summary>
internal sealed class DemoCommand : AsyncCommand<DemoCommand.Settings>
{
    public sealed class Settings : CommandSettings
    {
        [CommandOption("--events <N>"), Description("Events of the unthrottled throughput phase"), DefaultValue(30_000L)] public long Events { get; init; }
        [CommandOption("--rate <EV_PER_S>"), Description("Offered rate of the freshness phase; default: half the measured throughput")] public double? Rate { get; init; }
        [CommandOption("--rate-seconds <S>"), Description("Length of the freshness phase"), DefaultValue(30)] public int RateSeconds { get; init; }

        public override ValidationResult Validate() =>
            Events < 1 ? ValidationResult.Error($"--events must be >= 1 (got {Events}).")
            : Rate is { } r && !(double.IsFinite(r) && r > 0) ? ValidationResult.Error($"--rate must be > 0 events/s (got {r}).")
            : RateSeconds < 1 ? ValidationResult.Error($"--rate-seconds must be >= 1 (got {RateSeconds}).")
            : ValidationResult.Success();
    }

    /// <summary>The share of the measured throughput the freshness phase is offered at: enough headroom that no backlog builds up.</summary>
    public const double SustainableShare = 0.5;

    public override async Task<int> ExecuteAsync(CommandContext context, Settings s, CancellationToken cancellationToken)
    {
        using var client = await UpCommand.Up(cancellationToken);
        var seed = (int)(DateTime.UtcNow.Ticks % 100_000);

        AnsiConsole.Write(new Rule($"Phase 1 — throughput: {s.Events:N0} events, unthrottled"));
        var (load, _, processedAfter) = await LoadCommand.RunAsync(client, s.Events, null, new LoadProfile(Seed: seed), cancellationToken);
        var throughput = load.Sent / processedAfter.TotalSeconds;

        var rate = Math.Max(1, Math.Round(s.Rate ?? throughput * SustainableShare));
        var rateEvents = Math.Max(1, (long)(rate * s.RateSeconds));
        AnsiConsole.Write(new Rule($"Phase 2 — freshness at a sustainable rate: {rate:N0} events/s offered for {s.RateSeconds} s" +
            (s.Rate is null ? $" ({SustainableShare:P0} of the throughput)" : "")));
        // Every served answer's freshness: probe events beside the load (FreshnessProbe), until each answer shows the last one.
        var probe = new FreshnessProbe(client, $"demo{seed}");
        await probe.StartAsync(cancellationToken);
        var sendingEnded = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var probing = probe.RunAsync(TimeSpan.FromSeconds(Math.Max(0.5, s.RateSeconds / 60.0)), sendingEnded.Task, cancellationToken);
        var (_, paced, _) = await LoadCommand.RunAsync(client, rateEvents, rate, new LoadProfile(Seed: seed + 1), cancellationToken, sendingEnded: sendingEnded);
        var freshness = await probing;

        AnsiConsole.Write(new Rule("Result"));
        AnsiConsole.Write(Table(["what", "measured", "how"], [
            ["throughput", $"{throughput:N0} events/s", $"phase 1: {load.Sent:N0} events sent unthrottled, until all processed"],
            ["freshness p50 / p95 / p99", $"{paced.FreshnessP50Ms:N0} / {paced.FreshnessP95Ms:N0} / {paced.FreshnessP99Ms:N0} ms",
                $"phase 2: at {rate:N0} events/s offered; enqueue → user profile readable"],
            .. FreshnessProbe.Answers.Skip(1).Select(a => new[] { $"{a}: p99 / final within", $"{Ms(freshness.P99Ms[a])} / {Ms(freshness.FinalWithinMs[a])}",
                $"phase 2: {freshness.Probes} probe events, enqueue → readable; final: after the sending ended" }),
        ]));

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
        AnsiConsole.Write(new Rule($"GET /api/totals (late: the {freshness.Probes + 1} freshness probes, timestamped {FreshnessProbe.ProbeAge.TotalHours:0} h back)"));
        AnsiConsole.Write(Table(["events", "duplicates dropped", "dead-lettered", "late"],
            [[totals.GetProperty("events").ToString(), totals.GetProperty("duplicatesDropped").ToString(), totals.GetProperty("deadLettered").ToString(), totals.GetProperty("late").ToString()]]));

        var (_, cost) = await client.GetAsync("/api/finops/cost?groupBy=function", cancellationToken);
        AnsiConsole.Write(new Rule($"GET /api/finops/cost?groupBy=function (last hour; RU {(cost.GetProperty("ruEstimated").GetBoolean() ? "estimated" : "charged")})"));
        AnsiConsole.Write(Table(["function", "invocations", "events", "RU", "USD"], cost.GetProperty("groups").EnumerateArray()
            .Select(g => new[] { g.GetProperty("key").GetString()!, g.GetProperty("invocations").ToString(), g.GetProperty("events").ToString(),
                g.GetProperty("ru").GetDouble().ToString("N0"), g.GetProperty("usd").GetProperty("total").GetDecimal().ToString("F6") })));
        AnsiConsole.MarkupLineInterpolated($"$ per million events: [bold]{Format(cost, "usdPerMillionEvents")}[/]; query $ per hour: [bold]{Format(cost, "queryUsdPerHour")}[/]");
        PrintNextSteps(client.BaseUrl);
        return 0;
    }

    /// <summary>What a user clicks or curls next, against the host that keeps running.</summary>
    private static void PrintNextSteps(string baseUrl)
    {
        AnsiConsole.Write(new Rule("Next"));
        AnsiConsole.MarkupLine("The host keeps running. Reads take the reader key (TH_READER_KEY or the file .th/keys/reader) in the x-functions-key header:");
        string[] lines =
        [
            $"profile      curl -s -H \"x-functions-key: $(cat .th/keys/reader)\" {baseUrl}/api/users/u-0/profile",
            $"leaderboard  curl -s -H \"x-functions-key: $(cat .th/keys/reader)\" \"{baseUrl}/api/leaderboard?type=click&window=hour&top=10\"",
            $"totals       curl -s -H \"x-functions-key: $(cat .th/keys/reader)\" {baseUrl}/api/totals",
            $"cost         curl -s -H \"x-functions-key: $(cat .th/keys/reader)\" \"{baseUrl}/api/finops/cost?groupBy=function\"",
            // Further entry points (e.g. a dashboard URL) go here, one line each.
        ];
        foreach (var line in lines) Console.WriteLine("  " + line); // unwrapped, whatever the terminal width: copy-pasteable
        AnsiConsole.MarkupLine("More traffic: [bold]./th load --rate 500[/]; stop everything: [bold]./th down[/].");
        // Last line of the demo: the live dashboard (it asks once for the reader key, .th/keys/reader; docs/observability.md).
        Console.WriteLine($"Live dashboard: {baseUrl}/dashboard");
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

    private static string Ms(long? ms) => ms is { } v ? $"{v:N0} ms" : "not readable";

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
