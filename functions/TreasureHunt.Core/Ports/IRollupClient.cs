using TreasureHunt.Core.Rollups;

namespace TreasureHunt.Core.Ports;

/// <summary>Signals and reads the rollup entities (Durable Functions entities in Azure, DurableTask.Core entities locally).</summary>
public interface IRollupClient
{
    /// <summary>Sends one signal per shard and one to the global entity. Throws when a signal could not be sent.</summary>
    Task SignalAsync(RollupSignals signals, CancellationToken cancellationToken);

    /// <summary>The state of the item shard entity with this key (<see cref="ShardRouting.ShardKey"/>), or null.</summary>
    Task<ItemShardState?> GetShardAsync(string shardKey, CancellationToken cancellationToken);

    Task<GlobalTotalsState?> GetGlobalAsync(CancellationToken cancellationToken);
}
