using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Microsoft.DurableTask.Client.Entities;
using Microsoft.DurableTask.Entities;
using Microsoft.Extensions.Options;
using Moq;
using TreasureHunt.Core.Rollups;
using TreasureHunt.Pipeline.Entities;

namespace TreasureHunt.Functions.Tests.Fakes;

/// <summary>
/// A durable entity backend in memory: signals run the real entity classes at once (one at a time, like an entity's
/// single-threaded execution) against JSON-kept state; reads return that state.
/// </summary>
public sealed class InMemoryEntityClient(RollupOptions? options = null) : DurableEntityClient("in-memory")
{
    private readonly Lock _lock = new();
    private readonly Dictionary<EntityInstanceId, FakeEntityState> _states = [];
    private readonly RollupOptions _options = options ?? new RollupOptions();

    public List<(EntityInstanceId Id, string Operation, object? Input)> Signals { get; } = [];

    /// <summary>A <see cref="DurableTaskClient"/> whose <c>Entities</c> is this backend.</summary>
    public DurableTaskClient AsClient()
    {
        var client = new Mock<DurableTaskClient>("in-memory");
        client.SetupGet(c => c.Entities).Returns(this);
        return client.Object;
    }

    public object? Run(EntityInstanceId id, string operation, object? input = null)
    {
        lock (_lock)
        {
            if (!_states.TryGetValue(id, out var state))
            {
                _states[id] = state = new FakeEntityState();
            }
            ITaskEntity entity = id.Name switch
            {
                RollupEntityNames.ItemShard => new ItemShardEntity(Options.Create(_options)),
                RollupEntityNames.GlobalTotals => new GlobalTotalsEntity(),
                _ => throw new InvalidOperationException($"unknown entity {id}"),
            };
            return entity.RunAsync(new FakeEntityOperation(operation, input, new FakeEntityContext(id), state)).AsTask().GetAwaiter().GetResult();
        }
    }

    public override Task SignalEntityAsync(EntityInstanceId id, string operationName, object? input = null, SignalEntityOptions? options = null, CancellationToken cancellation = default)
    {
        lock (_lock)
        {
            Signals.Add((id, operationName, input));
            Run(id, operationName, input);
        }
        return Task.CompletedTask;
    }

    public override Task<EntityMetadata<T>?> GetEntityAsync<T>(EntityInstanceId id, bool includeState = true, CancellationToken cancellation = default)
    {
        lock (_lock)
        {
            return Task.FromResult(_states.TryGetValue(id, out var state) && state.HasState
                ? new EntityMetadata<T>(id, (T)state.GetState(typeof(T))!)
                : null);
        }
    }

    public override Task<EntityMetadata?> GetEntityAsync(EntityInstanceId id, bool includeState = true, CancellationToken cancellation = default) =>
        throw new NotSupportedException();

    public override AsyncPageable<EntityMetadata> GetAllEntitiesAsync(EntityQuery? filter = null) => throw new NotSupportedException();

    public override AsyncPageable<EntityMetadata<T>> GetAllEntitiesAsync<T>(EntityQuery? filter = null) => throw new NotSupportedException();

    public override Task<CleanEntityStorageResult> CleanEntityStorageAsync(CleanEntityStorageRequest? request = null, bool continueUntilComplete = true, CancellationToken cancellation = default) =>
        throw new NotSupportedException();
}
