using System.ComponentModel;
using Spectre.Console;
using Spectre.Console.Cli;
using TreasureHunt.Core.Events;
using TreasureHunt.Core.Features;
using TreasureHunt.Local.Hosting;
using TreasureHunt.Tools.Load;

namespace TreasureHunt.Tools.Cli;

internal sealed class LoadCommand : AsyncCommand<LoadCommand.Settings>
{
    public sealed class Settings : WorkloadSettings
    {
        [CommandOption("--events <N>"), Description("Events to send"), DefaultValue(100_000L)] public long Events { get; init; }
        [CommandOption("--rate <EV_PER_S>"), Description("Offered rate; unthrottled when omitted")] public double? Rate { get; init; }
        [CommandOption("--users <U>"), Description("Distinct users (Zipf-distributed)"), DefaultValue(50_000)] public int Users { get; init; }
        [CommandOption("--items <I>"), Description("Distinct items (Zipf-distributed)"), DefaultValue(5_000)] public int Items { get; init; }
        [CommandOption("--dup-rate <R>"), Description("Share of producer duplicates (re-sent event ids), 0..1"), DefaultValue(0.01)] public double DupRate { get; init; }
        [CommandOption("--bad-rate <R>"), Description("Share of bad messages (dead-lettered), 0..1"), DefaultValue(0.001)] public double BadRate { get; init; }
        [CommandOption("--definitions <FILE>"), Description("A feature-definitions document: every event carries a deterministic random value for each attribute it declares (start the host with the same file: Features__DefinitionsPath)")] public string? Definitions { get; init; }
        [CommandOption("--seed <S>"), Description("Generator seed (event ids include it): the same seed re-sends the same events, which the pipeline drops as duplicates within 15 minutes; a new seed per run by default")] public int? Seed { get; init; }

        public override ValidationResult Validate() =>
            Events < 1 ? ValidationResult.Error($"--events must be >= 1 (got {Events}).")
            : Rate is { } r && !(double.IsFinite(r) && r > 0) ? ValidationResult.Error($"--rate must be > 0 events/s (got {r}); omit it for an unthrottled run.")
            : Users < 1 ? ValidationResult.Error($"--users must be >= 1 (got {Users}).")
            : Items < 1 ? ValidationResult.Error($"--items must be >= 1 (got {Items}).")
            : !(DupRate is >= 0 and < 1) ? ValidationResult.Error($"--dup-rate must be in [0, 1) (got {DupRate}).")
            : !(BadRate is >= 0 and < 1) ? ValidationResult.Error($"--bad-rate must be in [0, 1) (got {BadRate}).")
            : DupRate + BadRate >= 1 ? ValidationResult.Error($"--dup-rate + --bad-rate must be < 1 (got {DupRate + BadRate}).")
            : Definitions is not null && !File.Exists(Definitions) ? ValidationResult.Error($"--definitions: no such file: {Definitions}")
            : ValidateWorkload(Rate);
    }

    public override async Task<int> ExecuteAsync(CommandContext context, Settings s, CancellationToken cancellationToken)
    {
        var stack = new LocalStack(LocalConfiguration.FindRepoRoot());
        using var client = await stack.ConnectToRunningHostAsync(cancellationToken);
        if (client is null)
        {
            return 1;
        }
        IReadOnlyList<CompiledAttribute>? attributes = null;
        KeyedQueries? keyed = null;
        if (s.Definitions is { } file)
        {
            try
            {
                var definitions = FeatureDefinitionsReader.Load(file);
                attributes = definitions.Attributes.Attributes;
                keyed = KeyedQueries.From(definitions);
            }
            catch (FeatureDefinitionsException e)
            {
                Console.Error.WriteLine(e.Message);
                return 1;
            }
        }
        // Uniform unless --sessions (./th demo's traffic); a sessionized run's R is --rate when paced, else --nominal-rate.
        var profile = new LoadProfile(s.Users, s.Items, s.DupRate, s.BadRate, s.Seed ?? Random.Shared.Next(1, int.MaxValue),
            Workload: s.Sessions ? LoadWorkload.Sessions : LoadWorkload.Uniform, Sessions: s.SessionProfile(s.Rate), Attributes: attributes, Keyed: keyed);
        if (attributes is { Count: > 0 })
        {
            AnsiConsole.MarkupLineInterpolated($"[grey]attributes: {string.Join(", ", attributes.Select(a => $"{a.Name} ({a.TypeName})"))}[/]");
        }
        AnsiConsole.MarkupLineInterpolated($"[grey]workload: {profile.DescribeWorkload()}[/]");
        // The store-write floor at the batch size of a host started with the repository's configuration (./th up).
        var host = stack.HostOptions(new Dictionary<string, string>());
        var floor = new TrafficFloor(host.Partitions, [host.MaxBatchSize]);
        var (_, metrics, _) = await RunAsync(client, s.Events, s.Rate, profile, cancellationToken, floor);
        PrintFloor(metrics, floor, host.MaxBatchSize);
        return 0;
    }

