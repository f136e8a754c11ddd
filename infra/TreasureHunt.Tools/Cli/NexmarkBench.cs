using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Threading.Channels;
using Spectre.Console;
using TreasureHunt.Local.Hosting;
using TreasureHunt.Tools.Load;
using TreasureHunt.Tools.Nexmark;

namespace TreasureHunt.Tools.Cli;

/// <summary>
/// th bench --nexmark: the Nexmark stream (<see cref="NexmarkGenerator"/>, the reference's defaults) through the local
/// stack with features/examples/nexmark.json, unthrottled. Reports events/s (first request → all processed), events per
/// CPU-second of the host process over the same span, the staleness of q5 / q7 / q15 / q17 answers read every 500 ms
/// while the stream runs (<see cref="NexmarkTimeline{TKey}"/>; p50 / p99 per answer), how long after the last event was
/// accepted each answer was final, and checks every answer against the brute force (<see cref="NexmarkAnswers"/>):
/// exact for counts, sums, minima, maxima and averages, within 3 standard errors of the sketch for distinct counts.
/// </summary>
internal static class NexmarkBench
{
    public const int ChunkEvents = 1000;
    public const int InFlight = 4;
    public const int SampledAuctionDays = 50;
    public static readonly TimeSpan SampleEvery = TimeSpan.FromMilliseconds(500);
    /// <summary>How long after the stream the answers may take to be final before the checks count as failed: long, because
    /// on a loaded machine the rollup entities (DurableTask on Azurite) lag minutes behind.</summary>
    public static readonly TimeSpan FinalTimeout = TimeSpan.FromMinutes(6);

    /// <summary>HyperLogLog's relative standard error at the default precision (1.04 / √4096), times 3.</summary>
    public const double DistinctTolerance = 3 * 0.01625;

    public static readonly string[] Answers = ["q5", "q7", "q15", "q17"];

    public static async Task<int> RunAsync(BenchCommand.Settings s, CancellationToken cancellationToken)
    {
        var root = LocalConfiguration.FindRepoRoot();
        var stack = new LocalStack(root);
        await AnsiConsole.Status().StartAsync("Starting Azurite and the Cosmos emulator…", _ => stack.StartEmulatorsAsync(cancellationToken));
        var stamp = DateTime.UtcNow.ToString("MMddHHmmss", CultureInfo.InvariantCulture);
        var seed = (int)(DateTime.UtcNow.Ticks % 1_000_000);
        var definitions = Path.Combine(root, "features", "examples", "nexmark.json");
        var hostState = Path.Combine(stack.StateDir, "bench", "nexmark");
        if (Directory.Exists(hostState)) Directory.Delete(hostState, recursive: true);
        var database = $"bench-nexmark-{stamp}";
        var storage = new BenchStorage(root, database, $"benchnexmark{stamp}");
        var settings = storage.Settings();
        settings["Local__Strategy"] = "preaggregated";
        settings["Features__DefinitionsPath"] = definitions;
        AnsiConsole.Write(new Rule("[bold]Nexmark[/]"));
        AnsiConsole.MarkupLineInterpolated($"[grey]{s.Events:N0} events, seed {seed}, person : auction : bid = 1 : 3 : 46, definitions {Path.GetRelativePath(root, definitions)}[/]");
        var (client, _) = await stack.EnsureHostAsync(UpCommand.HostPort() + 112, hostState, settings, cancellationToken);
        try
        {
            using var host = Process.GetProcessById(HostOwnership.RecordedPid(hostState)!.Value);
            var result = await RunAsync(client, host, s.Events, seed, cancellationToken);
            var json = Output(result, BenchCommand.Machine());
            AnsiConsole.Write(Table(result));
            var text = json.ToJsonString(new JsonSerializerOptions { WriteIndented = true });
            if (s.Out is { } path) await File.WriteAllTextAsync(path, text + "\n", cancellationToken);
            AnsiConsole.WriteLine(text);
            return result.ChecksPassed == result.ChecksTotal ? 0 : 1;
        }
        finally
        {
            client.Dispose();
            await LocalStack.StopHostAsync(hostState);
            await storage.DropAsync(cancellationToken);
        }
    }

