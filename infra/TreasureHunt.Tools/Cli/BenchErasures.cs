using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Configuration;
using Spectre.Console;
using TreasureHunt.Core.Rollups;
using TreasureHunt.Local.EventLog;
using TreasureHunt.Local.Hosting;
using TreasureHunt.Tools.Load;

namespace TreasureHunt.Tools.Cli;

/// <summary>
/// <c>th bench --erasures N</c>: the product's unthrottled phase (the uniform workload, --events events) twice, each on a
/// fresh host with its own database, tables and task hub, all dropped after it — without erasures, then with N users erased through <c>DELETE /api/users/{userId}</c> spread
/// over the load (<see cref="ErasurePlan"/>): the throughput cost in percent. Then, on the host with erasures, a phase
/// offered at --rate for --rate-seconds with the same share of erasures per event, spread evenly in time: each
/// erasure's apply latency (request → applied, the erasure log's two times) against one flush interval — measured
/// there, not in the unthrottled phase, whose erasures wait behind its backlog (reported as context). Finally how long
/// after the unthrottled phase's last erasure was applied the event log held none of the erased users' earlier records,
/// and how long after the paced phase's last one no erasure had parked rows or dead letters left to clean. Each
/// unthrottled phase's CPU per event (host, emulators) and Cosmos requests per kind are reported beside its wall time.
/// </summary>
internal static class BenchErasures
{
    public static async Task<int> RunAsync(BenchCommand.Settings s, CancellationToken cancellationToken)
    {
        var root = LocalConfiguration.FindRepoRoot();
        var stack = new LocalStack(root);
        await AnsiConsole.Status().StartAsync("Starting Azurite and the Cosmos emulator…", _ => stack.StartEmulatorsAsync(cancellationToken));
        var stamp = DateTime.UtcNow.ToString("MMddHHmmss", CultureInfo.InvariantCulture);
        var seed = (int)(DateTime.UtcNow.Ticks % 1_000_000);
        var profile = new LoadProfile(Seed: seed, Workload: LoadWorkload.Uniform);
        var generator = new EventGenerator(profile);
        var now = DateTimeOffset.UtcNow;
        var users = new List<string?>((int)s.Events);
        for (var i = 0L; i < s.Events; i++) users.Add(generator.Next(now).UserId);
        var plan = ErasurePlan.Create(users, s.Erasures!.Value, seed);
        var rollups = new RollupOptions();
        LocalConfiguration.Build(root, new Dictionary<string, string?>()).GetSection(RollupOptions.Section).Bind(rollups);

        var pacedEvents = (long)Math.Min(s.Events, s.Rate * s.RateSeconds);
        var planned = plan.Steps.Select(p => p.UserId).ToHashSet(StringComparer.Ordinal);
        var pacedPlan = ErasurePlan.Create(users.Select(u => u is not null && planned.Contains(u) ? null : u).ToList(),
            ErasureBenchResult.PacedErasureCount(plan.Steps.Count, s.Events, pacedEvents), seed + 1);
        var paced = new PacedPhase(s.Rate, pacedEvents, new LoadProfile(Seed: seed + 1, Workload: LoadWorkload.Uniform), pacedPlan);

        var port = UpCommand.HostPort() + 110;
        var (without, _, costWithout) = await RunOnceAsync(stack, root, "plain", port, s.Events, profile, stamp, null, null, cancellationToken);
        var (with, measured, costWith) = await RunOnceAsync(stack, root, "erasing", port, s.Events, profile, stamp, plan, paced, cancellationToken);
        var result = new ErasureBenchResult(s.Events, plan.Steps.Count, measured!.RequestedAfterTheLoad, without, with,
            ErasureBenchResult.Percentile(measured.PacedApplyMs, 50), ErasureBenchResult.Percentile(measured.PacedApplyMs, 99),
            measured.PacedApplyMs.Count == 0 ? 0 : measured.PacedApplyMs.Max(), rollups.FlushMaxAgeSeconds, measured.LogCompactedSeconds,
            s.Rate, measured.PacedApplyMs.Count, measured.PacedEventsPerSecond,
            ErasureBenchResult.Percentile(measured.ApplyMs, 50), ErasureBenchResult.Percentile(measured.ApplyMs, 99), measured.CleanedSeconds);

        var table = new Table().AddColumn("erasure under load").AddColumn(new TableColumn("value").RightAligned());
        table.AddRow("events (uniform workload, unthrottled)", $"{result.Events:N0}");
        table.AddRow("events/s without erasures", $"{result.EventsPerSecondWithout:N0}");
        table.AddRow($"events/s with {result.Erasures:N0} erasures ({result.RequestedAfterTheLoad:N0} requested after the load was sent)", $"{result.EventsPerSecondWith:N0}");
        table.AddRow("throughput cost of the erasures", $"{result.ThroughputCostPercent:F2} %");
        table.AddRow("unthrottled phase: erasure applied after its request, p50 / p99 (behind the backlog)", $"{result.UnthrottledApplyP50Ms:N0} / {result.UnthrottledApplyP99Ms:N0} ms");
        table.AddRow($"paced phase: {pacedEvents:N0} events offered at {result.PacedRate:N0}/s, {result.PacedErasures:N0} erasures; processed at", $"{result.PacedEventsPerSecond:N0} events/s");
        table.AddRow("paced phase: erasure applied after its request, p50 / p99 / max", $"{result.ApplyP50Ms:N0} / {result.ApplyP99Ms:N0} / {result.ApplyMaxMs:N0} ms");
        table.AddRow($"paced phase: all within one flush interval (Rollups:FlushMaxAgeSeconds = {result.FlushIntervalSeconds:N0} s)", result.AppliedWithinOneFlushInterval ? "yes" : "no");
        table.AddRow("paced phase: parked rows and dead letters cleaned, after the last erasure was applied",
            result.CleanedSeconds is { } cleaned ? $"{cleaned:N1} s" : "not within 5 minutes");
        table.AddRow("event log compacted, after the last erasure was applied", result.LogCompactedSeconds is { } c ? $"{c:N1} s" : "not within 5 minutes");
        AnsiConsole.Write(table);
        var cpu = new Table().AddColumn("CPU ms per event, unthrottled phase").AddColumn(new TableColumn("without").RightAligned()).AddColumn(new TableColumn("with").RightAligned());
        cpu.AddRow("host", $"{costWithout.HostCpuMsPerEvent:F4}", $"{costWith.HostCpuMsPerEvent:F4}");
        cpu.AddRow("Cosmos emulator", $"{costWithout.CosmosCpuMsPerEvent:F4}", $"{costWith.CosmosCpuMsPerEvent:F4}");
        cpu.AddRow("Azurite", $"{costWithout.AzuriteCpuMsPerEvent:F4}", $"{costWith.AzuriteCpuMsPerEvent:F4}");
        AnsiConsole.Write(cpu);
        var kinds = RequestsByKind(costWithout.RequestsByKind, costWith.RequestsByKind);
        if (kinds.Count > 0)
        {
            var byKind = new Table().AddColumn("Cosmos requests of the unthrottled phase, by kind")
                .AddColumn(new TableColumn("without").RightAligned()).AddColumn(new TableColumn("with").RightAligned());
            foreach (var (kind, counts) in kinds) byKind.AddRow(Markup.Escape(kind), $"{counts.Without:N0}", $"{counts.With:N0}");
            AnsiConsole.Write(byKind);
        }
        var jsonObject = Json(result, BenchCommand.Machine());
        jsonObject["cosmosRequestsByKind"] = new JsonObject(kinds.Select(k => KeyValuePair.Create(k.Kind, (JsonNode?)new JsonObject { ["without"] = k.Counts.Without, ["with"] = k.Counts.With })));
        jsonObject["cpuMsPerEvent"] = new JsonObject
        {
            ["without"] = new JsonObject { ["host"] = costWithout.HostCpuMsPerEvent, ["cosmos"] = costWithout.CosmosCpuMsPerEvent, ["azurite"] = costWithout.AzuriteCpuMsPerEvent },
            ["with"] = new JsonObject { ["host"] = costWith.HostCpuMsPerEvent, ["cosmos"] = costWith.CosmosCpuMsPerEvent, ["azurite"] = costWith.AzuriteCpuMsPerEvent },
        };
        var json = jsonObject.ToJsonString(new JsonSerializerOptions { WriteIndented = true });
        if (s.Out is { } path) await File.WriteAllTextAsync(path, json + "\n", cancellationToken);
        AnsiConsole.WriteLine(json);
        return 0;
    }

