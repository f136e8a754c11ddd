using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using System.Threading.Channels;
using Google.Protobuf;
using Grpc.Core;
using Microsoft.Extensions.Logging;

namespace TreasureHunt.Local.Worker;

/// <summary>
/// The harness's end of one worker's <c>EventStream</c>: sends requests and completes each with the response that
/// carries the same <c>request_id</c> (the .NET worker copies the request's id into its response: GrpcWorker.ProcessRequestCoreAsync
/// in Azure/azure-functions-dotnet-worker, src/DotNetWorker.Grpc/GrpcWorker.cs). Worker logs (<c>RpcLog</c>) go to
/// the harness log at Debug only, as they may carry personal data.
/// </summary>
internal sealed class WorkerChannel(string workerId, ILogger logger)
{
    private readonly Channel<IMessage> _outgoing = Channel.CreateUnbounded<IMessage>(new UnboundedChannelOptions { SingleReader = true });
    private readonly ConcurrentDictionary<string, TaskCompletionSource<JsonObject>> _pending = new();
    private readonly TaskCompletionSource _connected = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _closed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public string WorkerId { get; } = workerId;

    /// <summary>Completes when the worker has opened its stream and sent <c>StartStream</c> with this worker id.</summary>
    public Task Connected => _connected.Task;

    /// <summary>Completes when the stream ends (the worker exited, was killed, or the harness stopped).</summary>
    public Task Closed => _closed.Task;

    /// <summary>Sends <paramref name="content"/> (the JSON of one <c>StreamingMessage</c> content field) and waits for the response.</summary>
    public async Task<JsonObject> RequestAsync(string contentField, JsonObject content, CancellationToken cancellationToken)
    {
        var requestId = Guid.NewGuid().ToString();
        var response = new TaskCompletionSource<JsonObject>(TaskCreationOptions.RunContinuationsAsynchronously);
        _pending[requestId] = response;
        try
        {
            if (_closed.Task.IsCompleted)
            {
                throw new WorkerUnavailableException($"The worker's stream is closed; {contentField} was not sent.");
            }
            Send(new JsonObject { ["requestId"] = requestId, [contentField] = content });
            using (cancellationToken.Register(() => response.TrySetCanceled(cancellationToken)))
            {
                return await response.Task;
            }
        }
        finally
        {
            _pending.TryRemove(requestId, out _);
        }
    }

    /// <summary>Sends a message that has no response (<c>WorkerTerminate</c>, <c>InvocationCancel</c>).</summary>
    public void Send(JsonObject message) => _outgoing.Writer.TryWrite(FunctionRpcProtocol.ToMessage(message));

    /// <summary>Runs the stream until either side ends it: the writer drains requests, the reader dispatches responses.</summary>
    public async Task RunAsync(IAsyncStreamReader<IMessage> reader, IServerStreamWriter<IMessage> writer, CancellationToken cancellationToken)
    {
        _connected.TrySetResult();
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var writing = WriteAsync(writer, stop.Token);
        try
        {
            while (await reader.MoveNext(stop.Token))
            {
                Dispatch(FunctionRpcProtocol.ToJson(reader.Current));
            }
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or RpcException)
        {
            logger.LogDebug(e, "Worker {WorkerId}: stream ended", WorkerId);
        }
        finally
        {
            Close();
            await stop.CancelAsync();
            await writing.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    /// <summary>Fails every pending request: the worker is gone (its process exited or the stream broke).</summary>
    public void Close()
    {
        _outgoing.Writer.TryComplete();
        _closed.TrySetResult();
        _connected.TrySetException(new WorkerUnavailableException("The worker closed before it opened its stream."));
        foreach (var pending in _pending.Values)
        {
            pending.TrySetException(new WorkerUnavailableException("The worker's stream closed before it answered."));
        }
    }

    private async Task WriteAsync(IServerStreamWriter<IMessage> writer, CancellationToken cancellationToken)
    {
        await foreach (var message in _outgoing.Reader.ReadAllAsync(cancellationToken))
        {
            await writer.WriteAsync(message, cancellationToken);
        }
    }

    private void Dispatch(JsonObject message)
    {
        if (message["rpcLog"] is JsonObject log)
        {
            logger.LogDebug("Worker {WorkerId} [{Level}] {Category}: {Message} {Exception}", WorkerId, (string?)log["level"], (string?)log["category"], (string?)log["message"], (string?)log["exception"]?["message"]);
            return;
        }
        var requestId = (string?)message["requestId"];
        var content = message.Where(p => p.Key != "requestId").Select(p => p.Value).OfType<JsonObject>().FirstOrDefault();
        if (requestId is not null && content is not null && _pending.TryGetValue(requestId, out var pending))
        {
            pending.TrySetResult(content);
            return;
        }
        logger.LogDebug("Worker {WorkerId}: unsolicited message {Fields}", WorkerId, string.Join(",", message.Select(p => p.Key)));
    }
}

/// <summary>The worker process is not (or no longer) connected: it exited, was killed, or never opened its stream.</summary>
internal sealed class WorkerUnavailableException(string message, Exception? inner = null) : Exception(message, inner);
