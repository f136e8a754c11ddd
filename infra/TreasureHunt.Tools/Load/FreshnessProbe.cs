using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;

namespace TreasureHunt.Tools.Load;

/// <summary>
/// Freshness of every served answer, enqueue to readable, from probe events sent beside a load (one probe user, each
/// probe a late view of its own item); p99 under load and "final within" after the stream stops.
/// How each answer shows a probe: docs/internals.md#freshness-probe.
/// </summary>
internal sealed class FreshnessProbe(HostClient client, string runId)
{
    /// <summary>Answers measured, in the order printed.</summary>
    public static readonly string[] Answers = ["profile", "totals", "itemStats", "leaderboards"];

    /// <summary>Older than the default definitions' shortest tile retention (<c>minute:120</c>) and within the item hour
    /// windows (48): late for the user, counted in its item's and its hour leaderboard's windows.</summary>
    public static readonly TimeSpan ProbeAge = TimeSpan.FromHours(3);

    /// <summary>How long each answer's poll loop waits after its previous round.</summary>
    public static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(200);

    /// <summary>Item reads per round, the probes read longest ago first: the probe's own load on the host stays under
    /// about 60 requests/s however many probes are outstanding (polling every outstanding item every 100 ms sent
    /// hundreds a second once answers lagged, and slowed the host it measured).</summary>
    public const int ItemReadsPerRound = 8;

    /// <summary>How long to wait for the last probe after the sending ended before giving up on an answer.</summary>
    public static readonly TimeSpan FinalTimeout = TimeSpan.FromSeconds(90);

    private readonly string _user = $"fresh-probe-{runId}";
    private readonly List<Probe> _probes = [];
    private readonly Lock _lock = new();
    private long _lateBaseline;
    private int _serial;

    private sealed class Probe(int number, string itemId, DateTimeOffset timestamp, long sentTicks)
    {
        public int Number { get; } = number;
        public string ItemId { get; } = itemId;
        public DateTimeOffset Timestamp { get; } = timestamp;
        public long SentTicks { get; } = sentTicks;
        public bool Final { get; init; }
        public Dictionary<string, long> ReadableMs { get; } = [];
        public long ItemReadTicks { get; set; }
    }

