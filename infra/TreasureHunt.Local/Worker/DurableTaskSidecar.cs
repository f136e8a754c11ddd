using DurableTask.Core;
using DurableTask.Core.Entities;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using P = Microsoft.DurableTask.Protobuf;

namespace TreasureHunt.Local.Worker;

/// <summary>The Durable Task backend behind the sidecar: the local host's DurableTask.Core + AzureStorage service on Azurite.</summary>
internal sealed record DurableTaskBackend(IOrchestrationServiceClient Client, IEntityOrchestrationService Entities);

/// <summary>
/// The part of the Durable Task sidecar (<c>TaskHubSidecarService</c>, protocol of <c>Microsoft.DurableTask.Grpc</c>)
/// that the worker's <c>DurableTaskClient</c> calls for entities: <c>SignalEntity</c> and <c>GetEntity</c>, answered
/// from the DurableTask.Core backend as the Durable Task extension's gRPC server answers them
/// (azure-functions-durable-extension src/WebJobs.Extensions.DurableTask/LocalGrpcListener.cs). Every other call is
/// UNIMPLEMENTED: the app runs no orchestrations.
/// </summary>
internal sealed class DurableTaskSidecar(DurableTaskBackend backend) : P.TaskHubSidecarService.TaskHubSidecarServiceBase
{
    public override Task<Empty> Hello(Empty request, ServerCallContext context) => Task.FromResult(new Empty());

    public override async Task<P.SignalEntityResponse> SignalEntity(P.SignalEntityRequest request, ServerCallContext context)
    {
        var target = new OrchestrationInstance { InstanceId = EntityIdOf(request.InstanceId).ToString() };
        var requestId = Guid.TryParse(request.RequestId, out var id) ? id : Guid.NewGuid();
        var message = ClientEntityHelpers.EmitOperationSignal(target, requestId, request.Name, request.Input, ScheduledTime(request.ScheduledTime));
        await backend.Client.SendTaskOrchestrationMessageAsync(message.AsTaskMessage());
        return new P.SignalEntityResponse();
    }

    public override async Task<P.GetEntityResponse> GetEntity(P.GetEntityRequest request, ServerCallContext context)
    {
        var queries = backend.Entities.EntityBackendQueries
            ?? throw new RpcException(new Status(StatusCode.FailedPrecondition, "The Durable Task backend does not support entity queries."));
        var metadata = await queries.GetEntityAsync(EntityIdOf(request.InstanceId), request.IncludeState, includeStateless: false, context.CancellationToken);
        if (metadata is not { } entity)
        {
            return new P.GetEntityResponse { Exists = false };
        }
        return new P.GetEntityResponse
        {
            Exists = true,
            Entity = new P.EntityMetadata
            {
                InstanceId = entity.EntityId.ToString(),
                LastModifiedTime = Timestamp.FromDateTime(DateTime.SpecifyKind(entity.LastModifiedTime, DateTimeKind.Utc)),
                BacklogQueueSize = entity.BacklogQueueSize,
                LockedBy = entity.LockedBy,
                SerializedState = request.IncludeState ? entity.SerializedState : null,
            },
        };
    }

    private static EntityId EntityIdOf(string instanceId)
    {
        try
        {
            return EntityId.FromString(instanceId);
        }
        catch (ArgumentException e)
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, $"'{instanceId}' is not an entity instance id (@name@key): {e.Message}"));
        }
    }

    private static (DateTime Original, DateTime Capped)? ScheduledTime(Timestamp? time) =>
        time is null ? null : (time.ToDateTime(), time.ToDateTime());
}
