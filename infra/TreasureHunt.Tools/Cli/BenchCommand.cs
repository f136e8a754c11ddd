using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Spectre.Console;
using Spectre.Console.Cli;
using TreasureHunt.Local.Hosting;
using TreasureHunt.Tools.Load;
using TreasureHunt.Storage;
using TreasureHunt.Storage.Cosmos;

namespace TreasureHunt.Tools.Cli;

/// <summary>
/// th bench: the same generated traffic through two hosts — "preaggregated" (the product) and "perEvent" (one read
/// and one write per event, one signal set per event) — each into its own database and task hub. Phase 1 is
/// unthrottled (sustained events/s and the per-event costs); phase 2 is offered at --rate (freshness percentiles).
/// Both workloads by default, sessions first, then uniform (<see cref="LoadWorkload"/>; --sessions or --uniform runs
/// one), each through both hosts. Each strategy's figures carry the store-write floor of its unthrottled traffic
/// (<see cref="TrafficFloor"/>, at the host's maxEventBatchSize) beside its user, progress and other writes.
/// </summary>
internal sealed class BenchCommand : AsyncCommand<BenchCommand.Settings>
{
    public sealed class Settings : WorkloadSettings
    {
        [CommandOption("--events <N>"), Description("Events of the product's unthrottled phase"), DefaultValue(200_000L)] public long Events { get; init; }
        [CommandOption("--baseline-events <N>"), Description("Events of the per-event baseline's unthrottled phase (2,000: the baseline sends two entity signals per event, which DurableTask on Azurite applies at tens per second here)"), DefaultValue(2_000L)] public long BaselineEvents { get; init; }
        [CommandOption("--rate <EV_PER_S>"), Description("Offered rate of the freshness phase"), DefaultValue(5_000.0)] public double Rate { get; init; }
        [CommandOption("--rate-seconds <S>"), Description("Length of the offered-rate phase"), DefaultValue(20)] public int RateSeconds { get; init; }
        [CommandOption("--out <FILE>"), Description("Also write the results as JSON to this file (with --curve: the curve is set in an existing JSON file, its other fields kept)")] public string? Out { get; init; }
        [CommandOption("--curve"), Description("Run the cost-versus-freshness curve instead: the product at maxEventBatchSize 100 / 500 / 1,000 / 5,000 (docs/BENCHMARKS.md)")] public bool Curve { get; init; }
        [CommandOption("--curve-rate <EV_PER_S>"), Description("Offered rate of the curve's freshness phase, common to all points (default: half the batch-100 point's unthrottled events/s, rounded down to 1-2-5)")] public double? CurveRate { get; init; }
        [CommandOption("--png <FILE>"), Description("With --curve: the chart's PNG file (default docs/bench-curve.png)")] public string? Png { get; init; }
        [CommandOption("--erasures <N>"), Description("Measure erasure under load instead: the product's unthrottled phase twice on fresh hosts (uniform workload), without and with N users erased during it (throughput cost), then a phase offered at --rate with the same share of erasures (apply latency p50/p99/max), and the log's compaction (docs/BENCHMARKS.md)")] public int? Erasures { get; init; }

        [CommandOption("--nexmark"), Description("Run the Nexmark workload instead: --events events (default 200,000) of the Nexmark generator through the product with features/examples/nexmark.json; events/s, events per host CPU-second, the staleness of q5 / q7 / q15 / q17 and checks against a brute force (docs/BENCHMARKS.md, \"Nexmark\")")] public bool Nexmark { get; init; }

