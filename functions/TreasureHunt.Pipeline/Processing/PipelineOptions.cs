namespace TreasureHunt.Pipeline.Processing;

/// <summary>Batch processing settings, bound from the configuration section <c>Pipeline</c>.</summary>
public sealed class PipelineOptions
{
    public const string Section = "Pipeline";

    /// <summary>How many user aggregates of one batch are written concurrently.</summary>
    public int MaxParallelUserWrites { get; set; } = 32;

    /// <summary>How many times a batch is recomputed when another writer moved the partition's progress under it.</summary>
    public int MaxProgressConflicts { get; set; } = 5;
}