    internal static JsonObject Json(ErasureBenchResult r, string machine) => new()
    {
        ["machine"] = machine,
        ["events"] = r.Events,
        ["erasures"] = r.Erasures,
        ["requestedAfterTheLoad"] = r.RequestedAfterTheLoad,
        ["eventsPerSecondWithout"] = r.EventsPerSecondWithout,
        ["eventsPerSecondWith"] = r.EventsPerSecondWith,
        ["throughputCostPercent"] = r.ThroughputCostPercent,
        ["pacedRate"] = r.PacedRate,
        ["pacedErasures"] = r.PacedErasures,
        ["pacedEventsPerSecond"] = r.PacedEventsPerSecond,
        ["applyP50Ms"] = r.ApplyP50Ms,
        ["applyP99Ms"] = r.ApplyP99Ms,
        ["applyMaxMs"] = r.ApplyMaxMs,
        ["unthrottledApplyP50Ms"] = r.UnthrottledApplyP50Ms,
        ["unthrottledApplyP99Ms"] = r.UnthrottledApplyP99Ms,
        ["flushIntervalSeconds"] = r.FlushIntervalSeconds,
        ["appliedWithinOneFlushInterval"] = r.AppliedWithinOneFlushInterval,
        ["logCompactedSeconds"] = r.LogCompactedSeconds,
        ["cleanedSeconds"] = r.CleanedSeconds,
    };