        public override ValidationResult Validate() =>
            Nexmark && (Curve || Erasures is not null || Sessions || Uniform) ? ValidationResult.Error("--nexmark runs its own workload: drop --curve, --erasures, --sessions and --uniform.")
            : Events < 1 ? ValidationResult.Error($"--events must be >= 1 (got {Events}).")
            : BaselineEvents < 1 ? ValidationResult.Error($"--baseline-events must be >= 1 (got {BaselineEvents}).")
            : !(double.IsFinite(Rate) && Rate > 0) ? ValidationResult.Error($"--rate must be > 0 events/s (got {Rate}).")
            : RateSeconds < 1 ? ValidationResult.Error($"--rate-seconds must be >= 1 (got {RateSeconds}).")
            : Out is { } o && !Directory.Exists(Path.GetDirectoryName(Path.GetFullPath(o))) ? ValidationResult.Error($"--out: no such directory for {o}.")
            : CurveRate is { } cr && !(double.IsFinite(cr) && cr > 0) ? ValidationResult.Error($"--curve-rate must be > 0 events/s (got {cr}).")
            : Png is not null && !Curve ? ValidationResult.Error("--png needs --curve.")
            : Curve && Uniform ? ValidationResult.Error("--curve runs the sessionized workload only: drop --uniform.")
            : Png is { } png && !Directory.Exists(Path.GetDirectoryName(Path.GetFullPath(png))) ? ValidationResult.Error($"--png: no such directory for {png}.")
            : Erasures is { } n && (n < 1 || n > Events / 2) ? ValidationResult.Error($"--erasures must be from 1 to half of --events ({Events / 2:N0}) (got {n}).")
            : Erasures is not null && (Curve || Sessions) ? ValidationResult.Error("--erasures runs the uniform workload's unthrottled phase only: drop --curve and --sessions.")
            : ValidateWorkload(Rate);

        /// <summary>The workloads to run, in order: sessions then uniform, or the one asked for.</summary>
        public IReadOnlyList<LoadWorkload> Workloads =>
            Uniform ? [LoadWorkload.Uniform] : Sessions ? [LoadWorkload.Sessions] : [LoadWorkload.Sessions, LoadWorkload.Uniform];
    }

    internal sealed record StrategyResult(double EventsPerSecond, double StoreWritesPerEvent, double RuPerEvent, long FreshnessP50Ms, long FreshnessP99Ms,
        double EntitySignalsPerEvent, double UsdPerMillionEvents, long Events, bool RuEstimated,
        IReadOnlyList<EntityFigure> Entities, IReadOnlyList<QueryLatency> Queries,
        double StoreWritesFloorPerEvent, int FloorBatchSize, int Partitions, double UserWritesPerEvent, double ProgressWritesPerBatch, double OtherWritesPerEvent, long TimerProgressWrites,
        double? CosmosRequestsPerEvent = null)
    {
        /// <summary>The same count split by the emulator's request kinds ("&lt;container&gt; &lt;operation&gt;"), highest first.</summary>
        public IReadOnlyList<(string Kind, double PerEvent)> CosmosRequestsPerEventByKind { get; init; } = [];

        /// <summary>The host process' CPU time and GC allocation per event of the offered-rate phase (warm host).</summary>
        public double HostCpuMsPerEvent { get; init; }
        public double HostAllocatedBytesPerEvent { get; init; }

        /// <summary>Freshness per served answer at the offered rate and after it stops (the product only; <see cref="FreshnessProbe"/>).</summary>
        public FreshnessResult? Freshness { get; init; }
    }

    /// <summary>One workload through both strategies.</summary>
    internal sealed record WorkloadResult(LoadWorkload Workload, string Description, StrategyResult Pre, StrategyResult Baseline);

