using Microsoft.DurableTask.Entities;
using TreasureHunt.Core.Rollups;
using TreasureHunt.Pipeline.Telemetry;

namespace TreasureHunt.Pipeline.Entities;

/// <summary>Stream-wide totals (entity name <c>globaltotals</c>, key <c>all</c>). Host-independent, like <see cref="ItemShardEntity"/>.</summary>
public sealed class GlobalTotalsEntity(PipelineMetrics metrics) : TaskEntity<GlobalTotalsState>
{
    public const string ApplyOperation = "apply";

    public bool Apply(GlobalTotalsSignal signal)
    {
        ArgumentNullException.ThrowIfNull(signal);
        var applied = State.Apply(signal);
        if (applied && signal.SentAt is { } sentAt)
        {
            metrics.RecordEntityLag(RollupEntityNames.GlobalTotals, signal.SourcePartition, sentAt, TimeProvider.System.GetUtcNow());
        }
        return applied;
    }

    public GlobalTotalsState Get() => State;

    protected override GlobalTotalsState InitializeState(TaskEntityOperation entityOperation) => new();
}
