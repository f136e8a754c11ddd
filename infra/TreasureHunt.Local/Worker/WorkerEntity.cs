using System.Text.Json.Nodes;
using DurableTask.Core;
using DurableTask.Core.Entities;
using DurableTask.Core.Entities.OperationFormat;
using Google.Protobuf;
using Dt = DurableTask.Core.Entities.OperationFormat;
using P = Microsoft.DurableTask.Protobuf;

namespace TreasureHunt.Local.Worker;

/// <summary>
/// A DurableTask.Core entity whose operation batches run in the worker: each batch goes to the worker's entity-triggered
/// function of the same name as an <c>EntityBatchRequest</c> (protobuf, base64, the trigger's input) and the
/// function's return value is the <c>EntityBatchResult</c> (azure-functions-durable-extension
/// src/Worker.Extensions.DurableTask/DurableTaskFunctionsMiddleware.cs RunEntityAsync; the host side builds the request
/// from the backend's batch the same way). A failed invocation throws out of the batch; what DurableTask.Core then does
/// with it is the backend's behaviour, not tested through the worker.
/// </summary>
internal sealed class WorkerEntity(FunctionsWorkerHarness harness, string functionName) : TaskEntity
{
    public override async Task<Dt.EntityBatchResult> ExecuteOperationBatchAsync(Dt.EntityBatchRequest operations)
    {
        var function = harness.Function(functionName);
        var trigger = ((JsonObject)function["bindings"]!).Single(b => (string?)b.Value?["type"] == "entityTrigger").Key;
        var request = ToProtobuf(operations).ToByteString().ToBase64();
        var inputData = new JsonArray { new JsonObject { ["name"] = trigger, ["data"] = new JsonObject { ["string"] = request } } };
        var outcome = await harness.InvokeAsync(functionName, inputData, new JsonObject(), retryContext: null, CancellationToken.None);
        if (!outcome.Succeeded)
        {
            throw new InvalidOperationException($"Entity function '{functionName}' failed: {outcome.ExceptionType}");
        }
        var encoded = (string?)outcome.Response["returnValue"]?["string"]
            ?? throw new InvalidOperationException($"Entity function '{functionName}' returned no EntityBatchResult.");
        return FromProtobuf(P.EntityBatchResult.Parser.ParseFrom(ByteString.FromBase64(encoded)));
    }

    /// <summary>The registration for the backend's worker (<c>TaskHubWorker.AddTaskEntities</c>).</summary>
    public static ObjectCreator<TaskEntity> Registration(FunctionsWorkerHarness harness, string entityName) =>
        new NameValueObjectCreator<TaskEntity>(entityName, string.Empty, new WorkerEntity(harness, entityName));

    internal static P.EntityBatchRequest ToProtobuf(Dt.EntityBatchRequest batch)
    {
        var request = new P.EntityBatchRequest { InstanceId = batch.InstanceId, EntityState = batch.EntityState };
        foreach (var operation in batch.Operations ?? [])
        {
            request.Operations.Add(new P.OperationRequest { Operation = operation.Operation, RequestId = operation.Id.ToString(), Input = operation.Input });
        }
        return request;
    }

    internal static Dt.EntityBatchResult FromProtobuf(P.EntityBatchResult result) => new()
    {
        EntityState = result.EntityState,
        FailureDetails = Failure(result.FailureDetails),
        Results = [.. result.Results.Select(r => r.ResultTypeCase == P.OperationResult.ResultTypeOneofCase.Success
            ? new Dt.OperationResult { Result = r.Success.Result }
            : new Dt.OperationResult { FailureDetails = Failure(r.Failure?.FailureDetails) })],
        Actions = [.. result.Actions.Select(Action)],
    };

    private static Dt.OperationAction Action(P.OperationAction action) => action.OperationActionTypeCase switch
    {
        P.OperationAction.OperationActionTypeOneofCase.SendSignal => new Dt.SendSignalOperationAction
        {
            InstanceId = action.SendSignal.InstanceId,
            Name = action.SendSignal.Name,
            Input = action.SendSignal.Input,
            ScheduledTime = action.SendSignal.ScheduledTime?.ToDateTime(),
        },
        _ => throw new NotSupportedException($"Entity action {action.OperationActionTypeCase} is not supported by the worker harness (the app's entities only signal)."),
    };

    private static FailureDetails? Failure(P.TaskFailureDetails? details) => details is null
        ? null
        : new FailureDetails(details.ErrorType, details.ErrorMessage, details.StackTrace, Failure(details.InnerFailure), details.IsNonRetriable);
}