    internal sealed record Result(long Events, int Seed, double EventsPerSecond, double EventsPerHostCpuSecond, double HostCpuSeconds, double Seconds,
        IReadOnlyDictionary<string, (double P50, double P99, int Samples)> Staleness, IReadOnlyDictionary<string, double?> FinalMs,
        int ChecksPassed, int ChecksTotal, IReadOnlyList<string> Failures);

    /// <summary>The figures as --out writes them.</summary>
    internal static JsonObject Output(Result r, string machine) => new()
    {
        ["workload"] = $"Nexmark (nexmark/nexmark generator rules, defaults: 1 : 3 : 46, hot auction ratio 2, hot bidders ratio 4, hot sellers ratio 4, 10,000 events/s of event time), {r.Events:N0} events, seed {r.Seed}, features/examples/nexmark.json",
        ["machine"] = machine,
        ["events"] = r.Events,
        ["eventsPerSecond"] = Math.Round(r.EventsPerSecond, 1),
        ["eventsPerHostCpuSecond"] = Math.Round(r.EventsPerHostCpuSecond, 1),
        ["hostCpuSeconds"] = Math.Round(r.HostCpuSeconds, 2),
        ["freshnessP50MsByAnswer"] = ByAnswer(a => r.Staleness.TryGetValue(a, out var v) && v.Samples > 0 ? Math.Round(v.P50) : null),
        ["freshnessP99MsByAnswer"] = ByAnswer(a => r.Staleness.TryGetValue(a, out var v) && v.Samples > 0 ? Math.Round(v.P99) : null),
        ["freshnessSamplesByAnswer"] = ByAnswer(a => r.Staleness.TryGetValue(a, out var v) ? v.Samples : 0),
        ["finalMsAfterLastAcceptedByAnswer"] = ByAnswer(a => r.FinalMs.GetValueOrDefault(a) is { } ms ? Math.Round(ms) : null),
        ["checksPassed"] = r.ChecksPassed,
        ["checksTotal"] = r.ChecksTotal,
        ["failures"] = new JsonArray(r.Failures.Take(20).Select(f => (JsonNode)JsonValue.Create(f)!).ToArray()),
    };

    private static JsonObject ByAnswer(Func<string, double?> value)
    {
        var o = new JsonObject();
        foreach (var a in Answers) o[a] = value(a);
        return o;
    }

    private static Table Table(Result r)
    {
        var table = new Table().AddColumn("Nexmark").AddColumn(new TableColumn("value").RightAligned());
        table.AddRow("events", r.Events.ToString("N0", CultureInfo.InvariantCulture));
        table.AddRow("events/s (first request → all processed)", r.EventsPerSecond.ToString("N0", CultureInfo.InvariantCulture));
        table.AddRow("events per host CPU-second", r.EventsPerHostCpuSecond.ToString("N0", CultureInfo.InvariantCulture));
        foreach (var a in Answers)
        {
            var (p50, p99, n) = r.Staleness.GetValueOrDefault(a);
            table.AddRow($"{a}: staleness p50 / p99 under load ({n} reads); final after the last accepted event",
                $"{p50:N0} / {p99:N0} ms; {(r.FinalMs.GetValueOrDefault(a) is { } f ? $"{f:N0} ms" : "not final")}");
        }
        table.AddRow("checks against the brute force", $"{r.ChecksPassed} / {r.ChecksTotal}");
        return table;
    }

    /// <summary>One read under load: which answer, its key in the timelines, the value served and when it arrived.</summary>
    private sealed record Sample(string Answer, object Key, long Served, long ReadAt);

