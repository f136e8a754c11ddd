using System.Text.Json;
using TreasureHunt.Core.Rollups;

namespace TreasureHunt.Local.EventLog;

/// <summary>
/// The local stand-in for Event Hubs: N durable partitions under a folder (files <c>p{n}.log</c> plus
/// <c>meta.json</c> fixing the partition count). Messages are partitioned by a stable hash of their userId when
/// they parse far enough to have one, otherwise round robin — as a producer using userId as partition key would.
/// </summary>
internal sealed class LocalEventLog : IDisposable
{
    private readonly LogPartition[] _partitions;
    private long _roundRobin;

    public LocalEventLog(string folder, int partitionCount)
    {
        Directory.CreateDirectory(folder);
        var metaPath = Path.Combine(folder, "meta.json");
        if (File.Exists(metaPath))
        {
            var stored = JsonSerializer.Deserialize<LogMeta>(File.ReadAllText(metaPath))!;
            if (stored.Partitions != partitionCount)
            {
                throw new InvalidOperationException(
                    $"The event log in {folder} has {stored.Partitions} partitions, not {partitionCount}. Use --partitions {stored.Partitions}, or delete the folder to start over.");
            }
        }
        else
        {
            File.WriteAllText(metaPath, JsonSerializer.Serialize(new LogMeta(partitionCount)));
        }
        _partitions = Enumerable.Range(0, partitionCount)
            .Select(i => new LogPartition(i.ToString(System.Globalization.CultureInfo.InvariantCulture), Path.Combine(folder, $"p{i}.log")))
            .ToArray();
    }

    public IReadOnlyList<LogPartition> Partitions => _partitions;

    public long TotalMessages => _partitions.Sum(p => p.NextSequenceNumber);

    /// <summary>Appends messages (each stored exactly as received) and returns once all are durable.</summary>
    public async Task AppendAsync(IReadOnlyList<ReadOnlyMemory<byte>> messages, DateTimeOffset enqueued, CancellationToken cancellationToken)
    {
        var byPartition = new List<ReadOnlyMemory<byte>>[_partitions.Length];
        foreach (var message in messages)
        {
            var partition = PartitionOf(message.Span);
            (byPartition[partition] ??= []).Add(message);
        }
        await Task.WhenAll(byPartition.Select((list, i) => list is null ? Task.CompletedTask : _partitions[i].AppendAsync(list, enqueued, cancellationToken)));
    }

    private int PartitionOf(ReadOnlySpan<byte> message) =>
        UserIdReader.TryRead(message, out var userId)
            ? PartitionOf(userId, _partitions.Length)
            : (int)(Interlocked.Increment(ref _roundRobin) % _partitions.Length);

    /// <summary>The partition of a message whose partition key is <paramref name="userId"/>, out of
    /// <paramref name="partitionCount"/>: the one definition the log and the benchmark's store-write floor
    /// (<c>TrafficFloor</c> in infra/TreasureHunt.Tools) share.</summary>
    public static int PartitionOf(ReadOnlySpan<char> userId, int partitionCount) =>
        (int)(ShardRouting.StableHash(userId) % (uint)partitionCount);

    public void Dispose()
    {
        foreach (var p in _partitions) p.Dispose();
    }

    private sealed record LogMeta(int Partitions);
}