    /// <summary>Sends the load with a progress bar, waits until it is processed, prints the summary table. When
    /// <paramref name="floor"/> is given, every valid, new event's user is added to it (the run's store-write floor at
    /// the batch sizes it follows; the caller reads it afterwards). <paramref name="sendingEnded"/>, when given, is
    /// completed once the last request is accepted (a freshness probe's cue).</summary>
    public static async Task<(LoadResult Load, MetricsSnapshot Metrics, TimeSpan ProcessedAfter)> RunAsync(HostClient client, long events, double? rate, LoadProfile profile, CancellationToken cancellationToken,
        TrafficFloor? floor = null, TaskCompletionSource? sendingEnded = null)
    {
        await client.ResetMetricsAsync(cancellationToken);
        var started = DateTime.UtcNow;
        LoadResult result = null!;
        var generator = new EventGenerator(profile);
        // Query latency under the load, when the catalog seen is small (≥ 1,000 items, or whatever the run reaches)
        // and again near the end of the sending, then once more idle after everything is processed.
        var probes = new List<Task<QueryLatency>>();
        var probedEarly = false;
        var probedLate = false;
        int itemsAtEarly = 0;
        void Probe(double processed)
        {
            // Early: once the pipeline has processed the events that brought the catalog to 1,000 items (or a tenth of
            // the run); late: once it has processed 90 % of the run — both while it works through the load.
            var early = generator.ThousandItemsAt > 0 ? generator.ThousandItemsAt : events / 10;
            if (!probedEarly && events >= 10_000 && processed >= early)
            {
                probedEarly = true;
                itemsAtEarly = Math.Min(generator.DistinctItems, generator.ThousandItemsAt > 0 ? 1_000 : generator.DistinctItems);
                probes.Add(QueryProbe.MeasureAsync(client, "under load, early", itemsAtEarly, profile, QueryProbe.DefaultQueries, cancellationToken));
            }
            if (!probedLate && probedEarly && processed >= events * 0.9)
            {
                probedLate = true;
                probes.Add(QueryProbe.MeasureAsync(client, "under load, late", generator.DistinctItems, profile, QueryProbe.DefaultQueries, cancellationToken));
            }
        }
        await AnsiConsole.Progress().Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
            .StartAsync(async progress =>
            {
                var sending = progress.AddTask("sending", maxValue: events);
                var processing = progress.AddTask("processing", maxValue: events);
                var load = LoadRunner.RunAsync(client, generator, events, rate, n => sending.Value = n, cancellationToken, floor: floor);
                _ = load.ContinueWith(_ => sendingEnded?.TrySetResult(), TaskScheduler.Default);
                var baseline = (await client.GetStatusAsync(cancellationToken)).Processed;
                while (!load.IsCompleted)
                {
                    processing.Value = Math.Min(events, (await client.GetStatusAsync(cancellationToken)).Processed - baseline);
                    Probe(processing.Value);
                    await Task.WhenAny(load, Task.Delay(250, cancellationToken));
                }
                result = await load;
                while (true)
                {
                    var status = await client.GetStatusAsync(cancellationToken);
                    processing.Value = Math.Min(events, status.Processed - baseline);
                    Probe(processing.Value);
                    if (status.Processed >= status.Messages) break;
                    await Task.Delay(100, cancellationToken);
                }
            });
        var processedAfter = DateTime.UtcNow - started;
        var metrics = await client.GetMetricsAsync(cancellationToken);
        var latencies = (await Task.WhenAll(probes)).ToList();
        latencies.Add(await QueryProbe.MeasureAsync(client, "idle, after the run", generator.DistinctItems, profile, QueryProbe.DefaultQueries, cancellationToken));
        Print(result, metrics, processedAfter, rate);
        PrintRollups(metrics, latencies);
        LastQueryLatencies = latencies;
        return (result, metrics, processedAfter);
    }

