using Microsoft.DurableTask.Entities;
using TreasureHunt.Core.Rollups;

namespace TreasureHunt.Pipeline.Entities;

/// <summary>Stream-wide totals (entity name <c>globaltotals</c>, key <c>all</c>). Host-independent, like <see cref="ItemShardEntity"/>.</summary>
public sealed class GlobalTotalsEntity : TaskEntity<GlobalTotalsState>
{
    public const string ApplyOperation = "apply";

    public bool Apply(GlobalTotalsSignal signal) => State.Apply(signal);

    public GlobalTotalsState Get() => State;

    protected override GlobalTotalsState InitializeState(TaskEntityOperation entityOperation) => new();
}
