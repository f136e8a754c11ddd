using DurableTask.Core;
using DurableTask.Core.Entities;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Converters;
using TreasureHunt.Core.Ports;
using TreasureHunt.Core.Rollups;
using TreasureHunt.Pipeline.Entities;

namespace TreasureHunt.LocalEntities;

/// <summary>
/// <see cref="IRollupClient"/> over DurableTask.Core: one-way entity signals (operation <c>apply</c>) sent straight to
/// the task hub's control queues, and state reads through the backend's entity queries. Serializes with the same
/// <see cref="DataConverter"/> the SDK shim in <see cref="LocalEntityHost"/> deserializes with. Thread-safe.
/// Does not meter signals (the caller does). Prefer <see cref="LocalEntityHost.CreateClient"/>: sending through the
/// host's own service instance wakes its queue poller (~20-50 ms from signal to readable state); a client on another
/// service instance or process waits for the next poll (up to the host's MaxQueuePollingInterval).
/// </summary>
public sealed class DtfxRollupClient : IRollupClient
{
    private readonly IOrchestrationServiceClient _serviceClient;
    private readonly EntityBackendQueries _queries;
    private readonly DataConverter _converter;

    public DtfxRollupClient(IOrchestrationServiceClient serviceClient, IEntityOrchestrationService entityService, DataConverter? dataConverter = null)
    {
        ArgumentNullException.ThrowIfNull(serviceClient);
        ArgumentNullException.ThrowIfNull(entityService);
        _serviceClient = serviceClient;
        _queries = entityService.EntityBackendQueries
            ?? throw new ArgumentException("The orchestration service does not support entity queries.", nameof(entityService));
        _converter = dataConverter ?? JsonDataConverter.Default;
    }

    public static EntityId ShardEntity(string shardKey) => new(RollupEntityNames.ItemShard, shardKey);

    public static EntityId GlobalEntity { get; } = new(RollupEntityNames.GlobalTotals, RollupEntityNames.GlobalKey);

    public Task SignalAsync(RollupSignals signals, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(signals);
        cancellationToken.ThrowIfCancellationRequested();
        var sends = new List<Task>(signals.Count);
        foreach (var (shard, signal) in signals.Shards)
        {
            sends.Add(SendAsync(ShardEntity(shard), ItemShardEntity.ApplyOperation, signal));
        }
        sends.Add(SendAsync(GlobalEntity, GlobalTotalsEntity.ApplyOperation, signals.Global));
        return Task.WhenAll(sends);
    }

    public async Task<ItemShardState?> GetShardAsync(string shardKey, CancellationToken cancellationToken) =>
        Deserialize<ItemShardState>(await ReadStateAsync(ShardEntity(shardKey), cancellationToken).ConfigureAwait(false));

    public async Task<GlobalTotalsState?> GetGlobalAsync(CancellationToken cancellationToken) =>
        Deserialize<GlobalTotalsState>(await ReadStateAsync(GlobalEntity, cancellationToken).ConfigureAwait(false));

    /// <summary>The entity's serialized state, or null when the entity does not exist (never signalled, or deleted).</summary>
    public async Task<string?> ReadStateAsync(EntityId id, CancellationToken cancellationToken)
    {
        var metadata = await _queries.GetEntityAsync(id, includeState: true, includeStateless: false, cancellationToken).ConfigureAwait(false);
        return metadata?.SerializedState;
    }

    private Task SendAsync(EntityId id, string operation, object input)
    {
        var target = new OrchestrationInstance { InstanceId = id.ToString() };
        var message = ClientEntityHelpers.EmitOperationSignal(target, Guid.NewGuid(), operation, _converter.Serialize(input), null);
        return _serviceClient.SendTaskOrchestrationMessageAsync(message.AsTaskMessage());
    }

    private T? Deserialize<T>(string? serialized) where T : class =>
        serialized is null ? null : (T?)_converter.Deserialize(serialized, typeof(T));
}
