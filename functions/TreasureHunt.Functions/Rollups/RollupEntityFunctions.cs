using Microsoft.Azure.Functions.Worker;
using TreasureHunt.Core.Rollups;
using TreasureHunt.Pipeline.Entities;

namespace TreasureHunt.Functions.Rollups;

/// <summary>The durable entities: the host-independent entity classes of the pipeline, dispatched by the Functions host.</summary>
public static class RollupEntityFunctions
{
    [Function(RollupEntityNames.ItemShard)]
    public static Task ItemShard([EntityTrigger] TaskEntityDispatcher dispatcher) => dispatcher.DispatchAsync<ItemShardEntity>();

    [Function(RollupEntityNames.GlobalTotals)]
    public static Task GlobalTotals([EntityTrigger] TaskEntityDispatcher dispatcher) => dispatcher.DispatchAsync<GlobalTotalsEntity>();
}