    public override async Task<int> ExecuteAsync(CommandContext context, Settings s, CancellationToken cancellationToken)
    {
        if (s.Curve) return await BenchCurve.RunAsync(s, cancellationToken);
        if (s.Erasures is not null) return await BenchErasures.RunAsync(s, cancellationToken);
        if (s.Nexmark) return await NexmarkBench.RunAsync(s, cancellationToken);
        var root = LocalConfiguration.FindRepoRoot();
        var stack = new LocalStack(root);
        await AnsiConsole.Status().StartAsync("Starting Azurite and the Cosmos emulator…", _ => stack.StartEmulatorsAsync(cancellationToken));
        var stamp = DateTime.UtcNow.ToString("MMddHHmmss", CultureInfo.InvariantCulture);
        var seed = (int)(DateTime.UtcNow.Ticks % 1_000_000); // fresh event ids per run; both strategies get the same events
        var results = new List<WorkloadResult>();
        foreach (var workload in s.Workloads)
        {
            var profile = Profile(s, workload, null, seed);
            AnsiConsole.Write(new Rule($"[bold]{workload.ToString().ToLowerInvariant()}[/] workload"));
            AnsiConsole.MarkupLineInterpolated($"[grey]{profile.DescribeWorkload()}[/]");
            // The bench's hosts listen beside the normal host's port (7071 → 7181, 7182), so TH_PORT moves them too.
            var pre = await RunStrategyAsync(stack, root, "preaggregated", UpCommand.HostPort() + 110, s.Events, s, workload, stamp, seed, cancellationToken);
            var baseline = await RunStrategyAsync(stack, root, "perEvent", UpCommand.HostPort() + 111, s.BaselineEvents, s, workload, stamp, seed, cancellationToken);
            results.Add(new WorkloadResult(workload, profile.DescribeWorkload(), pre, baseline));
        }

        var text = Output(s.Events, Machine(), results).ToJsonString(new JsonSerializerOptions { WriteIndented = true });
        if (s.Out is { } path)
        {
            await File.WriteAllTextAsync(path, text + "\n", cancellationToken);
        }
        foreach (var result in results) AnsiConsole.Write(Table(result, s.Rate));
        AnsiConsole.WriteLine(text);
        return 0;
    }

    /// <summary>
    /// The bench JSON: today's fields at the top level keep their meaning — the uniform workload's (./th plan reads
    /// them) — with "workload" describing it; the sessionized workload's figures, of the same shape, sit beside them
    /// under "sessions". A run of one workload writes only its own.
    /// </summary>
    internal static JsonObject Output(long events, string machine, IReadOnlyList<WorkloadResult> results)
    {
        var output = new JsonObject { ["events"] = events, ["machine"] = machine };
        if (results.FirstOrDefault(r => r.Workload == LoadWorkload.Uniform) is { } uniform)
        {
            output["workload"] = uniform.Description;
            AddFigures(output, uniform);
        }
        if (results.FirstOrDefault(r => r.Workload == LoadWorkload.Sessions) is { } sessions)
        {
            var node = new JsonObject { ["workload"] = sessions.Description, ["events"] = events };
            AddFigures(node, sessions);
            output["sessions"] = node;
        }
        return output;
    }

    /// <summary>The traffic of a phase: unthrottled (<paramref name="pacedRate"/> null: sessions at --nominal-rate) or paced.</summary>
    private static LoadProfile Profile(Settings s, LoadWorkload workload, double? pacedRate, int seed) =>
        new(Seed: seed, Workload: workload, Sessions: s.SessionProfile(pacedRate));

