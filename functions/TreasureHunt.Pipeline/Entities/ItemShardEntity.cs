using Microsoft.DurableTask.Entities;
using Microsoft.Extensions.Options;
using TreasureHunt.Core.Rollups;
using TreasureHunt.Pipeline.Telemetry;

namespace TreasureHunt.Pipeline.Entities;

/// <summary>
/// Item counters for one shard (entity name <c>itemshard</c>, key = shard number). The same class runs in the
/// Functions app (via <c>TaskEntityDispatcher</c>) and in the local host (DurableTask.Core through the SDK's shim):
/// it depends on no host. A redelivered signal (a sequence range already applied for its source partition) is ignored.
/// </summary>
public sealed class ItemShardEntity(IOptions<RollupOptions> options) : TaskEntity<ItemShardState>
{
    public const string ApplyOperation = "apply";

    public bool Apply(ItemShardSignal signal)
    {
        ArgumentNullException.ThrowIfNull(signal);
        var applied = State.Apply(signal, options.Value);
        if (applied && signal.SentAt is { } sentAt)
        {
            // Wall clock: the entity has no injected TimeProvider (the hosts construct it), and lag is an observation only.
            PipelineMetrics.RecordEntityLag(RollupEntityNames.ItemShard, signal.SourcePartition, sentAt, TimeProvider.System.GetUtcNow());
        }
        return applied;
    }

    public ItemShardState Get() => State;

    protected override ItemShardState InitializeState(TaskEntityOperation entityOperation) => new();
}
