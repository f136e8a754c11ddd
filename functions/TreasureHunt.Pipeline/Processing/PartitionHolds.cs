using System.Collections.Concurrent;
using System.Diagnostics.Metrics;

namespace TreasureHunt.Pipeline.Processing;

/// <summary>
/// Which partitions are held now (their batch failed with a retried error), since when, how many attempts and the last
/// error; read by readiness, <c>th status</c> and the metrics (<c>th.partitions.held</c>,
/// <c>th.partitions.held.max_seconds</c>, <c>th.batches.retried</c>). One entry per owned partition.
/// </summary>
public sealed class PartitionHolds : IDisposable
{
    public const string MeterName = "TreasureHunt.Pipeline";

    private readonly ConcurrentDictionary<string, Hold> _holds = new(StringComparer.Ordinal);
    private readonly TimeProvider _time;
    private readonly Meter _meter;
    private readonly Counter<long> _retries;
    private long _totalRetries;
    private long _totalParked;
    private double _longestHoldSeconds;

    public PartitionHolds(TimeProvider time, IMeterFactory? meterFactory = null)
    {
        _time = time;
        _meter = meterFactory?.Create(MeterName) ?? new Meter(MeterName);
        _retries = _meter.CreateCounter<long>("th.batches.retried", unit: "{attempt}", description: "Failed batch attempts (the batch is retried, never skipped)");
        _meter.CreateObservableGauge("th.partitions.held", () => _holds.Count, unit: "{partition}", description: "Partitions whose current batch is failing and being retried");
        _meter.CreateObservableGauge("th.partitions.held.max_seconds", () => LongestCurrentHold().TotalSeconds, unit: "s", description: "How long the longest-held partition has been held");
    }

    /// <summary>A failed attempt of the partition's current batch: starts (or continues) the hold.</summary>
    public void Failed(string partitionId, long firstSequenceNumber, Exception error)
    {
        var now = _time.GetUtcNow();
        _holds.AddOrUpdate(partitionId,
            _ => new Hold(partitionId, firstSequenceNumber, now, 1, Describe(error), now),
            (_, h) => h with { FirstSequenceNumber = firstSequenceNumber, Attempts = h.Attempts + 1, LastError = Describe(error), LastAttempt = now });
        Interlocked.Increment(ref _totalRetries);
        _retries.Add(1, new KeyValuePair<string, object?>("partition", partitionId));
    }

    /// <summary>The partition's batch succeeded: the hold (if any) ends.</summary>
    public void Released(string partitionId)
    {
        if (_holds.TryRemove(partitionId, out var hold))
        {
            var seconds = (_time.GetUtcNow() - hold.Since).TotalSeconds;
            InterlockedMax(ref _longestHoldSeconds, seconds);
        }
    }

    public void Parked(string reasonCode, int count)
    {
        if (count <= 0) return;
        Interlocked.Add(ref _totalParked, count);
    }

    /// <summary>The partitions held now, longest first.</summary>
    public IReadOnlyList<HeldPartition> Current()
    {
        var now = _time.GetUtcNow();
        return _holds.Values
            .Select(h => new HeldPartition(h.PartitionId, h.FirstSequenceNumber, h.Since.UtcDateTime, (now - h.Since).TotalSeconds, h.Attempts, h.LastError))
            .OrderByDescending(h => h.HeldSeconds).ToList();
    }

    /// <summary>Totals since start: failed attempts, messages parked, and the longest hold that ended.</summary>
    public HoldTotals Totals() => new(Interlocked.Read(ref _totalRetries), Interlocked.Read(ref _totalParked),
        Math.Max(Volatile.Read(ref _longestHoldSeconds), LongestCurrentHold().TotalSeconds));

    public TimeSpan LongestCurrentHold()
    {
        var now = _time.GetUtcNow();
        var longest = TimeSpan.Zero;
        foreach (var h in _holds.Values)
        {
            if (now - h.Since > longest) longest = now - h.Since;
        }
        return longest;
    }

    public void Dispose() => _meter.Dispose();

    private static string Describe(Exception e)
    {
        var text = $"{e.GetType().Name}: {e.Message}";
        return text.Length <= 300 ? text : text[..300];
    }

    private static void InterlockedMax(ref double target, double value)
    {
        var current = Volatile.Read(ref target);
        while (value > current)
        {
            var seen = Interlocked.CompareExchange(ref target, value, current);
            if (seen == current) return;
            current = seen;
        }
    }

    private sealed record Hold(string PartitionId, long FirstSequenceNumber, DateTimeOffset Since, int Attempts, string LastError, DateTimeOffset LastAttempt);
}

/// <summary>A held partition: its batch starting at <see cref="FirstSequenceNumber"/> has failed <see cref="Attempts"/> times since <see cref="Since"/>.</summary>
public sealed record HeldPartition(string PartitionId, long FirstSequenceNumber, DateTime Since, double HeldSeconds, int Attempts, string LastError);

/// <summary>Since the process started: failed batch attempts, messages parked, the longest hold (seconds).</summary>
public sealed record HoldTotals(long Retries, long Parked, double LongestHoldSeconds);