    /// <summary>One workload's console table: both strategies, the ratios, and the floor beside the writes.</summary>
    internal static Table Table(WorkloadResult result, double rate)
    {
        var (pre, baseline) = (result.Pre, result.Baseline);
        var table = new Table().AddColumn("").AddColumn("preaggregated").AddColumn("perEvent").AddColumn("ratio")
            .Title($"{result.Workload.ToString().ToLowerInvariant()} workload").Caption(Markup.Escape(result.Description));
        table.AddRow("events", pre.Events.ToString("N0"), baseline.Events.ToString("N0"), "");
        table.AddRow("events/s (sustained)", pre.EventsPerSecond.ToString("N0"), baseline.EventsPerSecond.ToString("N0"), "");
        table.AddRow("store writes / event", pre.StoreWritesPerEvent.ToString("F4"), baseline.StoreWritesPerEvent.ToString("F4"), $"{Ratio(baseline.StoreWritesPerEvent, pre.StoreWritesPerEvent):F1}×");
        table.AddRow("Cosmos requests / event (emulator's count)", pre.CosmosRequestsPerEvent?.ToString("F4") ?? "-", baseline.CosmosRequestsPerEvent?.ToString("F4") ?? "-", "");
        foreach (var (kind, perEvent) in pre.CosmosRequestsPerEventByKind.Take(6))
        {
            table.AddRow($"  {Markup.Escape(kind)}", perEvent.ToString("F4"), "", "");
        }
        table.AddRow($"  floor: distinct users / batch of {pre.FloorBatchSize:N0} ÷ events ({pre.Partitions} partitions)", pre.StoreWritesFloorPerEvent.ToString("F4"), baseline.StoreWritesFloorPerEvent.ToString("F4"), "");
        table.AddRow("  user writes / event", pre.UserWritesPerEvent.ToString("F4"), baseline.UserWritesPerEvent.ToString("F4"), "");
        table.AddRow("  user writes ÷ floor", Over(pre.UserWritesPerEvent, pre.StoreWritesFloorPerEvent), Over(baseline.UserWritesPerEvent, baseline.StoreWritesFloorPerEvent), "");
        table.AddRow("  progress writes / batch", pre.ProgressWritesPerBatch.ToString("F3"), baseline.ProgressWritesPerBatch.ToString("F3"), "");
        table.AddRow("  progress writes of the flush timer (idle partitions)", pre.TimerProgressWrites.ToString("N0"), baseline.TimerProgressWrites.ToString("N0"), "");
        table.AddRow("  other writes (items, leaderboards) / event", pre.OtherWritesPerEvent.ToString("F4"), baseline.OtherWritesPerEvent.ToString("F4"), "");
        table.AddRow($"RU / event{(pre.RuEstimated ? " (estimated)" : "")}", pre.RuPerEvent.ToString("F3"), baseline.RuPerEvent.ToString("F3"), $"{Ratio(baseline.RuPerEvent, pre.RuPerEvent):F1}×");
        table.AddRow($"freshness p50 / p99 at {rate:N0}/s", $"{pre.FreshnessP50Ms} / {pre.FreshnessP99Ms} ms", $"{baseline.FreshnessP50Ms} / {baseline.FreshnessP99Ms} ms", "");
        if (pre.Freshness is { } f)
        {
            foreach (var answer in FreshnessProbe.Answers)
            {
                table.AddRow($"  {answer}: p99 at {rate:N0}/s / final within, after the stream stops", $"{Ms(FreshnessP99(pre, answer))} / {Ms(f.FinalWithinMs[answer])}", "", "");
            }
        }
        table.AddRow($"host CPU ms / event at {rate:N0}/s", pre.HostCpuMsPerEvent.ToString("F4"), baseline.HostCpuMsPerEvent.ToString("F4"), "");
        table.AddRow($"host allocated bytes / event at {rate:N0}/s", pre.HostAllocatedBytesPerEvent.ToString("N0"), baseline.HostAllocatedBytesPerEvent.ToString("N0"), "");
        table.AddRow("entity signals / event", pre.EntitySignalsPerEvent.ToString("F4"), baseline.EntitySignalsPerEvent.ToString("F4"), "");
        table.AddRow("modeled $ / million events", pre.UsdPerMillionEvents.ToString("F4"), baseline.UsdPerMillionEvents.ToString("F4"), $"{Ratio(baseline.UsdPerMillionEvents, pre.UsdPerMillionEvents):F1}×");
        return table;
    }

    private static string Ms(long? ms) => ms is { } v ? $"{v:N0} ms" : "not readable";

    /// <summary>p99 from enqueue to readable: the profile's over every event (the host's own measure), the others over the probes.</summary>
    private static long? FreshnessP99(StrategyResult r, string answer) =>
        answer == "profile" ? r.FreshnessP99Ms : r.Freshness?.P99Ms.GetValueOrDefault(answer);

    private static string Over(double value, double floor) => floor <= 0 ? "" : $"{value / floor:F3}";

