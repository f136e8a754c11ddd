using System.ComponentModel.DataAnnotations;
using TreasureHunt.Core.Configuration;
using Microsoft.Extensions.Options;

namespace TreasureHunt.Pipeline.Processing;

/// <summary>Batch processing settings, bound from the configuration section <c>Pipeline</c>; validated at start-up by <see cref="PipelineOptionsValidator"/>.</summary>
public sealed class PipelineOptions
{
    public const string Section = "Pipeline";

    /// <summary>How many user aggregates of one batch are written concurrently when the store sends each write alone
    /// (<c>Cosmos:BulkExecution</c> off); with bulk execution all of a batch's users are submitted at once.</summary>
    [SettingRange(1, 1024, ErrorMessage = $"{Section}:MaxParallelUserWrites must be 1..1024.")]
    public int MaxParallelUserWrites { get; set; } = 32;

    /// <summary>How many times a batch is recomputed when another writer moved the partition's progress under it.</summary>
    [SettingRange(1, 1000, ErrorMessage = $"{Section}:MaxProgressConflicts must be 1..1000.")]
    public int MaxProgressConflicts { get; set; } = 5;

    /// <summary>
    /// How many erasures of one batch are applied concurrently (distinct users; one user's erasures stay in sequence
    /// order). Each erasure is a handful of store round trips, so this bounds the batch's erasure work to about
    /// ⌈erasures ÷ this⌉ of them.
    /// </summary>
    [SettingRange(1, 256, ErrorMessage = $"{Section}:MaxParallelErasures must be 1..256.")]
    public int MaxParallelErasures { get; set; } = 16;
}

/// <summary>Source-generated from the attributes of <see cref="PipelineOptions"/>.</summary>
[OptionsValidator]
internal sealed partial class PipelineOptionsValidator : IValidateOptions<PipelineOptions>;