    private static async Task<Result> RunAsync(HostClient client, Process host, long events, int seed, CancellationToken cancellationToken)
    {
        var baseTime = DateTimeOffset.UtcNow.AddSeconds(-1);
        var generator = new NexmarkGenerator(seed, baseTime);
        var answers = new NexmarkAnswers();
        var runTag = seed.ToString(CultureInfo.InvariantCulture);
        var chunks = (int)((events + ChunkEvents - 1) / ChunkEvents);
        var acknowledged = Enumerable.Repeat(long.MaxValue, chunks).ToArray();
        var hourBids = new NexmarkTimeline<(long, DateTimeOffset)>();
        var dayBids = new NexmarkTimeline<(long, DateTimeOffset)>();
        var daily = new NexmarkTimeline<DateTimeOffset>();
        var hourMax = new NexmarkTimeline<DateTimeOffset>();
        long latestEventTicks = baseTime.UtcTicks;
        var samples = new List<Sample>();

        var baseline = (await client.GetStatusAsync(cancellationToken)).Processed;
        host.Refresh();
        var cpuAtStart = host.TotalProcessorTime;
        var clock = Stopwatch.StartNew();
        var channel = Channel.CreateBounded<(int Chunk, byte[] Body)>(InFlight * 2);
        var producer = Task.Run(async () =>
        {
            try
            {
                var body = new System.Buffers.ArrayBufferWriter<byte>(ChunkEvents * 200);
                for (var chunk = 0; chunk < chunks; chunk++)
                {
                    body.ResetWrittenCount();
                    var count = (int)Math.Min(ChunkEvents, events - (long)chunk * ChunkEvents);
                    for (var i = 0; i < count; i++)
                    {
                        var e = generator.Next();
                        answers.Add(e);
                        if (e.Kind == NexmarkKind.Bid)
                        {
                            var (hour, day) = (NexmarkAnswers.HourOf(e.Timestamp), NexmarkAnswers.DayOf(e.Timestamp));
                            hourBids.Add((e.AuctionId, hour), chunk);
                            dayBids.Add((e.AuctionId, day), chunk);
                            daily.Add(day, chunk);
                            hourMax.Add(hour, chunk, e.Price, maximum: true);
                        }
                        NexmarkContract.Write(e, runTag, body);
                        System.Buffers.BuffersExtensions.Write(body, "\n"u8);
                    }
                    Volatile.Write(ref latestEventTicks, baseTime.UtcTicks + (generator.NextEventId - 1) * TimeSpan.TicksPerSecond / generator.Config.EventsPerSecond);
                    await channel.Writer.WriteAsync((chunk, body.WrittenSpan.ToArray()), cancellationToken);
                }
            }
            finally
            {
                channel.Writer.Complete();
            }
        }, cancellationToken);
        var senders = Enumerable.Range(0, InFlight).Select(_ => Task.Run(async () =>
        {
            await foreach (var (chunk, body) in channel.Reader.ReadAllAsync(cancellationToken))
            {
                await client.PostNdjsonAsync(body, cancellationToken);
                Volatile.Write(ref acknowledged[chunk], Stopwatch.GetTimestamp());
            }
        }, cancellationToken)).ToArray();
        var sending = Task.WhenAll(senders.Append(producer));

        // Reads under load until every event is processed: q5's leader, the leader's q17 bids, q15's bids, q7's maximum.
        double processedSeconds = 0;
        TimeSpan cpuProcessed = TimeSpan.Zero;
        await AnsiConsole.Progress().Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn())
            .StartAsync(async progress =>
            {
                var processing = progress.AddTask("processing", maxValue: events);
                while (true)
                {
                    var status = await client.GetStatusAsync(cancellationToken);
                    processing.Value = Math.Min(events, status.Processed - baseline);
                    if (sending.IsCompleted && status.Processed - baseline >= events && status.Processed >= status.Messages)
                    {
                        processedSeconds = clock.Elapsed.TotalSeconds;
                        host.Refresh();
                        cpuProcessed = host.TotalProcessorTime - cpuAtStart;
                        break;
                    }
                    if (sending.IsFaulted) await sending;
                    // The tiles of the latest event generated so far (a time one second into each, for ?at=).
                    var hour = NexmarkAnswers.HourOf(new DateTimeOffset(Volatile.Read(ref latestEventTicks), TimeSpan.Zero));
                    var day = NexmarkAnswers.DayOf(hour);
                    var at = NexmarkChecks.At(hour);
                    var dayAt = NexmarkChecks.At(day);
                    var (status5, board) = await client.GetAsync($"/api/leaderboards/hotItems?window=hour&at={at}&top=1", cancellationToken);
                    var read5 = Stopwatch.GetTimestamp();
                    if (status5 == 200 && board.GetProperty("entries") is { ValueKind: JsonValueKind.Array } entries && entries.GetArrayLength() > 0)
                    {
                        var itemId = entries[0].GetProperty("key").GetProperty("itemId").GetString()!;
                        var auction = long.Parse(itemId.AsSpan(2), CultureInfo.InvariantCulture);
                        samples.Add(new Sample("q5", (auction, hour), (long)entries[0].GetProperty("value").GetDouble(), read5));
                        var (status17, item) = await client.GetAsync($"/api/groups/item/features?itemId={itemId}&names=dayBids&window=day&at={dayAt}", cancellationToken);
                        if (status17 == 200 && Number(item, "dayBids") is { } bids) samples.Add(new Sample("q17", (auction, day), (long)bids, Stopwatch.GetTimestamp()));
                    }
                    var (status15, global) = await client.GetAsync($"/api/groups/global/features?names=dayBids&window=day&at={dayAt}", cancellationToken);
                    // Nothing readable yet (404) serves 0 bids, no maximum.
                    if (status15 is 200 or 404) samples.Add(new Sample("q15", day, (long)(Number(global, "dayBids") ?? 0), Stopwatch.GetTimestamp()));
                    var (status7, max) = await client.GetAsync($"/api/groups/global/features?names=maxPrice&window=hour&at={at}", cancellationToken);
                    if (status7 is 200 or 404) samples.Add(new Sample("q7", hour, (long)(Number(max, "maxPrice") ?? long.MinValue), Stopwatch.GetTimestamp()));
                    await Task.Delay(SampleEvery, cancellationToken);
                }
            });
        await sending;
        var lastAccepted = acknowledged.Max();