    private static async Task<StrategyResult> RunStrategyAsync(LocalStack stack, string root, string strategy, int port, long events, Settings s, LoadWorkload workload,
        string stamp, int seed, CancellationToken cancellationToken)
    {
        var w = workload == LoadWorkload.Sessions ? "s" : "u";
        AnsiConsole.Write(new Rule($"{strategy}, {workload.ToString().ToLowerInvariant()}"));
        var hostState = Path.Combine(stack.StateDir, "bench", strategy);
        if (Directory.Exists(hostState)) Directory.Delete(hostState, recursive: true);
        var database = $"bench-{strategy}-{w}-{stamp}";
        var storage = new BenchStorage(root, database, $"bench{strategy.ToLowerInvariant()}{w}{stamp}");
        var settings = storage.Settings();
        settings["Local__Strategy"] = strategy;
        // The floor of the unthrottled phase's traffic, at the batch size and partition count this host binds.
        var host = stack.HostOptions(settings);
        var floor = new TrafficFloor(host.Partitions, [host.MaxBatchSize]);
        var (client, _) = await stack.EnsureHostAsync(port, hostState, settings, cancellationToken);
        try
        {
            // Phase 1: unthrottled. The Cosmos emulator counts the HTTP requests it answers (a batch request is one).
            var requestsBefore = await EmulatorRequestsAsync(root, cancellationToken);
            var (_, sustained, elapsed) = await LoadCommand.RunAsync(client, events, null, Profile(s, workload, null, seed), cancellationToken, floor);
            var requestsAfter = await EmulatorRequestsAsync(root, cancellationToken);
            var queries = LoadCommand.LastQueryLatencies;
            // Phase 2: offered at --rate, for freshness (sessions: R = --rate); the product's served answers are probed
            // (FreshnessProbe), and the host's CPU time and allocation are read around it.
            var rateEvents = (long)Math.Min(events, s.Rate * s.RateSeconds);
            var probe = strategy == "preaggregated" ? new FreshnessProbe(client, $"{w}{stamp}") : null;
            if (probe is not null) await probe.StartAsync(cancellationToken);
            var sendingEnded = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var probing = probe?.RunAsync(TimeSpan.FromSeconds(Math.Max(0.5, s.RateSeconds / 60.0)), sendingEnded.Task, cancellationToken);
            var hostBefore = await client.GetStatusAsync(cancellationToken);
            var (_, paced, _) = await LoadCommand.RunAsync(client, rateEvents, s.Rate, Profile(s, workload, s.Rate, seed + 1), cancellationToken, sendingEnded: sendingEnded);
            var hostAfter = await client.GetStatusAsync(cancellationToken);
            var freshness = probing is null ? null : await probing;
            var pacedEvents = Math.Max(paced.Events, 1);
            var n = Math.Max(sustained.Events, 1);
            return new StrategyResult(
                EventsPerSecond: Math.Round(events / elapsed.TotalSeconds, 1),
                StoreWritesPerEvent: Math.Round((double)sustained.StoreWrites / n, 5),
                RuPerEvent: Math.Round(sustained.Ru / n, 4),
                FreshnessP50Ms: paced.FreshnessP50Ms,
                FreshnessP99Ms: paced.FreshnessP99Ms,
                EntitySignalsPerEvent: Math.Round((double)sustained.EntitySignals / n, 5),
                UsdPerMillionEvents: Math.Round((double)(sustained.ProcessingUsd / n * 1_000_000m), 4),
                Events: events,
                RuEstimated: sustained.RuEstimated,
                Entities: sustained.Entities ?? [],
                Queries: queries,
                StoreWritesFloorPerEvent: Math.Round(floor.PerEvent(host.MaxBatchSize), 5),
                FloorBatchSize: host.MaxBatchSize,
                Partitions: host.Partitions,
                UserWritesPerEvent: Math.Round((double)sustained.UserWrites / n, 5),
                ProgressWritesPerBatch: Math.Round((double)sustained.BatchProgressWrites / Math.Max(sustained.Batches, 1), 4),
                OtherWritesPerEvent: Math.Round((double)sustained.OtherWrites / n, 5),
                TimerProgressWrites: sustained.TimerProgressWrites,
                CosmosRequestsPerEvent: requestsBefore is { } b && requestsAfter is { } a ? Math.Round((double)(a.Total - b.Total) / n, 5) : null)
            {
                CosmosRequestsPerEventByKind = requestsBefore is { } kb && requestsAfter is { } ka ? ka.PerEventSince(kb, n) : [],
                HostCpuMsPerEvent = Math.Round((hostAfter.CpuMs - hostBefore.CpuMs) / pacedEvents, 5),
                HostAllocatedBytesPerEvent = Math.Round((double)(hostAfter.AllocatedBytes - hostBefore.AllocatedBytes) / pacedEvents, 0),
                Freshness = freshness,
            };
        }
        finally
        {
            client.Dispose();
            await LocalStack.StopHostAsync(hostState);
            await storage.DropAsync(cancellationToken);
        }
    }

