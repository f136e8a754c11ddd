using System.Diagnostics;
using System.Threading.Channels;

namespace TreasureHunt.Tools.Load;

/// <summary>Result of pushing messages into the host.</summary>
internal sealed record LoadResult(long Sent, long Duplicates, long Bad, TimeSpan Elapsed)
{
    public double EventsPerSecond => Sent / Math.Max(Elapsed.TotalSeconds, 1e-9);
}

/// <summary>
/// Pushes generated traffic as NDJSON requests of <c>batchSize</c> messages, with a few requests in flight, at an
/// optional offered rate (token-bucket pacing per request). Reports progress through a callback; adds the user of
/// every valid, new event to <c>floor</c> (when given) in generation order — the send order, up to the few requests
/// in flight.
/// </summary>
internal static class LoadRunner
{
    public static async Task<LoadResult> RunAsync(HostClient client, EventGenerator generator, long events, double? ratePerSecond,
        Action<long> progress, CancellationToken cancellationToken, int batchSize = 1000, int inFlight = 4, TrafficFloor? floor = null)
    {
        var channel = Channel.CreateBounded<byte[]>(inFlight * 2);
        long sent = 0, duplicates = 0, bad = 0;
        var stopwatch = Stopwatch.StartNew();
        var producer = Task.Run(async () =>
        {
            try
            {
                long produced = 0;
                while (produced < events)
                {
                    var count = (int)Math.Min(batchSize, events - produced);
                    if (ratePerSecond is { } rate)
                    {
                        var due = TimeSpan.FromSeconds(produced / rate);
                        if (due > stopwatch.Elapsed) await Task.Delay(due - stopwatch.Elapsed, cancellationToken);
                    }
                    var now = DateTimeOffset.UtcNow;
                    var messages = new List<byte[]>(count);
                    for (var i = 0; i < count; i++)
                    {
                        var m = generator.Next(now);
                        if (m.IsDuplicate) duplicates++;
                        if (m.BadKind >= 0) bad++;
                        if (m.UserId is { } user) floor?.Add(user);
                        messages.Add(m.Body);
                    }
                    produced += count;
                    await channel.Writer.WriteAsync(Ndjson.Join(messages), cancellationToken);
                }
            }
            finally
            {
                channel.Writer.Complete();
            }
        }, cancellationToken);
        var senders = Enumerable.Range(0, inFlight).Select(_ => Task.Run(async () =>
        {
            await foreach (var body in channel.Reader.ReadAllAsync(cancellationToken))
            {
                progress(Interlocked.Add(ref sent, await client.PostNdjsonAsync(body, cancellationToken)));
            }
        }, cancellationToken));
        await Task.WhenAll(senders.Append(producer));
        return new LoadResult(sent, duplicates, bad, stopwatch.Elapsed);
    }
}