        var staleness = new Dictionary<string, (double, double, int)>();
        foreach (var group in samples.GroupBy(x => x.Answer))
        {
            var ms = group.Select(x => (x.Answer switch
            {
                "q5" => hourBids.CountStaleness(((long, DateTimeOffset))x.Key, x.Served, x.ReadAt, acknowledged),
                "q17" => dayBids.CountStaleness(((long, DateTimeOffset))x.Key, x.Served, x.ReadAt, acknowledged),
                "q15" => daily.CountStaleness((DateTimeOffset)x.Key, x.Served, x.ReadAt, acknowledged),
                _ => hourMax.MaximumStaleness((DateTimeOffset)x.Key, x.Served, x.ReadAt, acknowledged),
            }).TotalMilliseconds).Order().ToList();
            staleness[group.Key] = (Percentile(ms, 0.50), Percentile(ms, 0.99), ms.Count);
        }

        // After the stream: read each answer until it equals the brute force (or the timeout); its last reading counts.
        var checks = new NexmarkChecks(client, answers);
        var final = new Dictionary<string, double?>();
        var outcomes = new Dictionary<string, IReadOnlyList<string?>>();
        await AnsiConsole.Status().StartAsync("Waiting for the answers to be final…", async _ =>
        {
            var deadline = Stopwatch.GetTimestamp() + (long)(FinalTimeout.TotalSeconds * Stopwatch.Frequency);
            while (true)
            {
                foreach (var a in Answers.Where(a => !final.ContainsKey(a)))
                {
                    outcomes[a] = await checks.RunAsync(a, cancellationToken);
                    if (outcomes[a].All(f => f is null)) final[a] = (Stopwatch.GetTimestamp() - lastAccepted) * 1000.0 / Stopwatch.Frequency;
                }
                if (final.Count == Answers.Length || Stopwatch.GetTimestamp() > deadline) break;
                await Task.Delay(250, cancellationToken);
            }
        });
        var outcome = outcomes.SelectMany(o => o.Value.Select(f => (Answer: o.Key, Failure: f))).ToList();
        var seconds = Math.Max(processedSeconds, 1e-9);
        return new Result(events, seed, events / seconds, events / Math.Max(cpuProcessed.TotalSeconds, 1e-9), cpuProcessed.TotalSeconds, seconds,
            staleness, final, outcome.Count(o => o.Failure is null), outcome.Count, outcome.Where(o => o.Failure is not null).Select(o => $"{o.Answer}: {o.Failure}").ToList());
    }

    internal static double? Number(JsonElement view, string feature) =>
        view.ValueKind == JsonValueKind.Object && view.TryGetProperty("features", out var features) && features.ValueKind == JsonValueKind.Object && features.TryGetProperty(feature, out var v) && v.ValueKind == JsonValueKind.Number ? v.GetDouble() : null;

    private static double Percentile(List<double> sorted, double p) => sorted.Count == 0 ? 0 : sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(p * sorted.Count) - 1)];
}

