using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Spectre.Console;
using TreasureHunt.Local.Hosting;
using TreasureHunt.Tools.Load;

namespace TreasureHunt.Tools.Cli;

/// <summary>
/// <c>th bench --curve</c>: the cost-versus-freshness curve over maxEventBatchSize 100 / 500 / 1,000 / 5,000, each point an
/// unthrottled phase and a phase at one common offered rate, written as a table, JSON and a PNG.
/// Phases: docs/internals.md#bench-curve.
/// </summary>
internal static class BenchCurve
{
    /// <summary>The curve's maxEventBatchSize points.</summary>
    public static readonly IReadOnlyList<int> BatchSizes = [100, 500, 1_000, 5_000];

    /// <summary>Without --curve-rate, the offered rate of the freshness phase is this share of the unthrottled
    /// events/s of the first point (batch 100, the slowest), rounded down to 1-2-5: a rate the machine sustains at
    /// batch 100 with room for the load generator and the emulators beside it, common to all points.</summary>
    public const double DefaultRateShare = 0.5;

    /// <summary>Lowest default offered rate.</summary>
    public const double MinDefaultRate = 10;

    /// <summary>maxWaitTime = this × the time a partition needs to gather a full batch at the offered rate: slack for
    /// partitions that get less than their even share (Zipf users are hashed to partitions; sessions are bursty).</summary>
    public const double WaitSlack = 1.5;

    /// <summary>Cap of maxWaitTime: the longest the Event Hubs extension allows, 10 minutes (its default is 60 s;
    /// https://learn.microsoft.com/azure/azure-functions/functions-bindings-event-hubs#hostjson-settings).</summary>
    public const int MaxWaitCapMs = 600_000;

    /// <summary>Floor of maxWaitTime (one pump wake-up).</summary>
    public const int MinWaitMs = 100;

    /// <summary>The freshness phase sends at least this many full batches per partition, so that the largest batch size
    /// is measured on full batches, not only on the last (partial) one.</summary>
    public const int BatchesPerPartition = 2;

    /// <summary>The curve's hosts listen at TH_PORT + 112 (7183 by default), beside bench's two.</summary>
    public const int PortOffset = 112;