    /// <summary>User and progress writes against the floor of the traffic sent (<see cref="TrafficFloor"/>).</summary>
    private static void PrintFloor(MetricsSnapshot m, TrafficFloor floor, int batchSize)
    {
        var events = Math.Max(m.Events, 1);
        var table = new Table().AddColumn("store writes").AddColumn(new TableColumn("value").RightAligned());
        table.AddRow($"floor per event (distinct users per batch of {batchSize:N0} ÷ events, {floor.Partitions} partitions)", $"{floor.PerEvent(batchSize):F4}");
        table.AddRow("user writes per event", $"{(double)m.UserWrites / events:F4}");
        table.AddRow("progress writes per batch", $"{(double)m.BatchProgressWrites / Math.Max(m.Batches, 1):F3}");
        table.AddRow("progress writes of the flush timer (idle partitions)", $"{m.TimerProgressWrites:N0}");
        table.AddRow("other writes (items, leaderboards) per event", $"{(double)m.OtherWrites / events:F4}");
        table.Caption("the floor assumes full batches; a paced run's batches are smaller (maxWaitTime), so its writes sit higher");
        AnsiConsole.Write(table);
    }

    /// <summary>Query latencies of the last <see cref="RunAsync"/> (for the bench JSON).</summary>
    public static IReadOnlyList<QueryLatency> LastQueryLatencies { get; private set; } = [];

    /// <summary>The rollup entities' figures (state size, operations per second) and the query latencies.</summary>
    private static void PrintRollups(MetricsSnapshot m, IReadOnlyList<QueryLatency> latencies)
    {
        var entities = new Table().AddColumn("entity").AddColumn(new TableColumn("instances").RightAligned())
            .AddColumn(new TableColumn("state bytes max / p99").RightAligned()).AddColumn(new TableColumn("ops/s, busiest instance").RightAligned())
            .AddColumn(new TableColumn("operations / batches").RightAligned());
        foreach (var e in m.Entities ?? [])
        {
            entities.AddRow(e.Entity, $"{e.Instances:N0}", $"{e.MaxStateBytes:N0} / {e.P99StateBytes:N0}", $"{e.MaxOpsPerSecondPerInstance:N1}", $"{e.Operations:N0} / {e.Batches:N0}");
        }
        entities.Caption($"entity self-signals (item shards' delayed flushes): {m.EntitySelfSignals:N0}, included in entity signals per event");
        AnsiConsole.Write(entities);
        var keyed = latencies.Any(q => q.KeyedReadP50Ms is not null);
        var queries = new Table().AddColumn("moment").AddColumn(new TableColumn("distinct items sent").RightAligned())
            .AddColumn(new TableColumn("leaderboard p50 / p99 ms").RightAligned()).AddColumn(new TableColumn("item stats p50 / p99 ms").RightAligned())
            .AddColumn(new TableColumn("profile p50 / p99 ms").RightAligned());
        if (keyed) queries.AddColumn(new TableColumn("keyed read p50 / p99 ms").RightAligned()).AddColumn(new TableColumn("declared leaderboard p50 / p99 ms").RightAligned());
        foreach (var q in latencies)
        {
            string[] cells = [q.Moment, $"{q.DistinctItems:N0}", $"{q.LeaderboardP50Ms:F1} / {q.LeaderboardP99Ms:F1}", $"{q.ItemStatsP50Ms:F1} / {q.ItemStatsP99Ms:F1}", $"{q.ProfileP50Ms:F1} / {q.ProfileP99Ms:F1}"];
            queries.AddRow(keyed ? [.. cells, $"{q.KeyedReadP50Ms:F1} / {q.KeyedReadP99Ms:F1}", $"{q.NamedLeaderboardP50Ms:F1} / {q.NamedLeaderboardP99Ms:F1}"] : cells);
        }
        if (latencies.Count >= 2 && latencies[0].Moment.StartsWith("under", StringComparison.Ordinal) && latencies[1].Moment.StartsWith("under", StringComparison.Ordinal))
        {
            queries.Caption($"leaderboard p50 ratio, late / early: {latencies[1].LeaderboardP50Ms / Math.Max(0.001, latencies[0].LeaderboardP50Ms):F2} " +
                $"({latencies[0].DistinctItems:N0} → {latencies[1].DistinctItems:N0} items)");
        }
        AnsiConsole.Write(queries);
    }