    /// <summary>The Cosmos emulator's requests per kind in each run's unthrottled phase (kinds with at least 10 in either), most first.</summary>
    private static List<(string Kind, (long Without, long With) Counts)> RequestsByKind(Dictionary<string, long>? without, Dictionary<string, long>? with)
    {
        if (without is null || with is null) return [];
        return without.Keys.Union(with.Keys)
            .Select(k => (Kind: k, Counts: (Without: without.GetValueOrDefault(k), With: with.GetValueOrDefault(k))))
            .Where(k => Math.Max(k.Counts.Without, k.Counts.With) >= 10)
            .OrderByDescending(k => Math.Max(k.Counts.Without, k.Counts.With))
            .ToList();
    }

    /// <summary>What an unthrottled phase cost besides its wall time: Cosmos requests by kind, and CPU ms per event of the host and of each emulator.</summary>
    private sealed record PhaseCost(Dictionary<string, long>? RequestsByKind, double? HostCpuMsPerEvent, double? CosmosCpuMsPerEvent, double? AzuriteCpuMsPerEvent);

    private sealed record Measured(List<double> ApplyMs, int RequestedAfterTheLoad, double? LogCompactedSeconds, List<double> PacedApplyMs, double PacedEventsPerSecond,
        double? CleanedSeconds);

    /// <summary>The paced phase: <paramref name="Events"/> offered at <paramref name="Rate"/>, the plan's erasures evenly spread in time (its thresholds are not used).</summary>
    private sealed record PacedPhase(double Rate, long Events, LoadProfile Profile, ErasurePlan Plan);