    /// <summary>
    /// The batching of a point. minEventBatchSize = maxEventBatchSize − 1, the largest Azure accepts (it must be below
    /// the max): the trigger waits for a full batch. maxWaitTime = <see cref="WaitSlack"/> × maxEventBatchSize ÷ (rate ÷
    /// partitions) — the time a partition needs to gather a full batch at the offered rate, with slack — rounded up to
    /// 100 ms and kept within [<see cref="MinWaitMs"/>, <see cref="MaxWaitCapMs"/>].
    /// </summary>
    public static (int MinBatchSize, int MaxWaitMs) Batching(int maxBatchSize, int partitions, double ratePerSecond)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxBatchSize, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(partitions, 1);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(ratePerSecond);
        var fullBatchMs = maxBatchSize / (ratePerSecond / partitions) * 1000;
        var wait = (int)Math.Min(MaxWaitCapMs, Math.Ceiling(WaitSlack * fullBatchMs / 100) * 100);
        return (Math.Max(1, maxBatchSize - 1), Math.Max(MinWaitMs, wait));
    }

    /// <summary>Events of the freshness phase of a point: the offered rate × --rate-seconds, at least <see cref="BatchesPerPartition"/> full batches per partition.</summary>
    public static long FreshnessEvents(int maxBatchSize, int partitions, double ratePerSecond, int rateSeconds) =>
        Math.Max((long)(ratePerSecond * rateSeconds), (long)BatchesPerPartition * partitions * maxBatchSize);

    /// <summary>The default offered rate from the first point's unthrottled events/s: <see cref="DefaultRateShare"/> of
    /// it, rounded down to 1, 2 or 5 × a power of ten, at least <see cref="MinDefaultRate"/>.</summary>
    public static double DefaultRate(double eventsPerSecond)
    {
        var target = eventsPerSecond * DefaultRateShare;
        if (!(target > MinDefaultRate)) return MinDefaultRate;
        var decade = Math.Pow(10, Math.Floor(Math.Log10(target)));
        var step = target / decade;
        return Math.Max(MinDefaultRate, (step >= 5 ? 5 : step >= 2 ? 2 : 1) * decade);
    }

    public static async Task<int> RunAsync(BenchCommand.Settings s, CancellationToken cancellationToken)
    {
        var root = LocalConfiguration.FindRepoRoot();
        var stack = new LocalStack(root);
        var png = Path.GetFullPath(s.Png ?? Path.Combine(root, "docs", "bench-curve.png"));
        await AnsiConsole.Status().StartAsync("Starting Azurite and the Cosmos emulator…", _ => stack.StartEmulatorsAsync(cancellationToken));
        var stamp = DateTime.UtcNow.ToString("MMddHHmmss", CultureInfo.InvariantCulture);
        var seed = (int)(DateTime.UtcNow.Ticks % 1_000_000);
        var points = new List<CurvePoint>();
        var rate = s.CurveRate;
        foreach (var batchSize in BatchSizes)
        {
            var (point, used) = await RunPointAsync(stack, root, batchSize, s, rate, stamp, seed, cancellationToken);
            points.Add(point);
            rate = used;
        }
        var offered = rate!.Value;

        var partitions = stack.HostOptions(new Dictionary<string, string>()).Partitions;
        var rateProfile = Profile(s, seed, offered);
        var curve = new JsonObject
        {
            ["curveOfferedRate"] = offered,
            ["curveOfferedRateChosen"] = s.CurveRate is null ? $"default: {DefaultRateShare:P0} of batch {BatchSizes[0]}'s unthrottled {points[0].EventsPerSecond:N0} events/s, rounded down to 1-2-5" : "--curve-rate",
            ["curveWorkload"] = rateProfile.DescribeWorkload(),
            ["curvePartitions"] = partitions,
            ["curveRule"] = $"minEventBatchSize = maxEventBatchSize - 1 (wait for a full batch); maxWaitTime = {WaitSlack} x maxEventBatchSize / (offered rate / partitions), " +
                            $"rounded up to 100 ms, within {MinWaitMs} ms..{MaxWaitCapMs / 60_000} min; at least {BatchesPerPartition} full batches per partition offered; costs and freshness from the offered-rate phase, events/s from the unthrottled phase (minEventBatchSize 1)",
            ["curve"] = new JsonArray(points.Select(p => (JsonNode)Json(p)).ToArray()),
        };
        var text = await WriteJsonAsync(s.Out, curve, cancellationToken);
        var subtitle = FormattableString.Invariant($"product (preaggregated), sessionized workload, {offered:N0} events/s offered, {partitions} partitions — {Environment.ProcessorCount} cores, local emulators (RU estimated)");
        CurveChart.Save(points, subtitle, png);
        Print(points, offered);
        AnsiConsole.WriteLine(text);
        AnsiConsole.MarkupLineInterpolated($"[green]chart:[/] {png}");
        return 0;
    }

    /// <summary>The sessionized workload with the command's session options; a paced phase's sessions run at its rate.</summary>
    private static LoadProfile Profile(BenchCommand.Settings s, int seed, double? pacedRate) =>
        new(Seed: seed, Workload: LoadWorkload.Sessions, Sessions: s.SessionProfile(pacedRate));

    /// <returns>The point and the offered rate it ran at (<paramref name="rate"/>, else the default from its own unthrottled phase).</returns>
    private static async Task<(CurvePoint Point, double Rate)> RunPointAsync(LocalStack stack, string root, int batchSize, BenchCommand.Settings s, double? rate,
        string stamp, int seed, CancellationToken cancellationToken)
    {
        AnsiConsole.Write(new Rule($"maxEventBatchSize {batchSize:N0}"));
        var hostState = Path.Combine(stack.StateDir, "bench", $"curve-{batchSize}");
        if (Directory.Exists(hostState)) Directory.Delete(hostState, recursive: true);
        var database = $"curve-{batchSize}-{stamp}";
        var storage = new BenchStorage(root, database, $"curve{batchSize}x{stamp}");
        var settings = storage.Settings();
        settings["Local__Strategy"] = "preaggregated";
        settings["Local__MaxBatchSize"] = batchSize.ToString(CultureInfo.InvariantCulture);
        settings["Local__MinBatchSize"] = "1";
        var partitions = stack.HostOptions(settings).Partitions;
        var port = UpCommand.HostPort() + PortOffset;
        try
        {
            // Phase 1: unthrottled, for the sustained events/s at this batch size.
            double eventsPerSecond;
            var (client, _) = await stack.EnsureHostAsync(port, hostState, settings, cancellationToken);
            using (client)
            {
                var (_, _, elapsed) = await LoadCommand.RunAsync(client, s.Events, null, Profile(s, seed, null), cancellationToken);
                eventsPerSecond = Math.Round(s.Events / elapsed.TotalSeconds, 1);
            }
            await LocalStack.StopHostAsync(hostState);
            var offered = rate ?? DefaultRate(eventsPerSecond);
            var (minBatch, maxWaitMs) = Batching(batchSize, partitions, offered);

            // Phase 2: the same database and log, the host restarted with the point's waits, at the common offered rate.
            settings["Local__MinBatchSize"] = minBatch.ToString(CultureInfo.InvariantCulture);
            settings["Local__MaxWaitMs"] = maxWaitMs.ToString(CultureInfo.InvariantCulture);
            AnsiConsole.MarkupLineInterpolated($"[grey]offered {offered:N0} events/s{(rate is null ? " (default: half the unthrottled rate, 1-2-5)" : "")}: minEventBatchSize {minBatch:N0}, maxWaitTime {maxWaitMs:N0} ms[/]");
            var floor = new TrafficFloor(partitions, [batchSize]);
            var events = FreshnessEvents(batchSize, partitions, offered, s.RateSeconds);
            (client, _) = await stack.EnsureHostAsync(port, hostState, settings, cancellationToken);
            using (client)
            {
                var (_, paced, _) = await LoadCommand.RunAsync(client, events, offered, Profile(s, seed + 1, offered), cancellationToken, floor);
                var n = Math.Max(paced.Events, 1);
                return (new CurvePoint(
                    MaxBatchSize: batchSize, MinBatchSize: minBatch, MaxWaitMs: maxWaitMs,
                    UserWritesPerEvent: Math.Round((double)paced.UserWrites / n, 5),
                    UserWritesFloorPerEvent: Math.Round(floor.PerEvent(batchSize), 5),
                    StoreWritesPerEvent: Math.Round((double)paced.StoreWrites / n, 5),
                    RuPerEvent: Math.Round(paced.Ru / n, 4), RuEstimated: paced.RuEstimated,
                    UsdPerMillionEvents: Math.Round((double)(paced.ProcessingUsd / n * 1_000_000m), 4),
                    FreshnessP50Ms: paced.FreshnessP50Ms, FreshnessP99Ms: paced.FreshnessP99Ms,
                    EventsPerSecond: eventsPerSecond, Events: paced.Events,
                    EventsPerBatch: Math.Round((double)paced.Events / Math.Max(paced.Batches, 1), 1)), offered);
            }
        }
        finally
        {
            await LocalStack.StopHostAsync(hostState);
            await storage.DropAsync(cancellationToken);
        }
    }

    /// <summary>
    /// The JSON text: with --out naming an existing JSON object (e.g. the bench's docs/bench-results.json), the curve's
    /// fields are set in it and every other field is kept; otherwise a new object with the machine and the curve.
    /// </summary>
    internal static async Task<string> WriteJsonAsync(string? path, JsonObject curve, CancellationToken cancellationToken)
    {
        var output = path is not null && File.Exists(path) && JsonNode.Parse(await File.ReadAllTextAsync(path, cancellationToken)) is JsonObject existing
            ? existing
            : new JsonObject { ["machine"] = BenchCommand.Machine() };
        foreach (var (key, value) in curve.ToList())
        {
            curve.Remove(key);
            output[key] = value;
        }
        var text = output.ToJsonString(new JsonSerializerOptions { WriteIndented = true });
        if (path is not null) await File.WriteAllTextAsync(path, text + "\n", cancellationToken);
        return text;
    }

    private static JsonObject Json(CurvePoint p) => new()
    {
        ["maxEventBatchSize"] = p.MaxBatchSize,
        ["minEventBatchSize"] = p.MinBatchSize,
        ["maxWaitMs"] = p.MaxWaitMs,
        ["userWritesPerEvent"] = p.UserWritesPerEvent,
        ["userWritesFloorPerEvent"] = p.UserWritesFloorPerEvent,
        ["userWritesAboveFloor"] = Math.Round(p.AboveFloor, 4),
        ["storeWritesPerEvent"] = p.StoreWritesPerEvent,
        ["ruPerEvent"] = p.RuPerEvent,
        ["ruEstimated"] = p.RuEstimated,
        ["usdPerMillionEvents"] = p.UsdPerMillionEvents,
        ["freshnessP50Ms"] = p.FreshnessP50Ms,
        ["freshnessP99Ms"] = p.FreshnessP99Ms,
        ["eventsPerSecond"] = p.EventsPerSecond,
        ["events"] = p.Events,
        ["eventsPerBatch"] = p.EventsPerBatch,
    };

    private static void Print(IReadOnlyList<CurvePoint> points, double rate)
    {
        var table = new Table().AddColumn("maxEventBatchSize").AddColumn(new TableColumn("min / maxWait").RightAligned())
            .AddColumn(new TableColumn("events / batch").RightAligned())
            .AddColumn(new TableColumn("user writes / event").RightAligned()).AddColumn(new TableColumn("floor").RightAligned())
            .AddColumn(new TableColumn("vs floor").RightAligned()).AddColumn(new TableColumn("store writes / event").RightAligned())
            .AddColumn(new TableColumn($"RU / event{(points.Any(p => p.RuEstimated) ? " (est.)" : "")}").RightAligned())
            .AddColumn(new TableColumn("$ / million events").RightAligned())
            .AddColumn(new TableColumn($"freshness p50 / p99 at {rate:N0}/s").RightAligned())
            .AddColumn(new TableColumn("events/s (unthrottled)").RightAligned());
        foreach (var p in points)
        {
            table.AddRow($"{p.MaxBatchSize:N0}", $"{p.MinBatchSize:N0} / {p.MaxWaitMs:N0} ms", $"{p.EventsPerBatch:N0}", $"{p.UserWritesPerEvent:F4}", $"{p.UserWritesFloorPerEvent:F4}",
                $"{p.AboveFloor:+0.0%;-0.0%;0.0%}", $"{p.StoreWritesPerEvent:F4}", $"{p.RuPerEvent:F3}", $"{p.UsdPerMillionEvents:F4}",
                $"{p.FreshnessP50Ms:N0} / {p.FreshnessP99Ms:N0} ms", $"{p.EventsPerSecond:N0}");
        }
        table.Caption("costs and freshness: the offered-rate phase; floor: distinct users per batch ÷ events of that phase's traffic, per partition");
        AnsiConsole.Write(table);
    }
}