/// <summary>
/// The bench's checks: each answer of q5 (every hour's top 10 of the declared leaderboard), q7 (every minute's and
/// hour's highest bid), q15 (every day's bids by band, distinct bidders and auctions) and q17 (the 25 auction-days with
/// the most bids and 25 spread over the rest, every figure) read from the host and compared with the brute force.
/// </summary>
internal sealed class NexmarkChecks(HostClient client, NexmarkAnswers answers)
{
    /// <summary>The checks of one answer (q5, q7, q15 or q17): null for each that passed, else what differed.</summary>
    public Task<IReadOnlyList<string?>> RunAsync(string answer, CancellationToken cancellationToken) => answer switch
    {
        "q5" => Q5Async(cancellationToken),
        "q7" => Q7Async(cancellationToken),
        "q15" => Q15Async(cancellationToken),
        "q17" => Q17Async(cancellationToken),
        _ => throw new ArgumentOutOfRangeException(nameof(answer), answer, "q5, q7, q15 or q17"),
    };

    private async Task<IReadOnlyList<string?>> Q5Async(CancellationToken cancellationToken)
    {
        var results = new List<string?>();
        foreach (var hour in answers.Hours)
        {
            var expected = answers.HotItems(hour, 10);
            var (status, board) = await client.GetAsync($"/api/leaderboards/hotItems?window=hour&at={At(hour)}&top=10", cancellationToken);
            var actual = status != 200 ? [] : board.GetProperty("entries").EnumerateArray()
                .Select(e => (e.GetProperty("key").GetProperty("itemId").GetString()!, (long)e.GetProperty("value").GetDouble())).ToList();
            results.Add(actual.SequenceEqual(expected) ? null : $"hour {hour:O}: expected {Describe(expected)}, got {Describe(actual)}");
        }
        return results;
    }

    private async Task<IReadOnlyList<string?>> Q7Async(CancellationToken cancellationToken)
    {
        var results = new List<string?>();
        foreach (var hour in answers.Hours) results.Add(await MaximumAsync("hour", hour, answers.MaxPriceInHour(hour), cancellationToken));
        foreach (var minute in answers.Minutes) results.Add(await MaximumAsync("minute", minute, answers.MaxPriceInMinute(minute), cancellationToken));
        return results;
    }

    private async Task<IReadOnlyList<string?>> Q15Async(CancellationToken cancellationToken)
    {
        var results = new List<string?>();
        foreach (var day in answers.Days)
        {
            var e = answers.Daily(day)!;
            var (_, view) = await client.GetAsync($"/api/groups/global/features?names=dayBids,dayBidsRank1,dayBidsRank2,dayBidsRank3,dayBidders,dayAuctions&window=day&at={At(day)}", cancellationToken);
            double? F(string name) => NexmarkBench.Number(view, name);
            results.Add((F("dayBids"), F("dayBidsRank1") ?? 0, F("dayBidsRank2") ?? 0, F("dayBidsRank3") ?? 0) == (e.Bids, e.Rank1, e.Rank2, e.Rank3) ? null
                : $"day {day:O} bids: expected {e.Bids} ({e.Rank1}/{e.Rank2}/{e.Rank3}), got {F("dayBids")} ({F("dayBidsRank1")}/{F("dayBidsRank2")}/{F("dayBidsRank3")})");
            results.Add(Within(F("dayBidders"), e.Bidders) ? null : $"day {day:O} bidders: expected {e.Bidders} ±{NexmarkBench.DistinctTolerance:P1}, got {F("dayBidders")}");
            results.Add(Within(F("dayAuctions"), e.Auctions) ? null : $"day {day:O} auctions: expected {e.Auctions} ±{NexmarkBench.DistinctTolerance:P1}, got {F("dayAuctions")}");
        }
        return results;
    }

