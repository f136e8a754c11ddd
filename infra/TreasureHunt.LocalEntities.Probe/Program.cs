using System.Diagnostics;
using Microsoft.Extensions.Logging;
using TreasureHunt.Core.Rollups;
using TreasureHunt.LocalEntities;

var conn = "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==;BlobEndpoint=http://127.0.0.1:20000/devstoreaccount1;QueueEndpoint=http://127.0.0.1:20001/devstoreaccount1;TableEndpoint=http://127.0.0.1:20002/devstoreaccount1;";
var mode = args.Length > 0 ? args[0] : "all";
int pollMs = int.Parse(Environment.GetEnvironmentVariable("POLL_MS") ?? "100");
int partitions = int.Parse(Environment.GetEnvironmentVariable("PARTS") ?? "4");
using var lf = LoggerFactory.Create(b => b.AddSimpleConsole(o => o.SingleLine = true).SetMinimumLevel(LogLevel.Warning));
var options = new RollupOptions();
var hub = "probe" + Guid.NewGuid().ToString("N")[..12];
var sw = Stopwatch.StartNew();
await using var host = new LocalEntityHost(conn, hub, options, lf, partitions, TimeSpan.FromMilliseconds(pollMs), s =>
{
    if (Environment.GetEnvironmentVariable("EXT") == "1") { s.ExtendedSessionsEnabled = true; s.ExtendedSessionIdleTimeout = TimeSpan.FromSeconds(30); }
    if (Environment.GetEnvironmentVariable("CQB") is { } b) s.ControlQueueBatchSize = int.Parse(b);
    if (Environment.GetEnvironmentVariable("HUB") is { } h) s.TaskHubName = h;
});
if (mode != "sendonly") await host.StartAsync(default); else await host.Service.CreateIfNotExistsAsync();
Console.WriteLine($"hub {host.Settings.TaskHubName} ext={host.Settings.ExtendedSessionsEnabled} cqb={host.Settings.ControlQueueBatchSize} maxent={host.Settings.MaxConcurrentTaskEntityWorkItems} batch={host.Settings.MaxEntityOperationBatchSize} poll={pollMs}ms parts={partitions} started in {sw.ElapsedMilliseconds} ms");
var client = host.CreateClient();
var ct = CancellationToken.None;

static RollupSignals Flush(string partition, long seq, IEnumerable<int> shards, int perItem = 1)
{
    var delta = new RollupDelta { FromSequence = seq, ToSequence = seq, Messages = 1 };
    foreach (var s in shards)
    {
        var item = new ItemDelta();
        for (int k = 0; k < perItem; k++) item.Add(TreasureHunt.Core.Events.EventType.View, 1_700_000_000L / 3600 * 3600);
        delta.Shards[s] = new Dictionary<string, ItemDelta> { [$"item{s}"] = item };
        delta.Global.Events += perItem;
        delta.Global.ByType[0] += perItem;
    }
    return RollupSignals.From(partition, delta);
}

async Task<T> Until<T>(Func<Task<T>> read, Func<T, bool> done, int timeoutSec = 120)
{
    var w = Stopwatch.StartNew();
    while (true)
    {
        var v = await read();
        if (done(v)) return v;
        if (w.Elapsed > TimeSpan.FromSeconds(timeoutSec)) throw new TimeoutException("not reached: " + System.Text.Json.JsonSerializer.Serialize(v));
        await Task.Delay(10);
    }
}

Console.WriteLine($"missing shard -> {(await client.GetShardAsync(3, ct)) is null}, missing global -> {(await client.GetGlobalAsync(ct)) is null}");

if (mode is "all" or "latency")
{
    // warm-up
    await client.SignalAsync(Flush("warm", 1, [0]), ct);
    await Until(() => client.GetGlobalAsync(ct), g => g?.Watermarks.ContainsKey("warm") == true);
    var lat = new List<long>();
    for (int i = 1; i <= 20; i++)
    {
        await Task.Delay(Random.Shared.Next(0, 300)); // let the pollers back off
        var t = Stopwatch.StartNew();
        await client.SignalAsync(Flush("lat", i, [i % 16]), ct);
        var sent = t.ElapsedMilliseconds;
        await Until(() => client.GetGlobalAsync(ct), g => g != null && g.Watermarks.TryGetValue("lat", out var w) && w >= i);
        var g = t.ElapsedMilliseconds;
        await Until(() => client.GetShardAsync(i % 16, ct), s => s != null && s.Watermarks.TryGetValue("lat", out var w) && w >= i);
        lat.Add(t.ElapsedMilliseconds);
        if (i <= 3) Console.WriteLine($"  latency {i}: sent {sent} ms, global visible {g} ms, shard visible {t.ElapsedMilliseconds} ms");
    }
    lat.Sort();
    Console.WriteLine($"latency signal->visible (both entities): p50 {lat[lat.Count / 2]} ms, p90 {lat[(int)(lat.Count * 0.9)]} ms, max {lat[^1]} ms");
}