    /// <summary>
    /// The summary table. Unthrottled, events/s is the throughput and freshness mostly measures the backlog the run
    /// built up (events wait in the log behind earlier ones); at an offered rate the host keeps up with, freshness is
    /// the end-to-end latency a user sees. The labels say which is which.
    /// </summary>
    private static void Print(LoadResult load, MetricsSnapshot m, TimeSpan processedAfter, double? rate)
    {
        var events = Math.Max(m.Events, 1);
        var ru = m.RuEstimated ? "RU per event (estimated)" : "RU per event";
        var table = new Table().AddColumn("metric").AddColumn(new TableColumn("value").RightAligned());
        table.AddRow("events sent (duplicates, bad)", $"{load.Sent:N0} ({load.Duplicates:N0}, {load.Bad:N0})");
        table.AddRow(rate is null ? "throughput, events/s (unthrottled, sent → processed)" : $"events/s (offered {rate:N0}/s, sent → processed)",
            $"{load.Sent / processedAfter.TotalSeconds:N0}");
        table.AddRow(rate is null ? "freshness p50 / p95 / p99 (unthrottled: mostly backlog, not latency)" : $"freshness p50 / p95 / p99 at {rate:N0} events/s offered",
            $"{m.FreshnessP50Ms} / {m.FreshnessP95Ms} / {m.FreshnessP99Ms} ms");
        table.AddRow("store writes per event", $"{(double)m.StoreWrites / events:F4}");
        table.AddRow(ru, $"{m.Ru / events:F3}");
        table.AddRow("entity signals per event", $"{(double)m.EntitySignals / events:F4}");
        table.AddRow("modeled $ per million events", $"{m.ProcessingUsd / events * 1_000_000m:F4}");
        AnsiConsole.Write(table);
    }
}

internal sealed class ReplayCommand : AsyncCommand<ReplayCommand.Settings>
{
    public sealed class Settings : CommandSettings
    {
        [CommandArgument(0, "<FILE>"), Description("NDJSON file, one event per line")] public string File { get; init; } = "";

        public override ValidationResult Validate() =>
            System.IO.File.Exists(File) ? ValidationResult.Success() : ValidationResult.Error($"No such file: {File}");
    }

    public override async Task<int> ExecuteAsync(CommandContext context, Settings s, CancellationToken cancellationToken)
    {
        var stack = new LocalStack(LocalConfiguration.FindRepoRoot());
        using var client = await stack.ConnectToRunningHostAsync(cancellationToken);
        if (client is null)
        {
            return 1;
        }
        long sent = 0;
        var size = new FileInfo(s.File).Length;
        await AnsiConsole.Progress().StartAsync(async progress =>
        {
            var task = progress.AddTask($"replaying {Path.GetFileName(s.File)}", maxValue: Math.Max(size, 1));
            using var buffer = new MemoryStream();
            long consumed = 0;
            var lines = 0;
            var maxLines = new LocalHostOptions().MaxMessagesPerRequest; // requests stay under the host's caps (3 MB, 10,000 messages)
            foreach (var line in System.IO.File.ReadLines(s.File))
            {
                var bytes = System.Text.Encoding.UTF8.GetBytes(line + "\n");
                consumed += bytes.Length;
                if (buffer.Length + bytes.Length > 3 * 1024 * 1024 || lines == maxLines)
                {
                    sent += await client.PostNdjsonAsync(buffer.ToArray(), cancellationToken);
                    buffer.SetLength(0);
                    lines = 0;
                    task.Value = consumed;
                }
                buffer.Write(bytes);
                if (!string.IsNullOrWhiteSpace(line)) lines++;
            }
            if (buffer.Length > 0) sent += await client.PostNdjsonAsync(buffer.ToArray(), cancellationToken);
            task.Value = size;
        });
        AnsiConsole.MarkupLineInterpolated($"[green]{sent:N0}[/] messages accepted (bad lines are dead-lettered by the pipeline: GET /api/deadletters).");
        return 0;
    }
}
