using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using TreasureHunt.Core.Events;

namespace TreasureHunt.Local.Worker;

/// <summary>
/// Runs one partition batch through the worker's Event Hubs-triggered function as the host does: binds it
/// (<see cref="EventHubTriggerBinding"/>), adds the function's other input bindings, and applies the function's retry
/// policy, sending a <c>RetryContext</c> with every attempt. It returns only when an attempt succeeded, so the caller
/// checkpoints a batch only after that; a batch whose retries are spent or cancelled throws and is never checkpointed.
/// </summary>
internal sealed class EventHubBatchInvoker(FunctionsWorkerHarness harness, string functionName, EventHubTriggerBinding.Source source, DurableClientBinding durableClient, TimeProvider time, ILogger logger)
{
    /// <summary>One attempt's outcome, with the retry count it was sent with (0 = the first run).</summary>
    internal sealed record Attempt(int RetryCount, InvocationOutcome Outcome);

    /// <summary>Every attempt so far, oldest first (a diagnostic for tests and status).</summary>
    public event Action<Attempt>? Attempted;

    public async Task InvokeAsync(PartitionBatch batch, CancellationToken cancellationToken)
    {
        var function = harness.Function(functionName);
        var policy = WorkerRetryPolicy.FromMetadata(function);
        var bindings = (function["bindings"] as JsonObject) ?? throw new InvalidOperationException($"Function '{functionName}' has no bindings.");
        var trigger = bindings.Single(b => ((string?)b.Value?["type"])?.EndsWith("Trigger", StringComparison.OrdinalIgnoreCase) == true);
        if ((string?)trigger.Value!["type"] != "eventHubTrigger")
        {
            throw new InvalidOperationException($"Function '{functionName}' is triggered by '{trigger.Value["type"]}', not eventHubTrigger.");
        }

        JsonObject? lastException = null;
        for (var retryCount = 0; ; retryCount++)
        {
            var (input, metadata) = EventHubTriggerBinding.Bind(functionName, batch, source, time.GetUtcNow());
            var inputData = new JsonArray { new JsonObject { ["name"] = trigger.Key, ["data"] = input } };
            foreach (var (name, binding) in bindings)
            {
                if ((string?)binding?["type"] == "durableClient" && (string?)binding["direction"] is null or "in")
                {
                    inputData.Add(new JsonObject { ["name"] = name, ["data"] = new JsonObject { ["string"] = durableClient.ToJson() } });
                }
            }
            // The retry context travels with every attempt of a function that has a retry policy (FunctionInvocationRetry
            // in the WebJobs SDK; ScriptInvocationContext.RetryContext in the host): count, limit and the last failure.
            JsonObject? retryContext = policy == WorkerRetryPolicy.None ? null : new JsonObject
            {
                ["retryCount"] = retryCount,
                ["maxRetryCount"] = policy.MaxRetryCount,
                ["exception"] = lastException?.DeepClone(),
            };
            var outcome = await harness.InvokeAsync(functionName, inputData, metadata, retryContext, cancellationToken);
            Attempted?.Invoke(new Attempt(retryCount, outcome));
            if (outcome.Succeeded)
            {
                return;
            }
            lastException = outcome.Response["result"]?["exception"] as JsonObject;
            if (!policy.RetriesAfter(retryCount))
            {
                throw new FunctionInvocationFailedException(functionName, batch.PartitionId, outcome);
            }
            var delay = policy.DelayBefore(retryCount + 1);
            logger.LogWarning("Worker {Function}: partition {PartitionId} batch {First}-{Last} failed ({Type}); retry {Retry} in {Delay} ms",
                functionName, batch.PartitionId, batch.FirstSequenceNumber, batch.LastSequenceNumber, outcome.ExceptionType, retryCount + 1, delay.TotalMilliseconds);
            await Task.Delay(delay, time, cancellationToken);
        }
    }
}

/// <summary>
/// The <c>[DurableClient]</c> input binding's value: the JSON the Durable Task extension sends and the worker's
/// DurableTaskClientConverter reads (azure-functions-durable-extension src/Worker.Extensions.DurableTask/DurableTaskClientConverter.cs,
/// DurableClientInputData). <c>maxGrpcMessageSizeInBytes</c> (the extension's option MaxGrpcMessageSizeInBytes, default
/// 4,194,304) becomes the worker client's receive limit: without it every non-empty sidecar answer is refused as too
/// large. <c>grpcHttpClientTimeout</c> is a TimeSpan serialized to JSON inside the JSON (the converter deserializes it
/// again), 100 s by default.
/// </summary>
internal sealed record DurableClientBinding(Uri RpcBaseUrl, string TaskHubName, string ConnectionName, Uri HttpBaseUrl)
{
    public const int DefaultMaxGrpcMessageSizeInBytes = 4_194_304;

    public string ToJson() => new JsonObject
    {
        ["taskHubName"] = TaskHubName,
        ["connectionName"] = ConnectionName,
        ["rpcBaseUrl"] = RpcBaseUrl.AbsoluteUri,
        ["requiredQueryStringParameters"] = "",
        ["httpBaseUrl"] = HttpBaseUrl.AbsoluteUri,
        ["maxGrpcMessageSizeInBytes"] = DefaultMaxGrpcMessageSizeInBytes,
        ["grpcHttpClientTimeout"] = System.Text.Json.JsonSerializer.Serialize(TimeSpan.FromSeconds(100)),
    }.ToJsonString();
}

/// <summary>A function failed and its retry policy is spent: the batch is not checkpointed.</summary>
internal sealed class FunctionInvocationFailedException(string functionName, string partitionId, InvocationOutcome outcome)
    : Exception($"Function '{functionName}' failed on partition {partitionId} and its retries are spent: {outcome.ExceptionType}: {outcome.ExceptionMessage}")
{
    public InvocationOutcome Outcome { get; } = outcome;
}