    /// <summary>Sends the anchor event and waits until the profile shows it; reads the totals' late baseline.</summary>
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await client.PostNdjsonAsync(Body($"{_user}-anchor", $"{_user}-anchor", "click", DateTimeOffset.UtcNow), cancellationToken);
        var deadline = Stopwatch.StartNew();
        while ((await client.GetAsync($"/api/users/{_user}/profile", cancellationToken)).Status != 200)
        {
            if (deadline.Elapsed > FinalTimeout) throw new TimeoutException("the freshness probe's anchor event never reached the profile");
            await Task.Delay(100, cancellationToken);
        }
        _lateBaseline = await LateAsync(cancellationToken);
    }

    /// <summary>Sends a probe every <paramref name="interval"/> and polls the answers until <paramref name="sendingEnded"/>
    /// completes; then sends the final probe and polls until every answer shows every probe (or <see cref="FinalTimeout"/>).</summary>
    public async Task<FreshnessResult> RunAsync(TimeSpan interval, Task sendingEnded, CancellationToken cancellationToken)
    {
        using var polling = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var poller = PollAsync(polling.Token);
        while (!sendingEnded.IsCompleted)
        {
            await SendAsync(final: false, cancellationToken);
            await Task.WhenAny(sendingEnded, Task.Delay(interval, cancellationToken));
        }
        var ended = Stopwatch.GetTimestamp();
        var last = await SendAsync(final: true, cancellationToken);
        // Until every probe, not only the last, is readable in every answer: an earlier probe whose read came just
        // before it turned readable would otherwise be left unmarked once the last one shows.
        var wait = Stopwatch.StartNew();
        while (wait.Elapsed < FinalTimeout && !AllReadable()) await Task.Delay(PollInterval, cancellationToken);
        await polling.CancelAsync();
        try { await poller; } catch (OperationCanceledException) { }

        lock (_lock)
        {
            var underLoad = _probes.Where(p => !p.Final).ToList();
            var p99 = Answers.ToDictionary(a => a, a => underLoad.Count == 0 || underLoad.Any(p => !p.ReadableMs.ContainsKey(a))
                ? (long?)null
                : Percentile(underLoad.Select(p => p.ReadableMs[a]).ToList(), 0.99));
            var final = Answers.ToDictionary(a => a, a => last.ReadableMs.TryGetValue(a, out var ms)
                ? (long?)(ms + (long)Stopwatch.GetElapsedTime(ended, last.SentTicks).TotalMilliseconds)
                : null);
            return new FreshnessResult(underLoad.Count, p99, final);
        }
    }

    private bool AllReadable()
    {
        lock (_lock) return _probes.TrueForAll(p => p.ReadableMs.Count == Answers.Length);
    }

    private async Task<Probe> SendAsync(bool final, CancellationToken cancellationToken)
    {
        var number = ++_serial;
        var timestamp = DateTimeOffset.UtcNow - ProbeAge;
        var itemId = $"{_user}-{number}";
        var probe = new Probe(number, itemId, timestamp, Stopwatch.GetTimestamp()) { Final = final };
        lock (_lock) _probes.Add(probe);
        await client.PostNdjsonAsync(Body($"{_user}-{number}", itemId, "view", timestamp), cancellationToken);
        return probe;
    }

    /// <summary>Polls each answer in a loop of its own, <see cref="PollInterval"/> after its previous round, so a slow
    /// answer does not stretch the others' polling interval. A probe is timed at the start of the read that showed it:
    /// late by at most its answer's polling period (item stats: one round per <see cref="ItemReadsPerRound"/> outstanding).</summary>
    private Task PollAsync(CancellationToken cancellationToken) => Task.WhenAll(
        PollLoopAsync("profile", PollProfileAsync, cancellationToken),
        PollLoopAsync("totals", PollTotalsAsync, cancellationToken),
        PollLoopAsync("itemStats", PollItemStatsAsync, cancellationToken),
        PollLoopAsync("leaderboards", PollLeaderboardsAsync, cancellationToken));

    private async Task PollLoopAsync(string answer, Func<List<Probe>, CancellationToken, Task> poll, CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            List<Probe> outstanding;
            lock (_lock) outstanding = _probes.Where(p => !p.ReadableMs.ContainsKey(answer)).ToList();
            if (outstanding.Count > 0) await poll(outstanding, cancellationToken);
            await Task.Delay(PollInterval, cancellationToken);
        }
    }

    // Counts applied in the probe partition's order: probes 1..n are readable. Each answer is timed at the start of the
    // read that showed it.
    private async Task PollProfileAsync(List<Probe> outstanding, CancellationToken cancellationToken)
    {
        var now = Stopwatch.GetTimestamp();
        var (status, profile) = await client.GetAsync($"/api/users/{_user}/profile", cancellationToken);
        if (status == 200) MarkThrough("profile", ViewCount(profile), outstanding, now);
    }

    private async Task PollTotalsAsync(List<Probe> outstanding, CancellationToken cancellationToken)
    {
        var now = Stopwatch.GetTimestamp();
        MarkThrough("totals", await LateAsync(cancellationToken) - _lateBaseline, outstanding, now);
    }

    private Task PollItemStatsAsync(List<Probe> outstanding, CancellationToken cancellationToken)
    {
        List<Probe> round;
        lock (_lock) round = [.. outstanding.OrderBy(p => p.ItemReadTicks).Take(ItemReadsPerRound)];
        return Parallel.ForEachAsync(round, new ParallelOptions { MaxDegreeOfParallelism = ItemReadsPerRound, CancellationToken = cancellationToken }, async (probe, ct) =>
        {
            var now = Stopwatch.GetTimestamp();
            lock (_lock) probe.ItemReadTicks = now;
            if ((await client.GetAsync($"/api/items/{probe.ItemId}/stats", ct)).Status == 200) Mark(probe, "itemStats", now);
        });
    }

    private async Task PollLeaderboardsAsync(List<Probe> outstanding, CancellationToken cancellationToken)
    {
        foreach (var hour in outstanding.GroupBy(p => HourOf(p.Timestamp)))
        {
            var now = Stopwatch.GetTimestamp();
            var at = Uri.EscapeDataString(hour.Key.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture));
            var (status, board) = await client.GetAsync($"/api/leaderboard?type=view&window=hour&at={at}&top=100", cancellationToken);
            if (status != 200) continue;
            var shown = board.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("itemId").GetString()).ToHashSet(StringComparer.Ordinal);
            foreach (var probe in hour.Where(p => shown.Contains(p.ItemId))) Mark(probe, "leaderboards", now);
        }
    }

    private void MarkThrough(string answer, long through, List<Probe> outstanding, long now)
    {
        foreach (var probe in outstanding.Where(p => p.Number <= through)) Mark(probe, answer, now);
    }

    private void Mark(Probe probe, string answer, long now)
    {
        lock (_lock) probe.ReadableMs.TryAdd(answer, (long)Stopwatch.GetElapsedTime(probe.SentTicks, now).TotalMilliseconds);
    }

    private async Task<long> LateAsync(CancellationToken cancellationToken)
    {
        var (status, totals) = await client.GetAsync("/api/totals", cancellationToken);
        return status == 200 ? totals.GetProperty("late").GetInt64() : 0;
    }

    private static long ViewCount(JsonElement profile) =>
        profile.GetProperty("totals").TryGetProperty("view", out var view) ? view.GetProperty("count").GetInt64() : 0;

    private static DateTimeOffset HourOf(DateTimeOffset t) => new(t.Year, t.Month, t.Day, t.Hour, 0, 0, TimeSpan.Zero);

    private byte[] Body(string eventId, string itemId, string type, DateTimeOffset timestamp) => Encoding.UTF8.GetBytes(JsonSerializer.Serialize(new Dictionary<string, object>
    {
        ["eventId"] = eventId, ["userId"] = _user, ["itemId"] = itemId, ["category"] = "caves", ["type"] = type, ["value"] = 1,
        ["timestamp"] = timestamp.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture),
    }) + "\n");

    private static long Percentile(List<long> values, double q)
    {
        values.Sort();
        return values[Math.Clamp((int)Math.Ceiling(q * values.Count) - 1, 0, values.Count - 1)];
    }
}

/// <summary>Probes measured under load, p99 ms from enqueue to readable per answer, and ms from the end of the sending
/// to the last probe being readable per answer (null: not readable within the probe's timeout).</summary>
internal sealed record FreshnessResult(int Probes, IReadOnlyDictionary<string, long?> P99Ms, IReadOnlyDictionary<string, long?> FinalWithinMs);
