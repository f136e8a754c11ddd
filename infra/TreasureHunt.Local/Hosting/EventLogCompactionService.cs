using System.Collections.Concurrent;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using TreasureHunt.Local.EventLog;

namespace TreasureHunt.Local.Hosting;

/// <summary>
/// Compacts the local event log after erasures (<see cref="ErasureCompaction"/>): the partition pumps request a
/// partition's compaction when a batch with an erase control message is checkpointed, and once at start-up (an erasure
/// applied before a crash is compacted then). Requests are coalesced: each partition is rewritten at most once per
/// <see cref="LocalHostOptions.LogCompactionIntervalSeconds"/>, whatever the number of erasures, so the cost under load
/// is bounded by the log's size, not by the erasure rate.
/// </summary>
internal sealed class EventLogCompactionService(
    LocalEventLog log,
    IOptions<LocalHostOptions> options,
    TimeProvider time,
    ILogger<EventLogCompactionService> logger) : BackgroundService
{
    private readonly ConcurrentDictionary<string, long> _requested = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _signal = new(0, int.MaxValue);

    /// <summary>Asks for the partition's compaction through the erase control messages up to <paramref name="processedThrough"/> (its checkpoint).</summary>
    public void Request(string partitionId, long processedThrough)
    {
        if (processedThrough < 0) return;
        _requested.AddOrUpdate(partitionId, processedThrough, (_, before) => Math.Max(before, processedThrough));
        _signal.Release();
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var interval = TimeSpan.FromSeconds(options.Value.LogCompactionIntervalSeconds);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await _signal.WaitAsync(stoppingToken);
                while (_signal.Wait(0, CancellationToken.None)) { } // one pass serves every request made so far
                foreach (var partition in log.Partitions)
                {
                    if (!_requested.TryRemove(partition.PartitionId, out var through)) continue;
                    var started = time.GetTimestamp();
                    var result = await ErasureCompaction.CompactAsync(partition, through, stoppingToken);
                    if (result.Removed > 0)
                    {
                        logger.LogInformation("Partition {PartitionId}: event log compacted in {Ms:N0} ms: {Removed} records of {Erasures} erased users removed, {Bytes} bytes freed",
                            partition.PartitionId, time.GetElapsedTime(started).TotalMilliseconds, result.Removed, result.Erasures, result.BytesFreed);
                    }
                }
                await Task.Delay(interval, time, stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception e)
            {
                // The old file is intact (the rename is the last step); the partition's next erasure or start-up asks again.
                logger.LogWarning(e, "Event log compaction failed; retrying at the next request");
                await Task.Delay(interval, time, stoppingToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
        }
    }

    public override void Dispose()
    {
        _signal.Dispose();
        base.Dispose();
    }
}