    private async Task<IReadOnlyList<string?>> Q17Async(CancellationToken cancellationToken)
    {
        var results = new List<string?>();
        var pairs = answers.AuctionDays.ToList();
        var sampled = pairs.Take(NexmarkBench.SampledAuctionDays / 2)
            .Concat(pairs.Skip(NexmarkBench.SampledAuctionDays / 2).Where((_, i) => i % Math.Max(1, (pairs.Count - NexmarkBench.SampledAuctionDays / 2) / (NexmarkBench.SampledAuctionDays / 2)) == 0).Take(NexmarkBench.SampledAuctionDays / 2));
        foreach (var (auction, day) in sampled)
        {
            var e = answers.AuctionDaily(auction, day)!;
            var (status, view) = await client.GetAsync($"/api/groups/item/features?itemId={NexmarkContract.ItemIdOf(auction)}&names=dayBids,dayBidsRank1,dayBidsRank2,dayBidsRank3,dayMinPrice,dayMaxPrice,dayAvgPrice,daySumPrice&window=day&at={At(day)}", cancellationToken);
            double? F(string name) => status == 200 ? NexmarkBench.Number(view, name) : null;
            var ok = F("dayBids") == e.Bids && (F("dayBidsRank1") ?? 0) == e.Rank1 && (F("dayBidsRank2") ?? 0) == e.Rank2 && (F("dayBidsRank3") ?? 0) == e.Rank3
                && F("dayMinPrice") == e.MinPrice && F("dayMaxPrice") == e.MaxPrice && F("daySumPrice") == e.SumPrice
                && F("dayAvgPrice") is { } avg && Math.Abs(avg - e.AvgPrice) <= 1e-9 * Math.Max(1, e.AvgPrice);
            results.Add(ok ? null
                : $"{NexmarkContract.ItemIdOf(auction)} {day:yyyy-MM-dd}: expected {e}, got bids {F("dayBids")} ({F("dayBidsRank1")}/{F("dayBidsRank2")}/{F("dayBidsRank3")}), min {F("dayMinPrice")}, max {F("dayMaxPrice")}, avg {F("dayAvgPrice")}, sum {F("daySumPrice")}");
        }
        return results;
    }

    private async Task<string?> MaximumAsync(string unit, DateTimeOffset tile, long? expected, CancellationToken cancellationToken)
    {
        var (_, view) = await client.GetAsync($"/api/groups/global/features?names=maxPrice&window={unit}&at={At(tile)}", cancellationToken);
        var actual = NexmarkBench.Number(view, "maxPrice");
        return actual == expected ? null : $"{unit} {tile:O}: expected {expected}, got {actual?.ToString(CultureInfo.InvariantCulture) ?? "nothing"}";
    }

    private static bool Within(double? actual, long expected) =>
        actual is { } a && Math.Abs(a - expected) <= NexmarkBench.DistinctTolerance * expected;

    /// <summary>A time inside the tile (its start plus one second), for ?at=.</summary>
    internal static string At(DateTimeOffset tile) => Uri.EscapeDataString(tile.AddSeconds(1).ToString("O", CultureInfo.InvariantCulture));

    private static string Describe(IEnumerable<(string ItemId, long Bids)> entries) =>
        "[" + string.Join(", ", entries.Select(e => $"{e.ItemId}:{e.Bids}")) + "]";
}