    /// <summary>The HTTP requests the local Cosmos emulator has answered, in all and by kind.</summary>
    internal sealed record EmulatorRequests(long Total, IReadOnlyDictionary<string, long> ByKind)
    {
        /// <summary>Each kind's requests since <paramref name="before"/> ÷ <paramref name="events"/>, highest first (kinds with none left out).</summary>
        public IReadOnlyList<(string Kind, double PerEvent)> PerEventSince(EmulatorRequests before, long events) =>
            [.. ByKind.Select(k => (k.Key, Delta: k.Value - before.ByKind.GetValueOrDefault(k.Key)))
                .Where(k => k.Delta > 0)
                .OrderByDescending(k => k.Delta).ThenBy(k => k.Key, StringComparer.Ordinal)
                .Select(k => (k.Key, Math.Round((double)k.Delta / Math.Max(events, 1), 5)))];
    }

    /// <summary>The HTTP requests the local Cosmos emulator has answered (<c>GET /_th/stats</c>: <c>requests</c>, <c>byKind</c>), or null when it does not say.</summary>
    internal static async Task<EmulatorRequests?> EmulatorRequestsAsync(string root, CancellationToken cancellationToken)
    {
        var configuration = LocalConfiguration.Build(root, new Dictionary<string, string?>());
        var options = new CosmosOptions();
        Microsoft.Extensions.Configuration.ConfigurationBinder.Bind(configuration.GetSection(CosmosOptions.Section), options);
        if (!options.IsLocalEmulator) return null;
        using var handler = new HttpClientHandler { ServerCertificateCustomValidationCallback = (_, _, _, _) => true }; // loopback only (IsLocalEmulator)
        using var http = new HttpClient(handler);
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(new Uri(options.Endpoint), "/_th/stats"));
        request.Headers.Add("x-th-emulator-key", options.Key);
        try
        {
            using var response = await http.SendAsync(request, cancellationToken);
            if (!response.IsSuccessStatusCode) return null;
            using var stats = JsonDocument.Parse(await response.Content.ReadAsStringAsync(cancellationToken));
            if (!stats.RootElement.TryGetProperty("requests", out var requests)) return null;
            var byKind = new Dictionary<string, long>(StringComparer.Ordinal);
            if (stats.RootElement.TryGetProperty("byKind", out var kinds) && kinds.ValueKind == JsonValueKind.Object)
            {
                foreach (var kind in kinds.EnumerateObject())
                {
                    if (kind.Value.ValueKind == JsonValueKind.Number) byKind[kind.Name] = kind.Value.GetInt64();
                }
            }
            return new EmulatorRequests(requests.GetInt64(), byKind);
        }
        catch (HttpRequestException)
        {
            return null;
        }
    }

    /// <summary>Adds a workload's "preaggregated", "perEvent" and "ratios" (the shape of today's top-level fields) to <paramref name="target"/>.</summary>
    private static void AddFigures(JsonObject target, WorkloadResult r)
    {
        target["preaggregated"] = Json(r.Pre);
        target["perEvent"] = Json(r.Baseline);
        target["ratios"] = new JsonObject
        {
            ["storeWrites"] = Ratio(r.Baseline.StoreWritesPerEvent, r.Pre.StoreWritesPerEvent),
            ["ru"] = Ratio(r.Baseline.RuPerEvent, r.Pre.RuPerEvent),
            ["usd"] = Ratio(r.Baseline.UsdPerMillionEvents, r.Pre.UsdPerMillionEvents),
        };
    }

    private static JsonObject Json(StrategyResult r)
    {
        var json = Figures(r);
        json["hostCpuMsPerEvent"] = r.HostCpuMsPerEvent;
        json["hostAllocatedBytesPerEvent"] = r.HostAllocatedBytesPerEvent;
        if (r.Freshness is { } f)
        {
            // p99 from enqueue to readable at --rate per served answer, and how long after the stream stopped each was final.
            json["freshnessP99MsByAnswer"] = ByAnswer(a => FreshnessP99(r, a));
            json["finalWithinMsByAnswer"] = ByAnswer(a => f.FinalWithinMs[a]);
            json["freshnessProbes"] = f.Probes;
        }
        return json;
    }

    private static JsonObject ByAnswer(Func<string, long?> value) =>
        new(FreshnessProbe.Answers.Select(a => KeyValuePair.Create(a, value(a) is { } v ? (JsonNode?)v : null)));

    private static JsonObject Figures(StrategyResult r) => new()
    {
        ["eventsPerSecond"] = r.EventsPerSecond,
        ["storeWritesPerEvent"] = r.StoreWritesPerEvent,
        // HTTP requests the Cosmos emulator answered during the unthrottled phase ÷ its events (a bulk batch request is one).
        ["cosmosRequestsPerEvent"] = r.CosmosRequestsPerEvent,
        ["cosmosRequestsPerEventByKind"] = new JsonObject(r.CosmosRequestsPerEventByKind.Select(k => KeyValuePair.Create(k.Kind, (JsonNode?)k.PerEvent))),
        ["ruPerEvent"] = r.RuPerEvent,
        ["freshnessP50Ms"] = r.FreshnessP50Ms,
        ["freshnessP99Ms"] = r.FreshnessP99Ms,
        ["entitySignalsPerEvent"] = r.EntitySignalsPerEvent,
        ["usdPerMillionEvents"] = r.UsdPerMillionEvents,
        // The floor of the unthrottled phase's own traffic (distinct users per batch ÷ events, at the host's
        // maxEventBatchSize over its partitions) and the store writes split by what they wrote.
        ["storeWritesFloorPerEvent"] = r.StoreWritesFloorPerEvent,
        ["floorBatchSize"] = r.FloorBatchSize,
        ["userWritesPerEvent"] = r.UserWritesPerEvent,
        ["progressWritesPerBatch"] = r.ProgressWritesPerBatch,
        ["timerProgressWrites"] = r.TimerProgressWrites,
        ["otherWritesPerEvent"] = r.OtherWritesPerEvent,
        // The rollup entities (state size, operations per second) and the query latencies of the unthrottled phase.
        ["entities"] = new JsonArray(r.Entities.Select(e => (JsonNode)new JsonObject
        {
            ["entity"] = e.Entity,
            ["instances"] = e.Instances,
            ["maxStateBytes"] = e.MaxStateBytes,
            ["p99StateBytes"] = e.P99StateBytes,
            ["maxOpsPerSecondPerInstance"] = Math.Round(e.MaxOpsPerSecondPerInstance, 2),
            ["operations"] = e.Operations,
        }).ToArray()),
        ["queries"] = new JsonArray(r.Queries.Select(q => (JsonNode)new JsonObject
        {
            ["moment"] = q.Moment,
            ["distinctItems"] = q.DistinctItems,
            ["leaderboardP50Ms"] = Math.Round(q.LeaderboardP50Ms, 2),
            ["leaderboardP99Ms"] = Math.Round(q.LeaderboardP99Ms, 2),
            ["itemStatsP50Ms"] = Math.Round(q.ItemStatsP50Ms, 2),
            ["itemStatsP99Ms"] = Math.Round(q.ItemStatsP99Ms, 2),
        }).ToArray()),
    };

    private static double Ratio(double baseline, double product) => product <= 0 ? 0 : Math.Round(baseline / product, 2);

    internal static string Machine()
    {
        var cpu = File.Exists("/proc/cpuinfo")
            ? File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim()
            : null;
        return $"{Environment.ProcessorCount} cores, {cpu ?? "unknown CPU"}, {Math.Round(GC.GetGCMemoryInfo().TotalAvailableMemoryBytes / 1e9)} GB, " +
               $".NET {Environment.Version}, {System.Runtime.InteropServices.RuntimeInformation.OSDescription}; Azurite 3.37.0 + @vercel/cosmosdb-server 1.0.1 (RU estimated)";
    }
}
