namespace TreasureHunt.Pipeline.Processing;

/// <summary>What processing one partition batch did; logged as one structured line per batch.</summary>
public sealed record BatchSummary(
    string PartitionId,
    long FirstSequenceNumber,
    long LastSequenceNumber,
    int Messages,
    int SkippedAlreadyProcessed,
    int Applied,
    int AlreadyApplied,
    int Duplicates,
    int Late,
    int DeadLettered,
    int UsersWritten,
    int RollupSignals,
    TimeSpan Duration,
    int Parked = 0)
{
    /// <summary>How many times a per-user cap dropped something in this batch (decayed-sum keys over topN, event ids at the delivery cap).</summary>
    public long CapsReached { get; init; }
}