    private static async Task<(double EventsPerSecond, Measured? Measured, PhaseCost Cost)> RunOnceAsync(LocalStack stack, string root, string label, int port, long events,
        LoadProfile profile, string stamp, ErasurePlan? plan, PacedPhase? paced, CancellationToken cancellationToken)
    {
        AnsiConsole.Write(new Rule(plan is null ? "without erasures" : $"with {plan.Steps.Count:N0} erasures"));
        var hostState = Path.Combine(stack.StateDir, "bench", $"erasures-{label}");
        if (Directory.Exists(hostState)) Directory.Delete(hostState, recursive: true);
        var database = $"bench-erasures-{label}-{stamp}";
        // Everything the host writes is its own and is dropped after it (database, tables, task hub, event log), so the
        // second run finds the emulators as the first did: docs/benchmarks/erasure.md, Method.
        var storage = new BenchStorage(root, database, $"benchera{label}{stamp}");
        var settings = storage.Settings();
        settings["Local__Strategy"] = "preaggregated";
        var (client, _) = await stack.EnsureHostAsync(port, hostState, settings, cancellationToken);
        double? PerEvent(double? ms) => ms is { } v ? Math.Round(v / events, 4) : null;
        try
        {
            var logged = (await client.GetStatusAsync(cancellationToken)).Messages;
            using var loadDone = new CancellationTokenSource();
            // Both runs poll the status alike (the run without erasures with an empty plan), so the polling is not in the cost.
            var kindsBefore = await BenchCommand.EmulatorRequestsAsync(root, cancellationToken);
            var (hostBefore, emulatorsBefore) = ((await client.GetStatusAsync(cancellationToken)).CpuMs, EmulatorCpu.Read(stack.StateDir));
            var erasing = EraseDuringAsync(client, plan ?? new ErasurePlan([]), logged, loadDone.Token, cancellationToken);
            var (_, _, elapsed) = await LoadCommand.RunAsync(client, events, null, profile, cancellationToken);
            await loadDone.CancelAsync();
            var (requested, afterLoad) = await erasing;
            var eventsPerSecond = Math.Round(events / elapsed.TotalSeconds, 1);
            var (hostAfter, emulatorsAfter) = ((await client.GetStatusAsync(cancellationToken)).CpuMs, EmulatorCpu.Read(stack.StateDir));
            var kindsAfter = await BenchCommand.EmulatorRequestsAsync(root, cancellationToken);
            var cost = new PhaseCost(
                kindsBefore is null || kindsAfter is null ? null : kindsAfter.ByKind.ToDictionary(k => k.Key, k => k.Value - kindsBefore.ByKind.GetValueOrDefault(k.Key), StringComparer.Ordinal),
                PerEvent(hostAfter - hostBefore), PerEvent(emulatorsAfter.CosmosMs - emulatorsBefore.CosmosMs), PerEvent(emulatorsAfter.AzuriteMs - emulatorsBefore.AzuriteMs));
            AnsiConsole.MarkupLineInterpolated($"CPU ms per event, host / Cosmos emulator / Azurite: {cost.HostCpuMsPerEvent:F4} / {cost.CosmosCpuMsPerEvent:F4} / {cost.AzuriteCpuMsPerEvent:F4}");
            if (plan is null) return (eventsPerSecond, null, cost);

            // Each erasure's times from the erasure log (the host's clock), then the log's compaction.
            var (applyMs, applied) = await WaitAppliedAsync(client, requested, cancellationToken);
            var lastApplied = applied.Count == 0 ? DateTime.UtcNow : applied.Max(a => a.AppliedAt);
            var compacted = await WaitForCompactionAsync(new LocalEventLogHistorySource(Path.Combine(hostState, "log")), applied, TimeSpan.FromMinutes(5), cancellationToken);
            double? compactedSeconds = compacted is { } t ? Math.Max(0, Math.Round((t - lastApplied).TotalSeconds, 1)) : null;

            // The paced phase: erasures at even intervals while the load is offered at the rate.
            AnsiConsole.Write(new Rule($"paced at {paced!.Rate:N0}/s with {paced.Plan.Steps.Count:N0} erasures"));
            var pacedErasing = EraseEvenlyAsync(client, paced.Plan, TimeSpan.FromSeconds(paced.Events / paced.Rate), cancellationToken);
            var (_, _, pacedElapsed) = await LoadCommand.RunAsync(client, paced.Events, paced.Rate, paced.Profile, cancellationToken);
            var pacedRequested = await pacedErasing;
            var (pacedApplyMs, pacedApplied) = await WaitAppliedAsync(client, pacedRequested, cancellationToken);
            var lastPacedApplied = pacedApplied.Count == 0 ? DateTime.UtcNow : pacedApplied.Max(a => a.AppliedAt);
            double? cleanedSeconds = await WaitCleanedAsync(client, pacedRequested, TimeSpan.FromMinutes(5), cancellationToken) is { } cleaned
                ? Math.Max(0, Math.Round((cleaned - lastPacedApplied).TotalSeconds, 1)) : null;
            return (eventsPerSecond, new Measured(applyMs, afterLoad, compactedSeconds, pacedApplyMs, Math.Round(paced.Events / pacedElapsed.TotalSeconds, 1), cleanedSeconds), cost);
        }
        finally
        {
            client.Dispose();
            await LocalStack.StopHostAsync(hostState);
            await storage.DropAsync(cancellationToken);
            var eventLog = Path.Combine(hostState, "log"); // the host's log (host.log) is kept for a look afterwards
            if (Directory.Exists(eventLog)) Directory.Delete(eventLog, recursive: true);
        }
    }

