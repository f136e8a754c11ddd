namespace TreasureHunt.Core.Rollups;

/// <summary>A batch would advance a partition's progress over sequence numbers that were never applied nor parked.</summary>
internal sealed class SequenceGapException(string partitionId, long from, long to)
    : InvalidOperationException($"partition {partitionId}: sequence numbers {from}..{to} were neither applied nor parked; refusing to advance the progress over them")
{
    public string PartitionId { get; } = partitionId;
    public long From { get; } = from;
    public long To { get; } = to;
}
