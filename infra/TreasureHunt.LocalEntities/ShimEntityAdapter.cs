using DurableTask.Core;
using DurableTask.Core.Entities;
using DurableTask.Core.Entities.OperationFormat;
using Microsoft.DurableTask.Worker.Shims;
using SdkEntity = Microsoft.DurableTask.Entities.ITaskEntity;

namespace TreasureHunt.LocalEntities;

/// <summary>Runs an entity batch (<paramref name="batch"/>) for the entity named <paramref name="entityName"/>, doing something around it.</summary>
public delegate Task<EntityBatchResult> EntityBatchWrapper(string entityName, Func<Task<EntityBatchResult>> batch);

/// <summary>Told after each entity batch: the entity, how many operations it ran, the size of the state it saved
/// (serialized, characters of JSON) and how many signals it sent (the item shards' delayed self-signals).</summary>
public delegate void EntityBatchObserver(string entityName, string entityKey, int operations, int stateChars, int signalsSent);

/// <summary>
/// Runs a <c>Microsoft.DurableTask.Entities</c> entity (the SDK class the Functions app uses) as a DurableTask.Core
/// <see cref="TaskEntity"/>: each operation batch gets a fresh SDK entity from the factory, wrapped in the SDK's own
/// shim (<see cref="DurableTaskShimFactory.CreateEntity"/>), which deserializes the state and operation inputs with the
/// worker's <c>DataConverter</c>, dispatches operations to methods by name and serializes the state back.
/// Stateless and thread-safe: one instance serves every entity of its name, concurrently.
/// </summary>
/// <typeparam name="TEntity">The SDK entity class.</typeparam>
/// <param name="around">Optional wrapper around each batch (the local host records an entity invocation's cost with it).</param>
public sealed class ShimEntityAdapter<TEntity>(DurableTaskShimFactory shims, Func<TEntity> createEntity, EntityBatchWrapper? around = null, EntityBatchObserver? observer = null) : TaskEntity
    where TEntity : SdkEntity
{
    public override async Task<EntityBatchResult> ExecuteOperationBatchAsync(EntityBatchRequest operations)
    {
        ArgumentNullException.ThrowIfNull(operations);
        var id = EntityId.FromString(operations.InstanceId!);
        var shim = shims.CreateEntity(id.Name, createEntity(), id);
        var result = around is null ? await shim.ExecuteOperationBatchAsync(operations) : await around(id.Name, () => shim.ExecuteOperationBatchAsync(operations));
        observer?.Invoke(id.Name, id.Key, operations.Operations?.Count ?? 0, result.EntityState?.Length ?? 0, result.Actions?.Count ?? 0);
        return result;
    }

    /// <summary>The registration for <see cref="TaskHubWorker.AddTaskEntities(ObjectCreator{TaskEntity}[])"/>.</summary>
    public static ObjectCreator<TaskEntity> Registration(string entityName, DurableTaskShimFactory shims, Func<TEntity> createEntity, EntityBatchWrapper? around = null, EntityBatchObserver? observer = null) =>
        new NameValueObjectCreator<TaskEntity>(entityName, string.Empty, new ShimEntityAdapter<TEntity>(shims, createEntity, around, observer));
}