    /// <summary>How often the run's status is polled to see which erasures fall due (in both runs alike).</summary>
    private static readonly TimeSpan StatusPoll = TimeSpan.FromMilliseconds(250);

    /// <summary>Requests the plan's erasures as the load's messages are logged (the status polled every
    /// <see cref="StatusPoll"/>, until the load is processed even when the plan is empty); those still due when the
    /// load has been processed are requested at once (and counted).</summary>
    private static async Task<(List<(string UserId, string ErasureId)>, int AfterTheLoad)> EraseDuringAsync(HostClient client, ErasurePlan plan, long loggedBefore,
        CancellationToken loadDone, CancellationToken cancellationToken)
    {
        var requested = new List<(string, string)>(plan.Steps.Count);
        var afterTheLoad = 0;
        var next = 0;
        while (next < plan.Steps.Count || (plan.Steps.Count == 0 && !loadDone.IsCancellationRequested))
        {
            // Control messages are logged too: they do not count towards the load's messages.
            var logged = loadDone.IsCancellationRequested ? long.MaxValue : (await client.GetStatusAsync(cancellationToken)).Messages - loggedBefore - requested.Count;
            for (; next < plan.Steps.Count && plan.Steps[next].AfterMessages <= logged; next++)
            {
                if (loadDone.IsCancellationRequested) afterTheLoad++;
                var userId = plan.Steps[next].UserId;
                var (status, body) = await client.EraseUserAsync(userId, cancellationToken);
                if (status != 202) throw new InvalidOperationException($"DELETE /api/users/{{userId}} answered {status}: {body}");
                requested.Add((userId, body.GetProperty("erasureId").GetString()!));
            }
            if (next < plan.Steps.Count || plan.Steps.Count == 0)
            {
                try
                {
                    await Task.Delay(StatusPoll, loadDone);
                }
                catch (OperationCanceledException) when (loadDone.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
                {
                }
            }
        }
        return (requested, afterTheLoad);
    }

    /// <summary>Requests the plan's erasures one by one at k·<paramref name="over"/>/(N+1) after the start.</summary>
    private static async Task<List<(string UserId, string ErasureId)>> EraseEvenlyAsync(HostClient client, ErasurePlan plan, TimeSpan over, CancellationToken cancellationToken)
    {
        var requested = new List<(string, string)>(plan.Steps.Count);
        var clock = Stopwatch.StartNew();
        for (var k = 1; k <= plan.Steps.Count; k++)
        {
            var due = over * k / (plan.Steps.Count + 1);
            if (due > clock.Elapsed) await Task.Delay(due - clock.Elapsed, cancellationToken);
            var userId = plan.Steps[k - 1].UserId;
            var (status, body) = await client.EraseUserAsync(userId, cancellationToken);
            if (status != 202) throw new InvalidOperationException($"DELETE /api/users/{{userId}} answered {status}: {body}");
            requested.Add((userId, body.GetProperty("erasureId").GetString()!));
        }
        return requested;
    }

    /// <summary>Each erasure's apply latency (appliedAt − requestedAt, both the host's clock) once applied; fails after 5 minutes.</summary>
    private static async Task<(List<double> ApplyMs, List<(string UserId, string Partition, long Sequence, DateTime AppliedAt)> Applied)> WaitAppliedAsync(
        HostClient client, List<(string UserId, string ErasureId)> requested, CancellationToken cancellationToken)
    {
        var applyMs = new List<double>();
        var applied = new List<(string UserId, string Partition, long Sequence, DateTime AppliedAt)>();
        var deadline = DateTime.UtcNow.AddMinutes(5);
        foreach (var (userId, erasureId) in requested)
        {
            while (true)
            {
                var (status, body) = await client.GetErasureAsync(erasureId, cancellationToken);
                if (status == 200 && body.GetProperty("state").GetString() == "applied")
                {
                    var at = body.GetProperty("appliedAt").GetDateTime();
                    applyMs.Add((at - body.GetProperty("requestedAt").GetDateTime()).TotalMilliseconds);
                    applied.Add((userId, body.GetProperty("partitionId").GetString()!, body.GetProperty("sequenceNumber").GetInt64(), at));
                    break;
                }
                if (DateTime.UtcNow > deadline) throw new TimeoutException($"erasure {erasureId} not applied within 5 minutes of the load's end: {status} {body}");
                await Task.Delay(200, cancellationToken);
            }
        }
        return (applyMs, applied);
    }

    /// <summary>
    /// When no erasure of <paramref name="requested"/> still had its parked rows and dead letters "pending" in the erasure
    /// log (each erasure read again every second until done; the cleanup worker's run is what this waits for), or null after the timeout.
    /// </summary>
    private static async Task<DateTime?> WaitCleanedAsync(HostClient client, List<(string UserId, string ErasureId)> requested, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var left = requested.Select(r => r.ErasureId).ToList();
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < timeout)
        {
            var pending = new List<string>();
            foreach (var erasureId in left)
            {
                var (status, body) = await client.GetErasureAsync(erasureId, cancellationToken);
                if (status != 200 || !body.TryGetProperty("stores", out var stores)
                    || stores.EnumerateObject().Any(store => store.Value.ValueKind == JsonValueKind.String && store.Value.GetString() == "pending"))
                {
                    pending.Add(erasureId);
                }
            }
            if (pending.Count == 0) return DateTime.UtcNow;
            left = pending;
            await Task.Delay(1000, cancellationToken);
        }
        return null;
    }

    /// <summary>When the log first held no record of an erased user before its erasure (checked every second), or null after the timeout.</summary>
    private static async Task<DateTime?> WaitForCompactionAsync(LocalEventLogHistorySource log, List<(string UserId, string Partition, long Sequence, DateTime AppliedAt)> erased,
        TimeSpan timeout, CancellationToken cancellationToken)
    {
        var erasedAt = erased.ToDictionary(e => e.UserId, e => (e.Partition, e.Sequence), StringComparer.Ordinal);
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < timeout)
        {
            var left = false;
            foreach (var partition in erased.Select(e => e.Partition).Distinct())
            {
                for (var after = -1L; !left;)
                {
                    var read = await log.ReadAsync(partition, after, 10_000, cancellationToken);
                    if (read.Count == 0) break;
                    left = read.Any(m => UserIdReader.TryRead(m.Body.Span, out var user) && erasedAt.TryGetValue(user, out var at)
                        && at.Partition == partition && m.SequenceNumber < at.Sequence);
                    after = read[^1].SequenceNumber;
                }
            }
            if (!left) return DateTime.UtcNow;
            await Task.Delay(1000, cancellationToken);
        }
        return null;
    }
}
