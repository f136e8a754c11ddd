using System.Collections.Concurrent;
using Google.Protobuf;
using Grpc.Core;
using Microsoft.Extensions.Logging;

namespace TreasureHunt.Local.Worker;

/// <summary>
/// The <c>FunctionRpc</c> gRPC service as ASP.NET Core gRPC binds generated services: <see cref="BindServiceMethodAttribute"/>
/// names the static binder, and the binder finds the handler as the virtual <see cref="EventStream"/> of this base, overridden
/// by <see cref="FunctionRpcEndpoint"/>.
/// </summary>
[BindServiceMethod(typeof(FunctionRpcServiceBase), nameof(BindService))]
internal abstract class FunctionRpcServiceBase
{
    public static void BindService(ServiceBinderBase binder, FunctionRpcServiceBase? service) =>
        binder.AddMethod(FunctionRpcProtocol.EventStream, service is null ? null : service.EventStream);

    public virtual Task EventStream(IAsyncStreamReader<IMessage> requestStream, IServerStreamWriter<IMessage> responseStream, ServerCallContext context) =>
        throw new RpcException(new Status(StatusCode.Unimplemented, ""));
}

/// <summary>
/// The service the worker connects to. The first message of a stream must be <c>StartStream</c> naming a worker id
/// the harness started (azure-functions-host, src/WebJobs.Script.Grpc/Server/FunctionRpcService.cs routes a stream by it too).
/// </summary>
internal sealed class FunctionRpcEndpoint(WorkerChannels channels, ILogger<FunctionRpcEndpoint> logger) : FunctionRpcServiceBase
{
    public override async Task EventStream(IAsyncStreamReader<IMessage> requestStream, IServerStreamWriter<IMessage> responseStream, ServerCallContext context)
    {
        if (!await requestStream.MoveNext(context.CancellationToken))
        {
            return;
        }
        var first = FunctionRpcProtocol.ToJson(requestStream.Current);
        var workerId = (string?)first["startStream"]?["workerId"];
        if (workerId is null || !channels.TryGet(workerId, out var channel))
        {
            logger.LogWarning("A worker opened a stream without a StartStream naming a worker this harness started; closing it");
            throw new RpcException(new Status(StatusCode.InvalidArgument, "The first message must be StartStream with a known worker id."));
        }
        await channel.RunAsync(requestStream, responseStream, context.CancellationToken);
    }
}

/// <summary>The channels of the workers the harness started, by worker id.</summary>
internal sealed class WorkerChannels
{
    private readonly ConcurrentDictionary<string, WorkerChannel> _channels = new();

    public void Add(WorkerChannel channel) => _channels[channel.WorkerId] = channel;

    public void Remove(string workerId) => _channels.TryRemove(workerId, out _);

    public bool TryGet(string workerId, out WorkerChannel channel) => _channels.TryGetValue(workerId, out channel!);
}