if (mode is "all" or "throughput")
{
    int flushes = 200;
    var t = Stopwatch.StartNew();
    await Parallel.ForEachAsync(Enumerable.Range(0, flushes), new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (i, c) =>
        await client.SignalAsync(Flush($"tp{i}", 1, [i % 16, (i + 4) % 16, (i + 8) % 16, (i + 12) % 16]), c));
    var sendMs = t.ElapsedMilliseconds;
    await Until(() => client.GetGlobalAsync(ct), g => g != null && g.Watermarks.Keys.Count(k => k.StartsWith("tp")) == flushes, 300);
    var globalMs = t.ElapsedMilliseconds;
    for (int s = 0; s < 16; s++)
        await Until(() => client.GetShardAsync(s, ct), st => st != null && st.Watermarks.Keys.Count(k => k.StartsWith("tp")) == flushes / 4, 300);
    var all = t.ElapsedMilliseconds;
    Console.WriteLine($"throughput: {flushes * 5} signals ({flushes} flushes x 5) sent in {sendMs} ms ({flushes * 5 * 1000.0 / sendMs:F0}/s sending), global done {globalMs} ms, all applied {all} ms => {flushes * 5 * 1000.0 / all:F0} signals/s end-to-end");
}

if (mode is "all" or "order")
{
    // sequential flushes from one partition, each awaited (as the pipeline does): are any lost by reordering?
    int n = 100;
    var t = Stopwatch.StartNew();
    for (int i = 1; i <= n; i++) await client.SignalAsync(Flush("ord", i, [5]), ct);
    var g = await Until(() => client.GetGlobalAsync(ct), g => g != null && g.Watermarks.TryGetValue("ord", out var w) && w >= n, 300);
    await Task.Delay(2000);
    g = await client.GetGlobalAsync(ct);
    var s5 = await client.GetShardAsync(5, ct);
    var baseEvents = 0L;
    Console.WriteLine($"order: {n} sequential flushes in {t.ElapsedMilliseconds} ms; shard5 item5 views={s5!.Items["item5"].Totals[0]} (includes other modes), global events={g!.Totals.Events} {baseEvents}");
}

if (mode is "sendonly")
{
    int flushes = 200;
    int dop = int.Parse(Environment.GetEnvironmentVariable("DOP") ?? "8");
    var t = Stopwatch.StartNew();
    await Parallel.ForEachAsync(Enumerable.Range(0, flushes), new ParallelOptions { MaxDegreeOfParallelism = dop }, async (i, c) =>
        await client.SignalAsync(Flush($"tp{i}", 1, [i % 16, (i + 4) % 16, (i + 8) % 16, (i + 12) % 16]), c));
    var sendMs = t.ElapsedMilliseconds;
    Console.WriteLine($"sendonly: 1000 signals sent in {sendMs} ms (dop {dop}, worker not running)");
    t.Restart();
    await host.StartAsync(default);
    await Until(() => client.GetGlobalAsync(ct), g => g != null && g.Watermarks.Keys.Count(k => k.StartsWith("tp")) == flushes, 300);
    for (int s = 0; s < 16; s++)
        await Until(() => client.GetShardAsync(s, ct), st => st != null && st.Watermarks.Keys.Count(k => k.StartsWith("tp")) == flushes / 4, 300);
    Console.WriteLine($"sendonly: then all applied {t.ElapsedMilliseconds} ms after start");
}

if (mode is "big")
{
    // large state: 5000 items in one shard
    var delta = new RollupDelta { FromSequence = 1, ToSequence = 1, Messages = 1 };
    var items = new Dictionary<string, ItemDelta>();
    for (int k = 0; k < 5000; k++) { var d = new ItemDelta(); d.Add(TreasureHunt.Core.Events.EventType.Click, 1_700_000_000L / 3600 * 3600); items[$"it{k:D5}"] = d; }
    delta.Shards[1] = items; delta.Global.Events = 5000;
    var t = Stopwatch.StartNew();
    await client.SignalAsync(RollupSignals.From("big", delta), ct);
    var s = await Until(() => client.GetShardAsync(1, ct), s => s != null && s.Watermarks.ContainsKey("big"));
    Console.WriteLine($"big: 5000 items visible after {t.ElapsedMilliseconds} ms; items={s!.Items.Count}");
}

sw.Restart();
await host.StopAsync();
Console.WriteLine($"stopped in {sw.ElapsedMilliseconds} ms");
await host.DeleteTaskHubAsync();
Console.WriteLine("deleted");
