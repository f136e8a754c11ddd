using System.Collections.Concurrent;
using TreasureHunt.Core.Rollups;

namespace TreasureHunt.Pipeline.Processing;

/// <summary>
/// What this process sent of each partition's sealed rollup: the last sealed range per (consumer group, partition)
/// whose signals all reached the task hub, with those signals. It lets the partition's next batch clear the sealed
/// delta in the write it does anyway, instead of a second progress write right after sending (at most one
/// progress write per batch). Losing it (a restart, a partition moving to another instance) only means the next
/// owner re-sends that range, which the entities ignore. Bounded: one entry per partition this process has flushed.
/// </summary>
public sealed class SentRollups
{
    private readonly ConcurrentDictionary<string, RollupSignals> _lastSent = new(StringComparer.Ordinal);

    /// <summary>Records that every signal of the sealed range ending at the signals' last sequence number was sent.</summary>
    public void Record(string consumerGroup, string partitionId, RollupSignals signals)
    {
        ArgumentNullException.ThrowIfNull(signals);
        _lastSent[PartitionProgress.IdOf(consumerGroup, partitionId)] = signals;
    }

    /// <summary>If this process sent the progress' sealed delta, clears it (in memory: the caller writes the document)
    /// and returns true.</summary>
    public bool ClearIfSent(PartitionProgress progress)
    {
        ArgumentNullException.ThrowIfNull(progress);
        if (progress.Sealed is not { } sealedDelta ||
            !_lastSent.TryGetValue(progress.Id, out var signals) ||
            signals.Global.LastSequenceNumber != sealedDelta.ToSequence)
        {
            return false;
        }
        progress.ClearSealed(sealedDelta.ToSequence, signals);
        return true;
    }
}
