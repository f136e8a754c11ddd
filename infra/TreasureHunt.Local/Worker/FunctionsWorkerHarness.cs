using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace TreasureHunt.Local.Worker;

/// <summary>
/// Stands where the Azure Functions host stands for one isolated worker: serves <c>FunctionRpc.EventStream</c> on a
/// loopback port, starts the built worker with the host's command line and environment, and runs the host's start-up
/// sequence (StartStream, WorkerInitRequest, FunctionsMetadataRequest, one FunctionLoadRequest per function). Then it
/// invokes functions by name and, on <see cref="DisposeAsync"/>, sends WorkerTerminate and stops the process.
/// Sources followed (Azure/azure-functions-host): src/WebJobs.Script/Workers/Rpc/RpcWorkerContext.cs (arguments),
/// src/WebJobs.Script.Grpc/Channel/GrpcWorkerChannel.cs (init request and its capabilities, load requests, terminate).
/// </summary>
internal sealed class FunctionsWorkerHarness : IAsyncDisposable
{
    /// <summary>The host passes int.MaxValue as the gRPC message limit (RpcWorkerConstants.DefaultMaxMessageLengthBytes).</summary>
    public const int GrpcMaxMessageLength = int.MaxValue;

    /// <summary>What the harness reports as <c>host_version</c>: the Functions host major it models.</summary>
    public const string HostVersion = "4.0.0-treasurehunt-harness";

    private const int OutputTailLines = 200;

    private readonly WorkerHarnessOptions _options;
    private readonly ILogger _logger;
    private readonly WebApplication _server;
    private readonly WorkerChannels _channels;
    private readonly Queue<string> _outputTail = new();
    // Replaced whole once a worker has loaded every function (read by invocations while a restart loads them).
    private volatile IReadOnlyDictionary<string, JsonObject> _functionsByName = new Dictionary<string, JsonObject>();
    private readonly ILoggerFactory _loggers;
    private WebApplication? _http;
    private HttpMessageInvoker? _httpClient;
    private Process? _process;
    private WorkerChannel? _channel;

    private FunctionsWorkerHarness(WorkerHarnessOptions options, ILoggerFactory loggers, WebApplication server, WorkerChannels channels)
    {
        _options = options;
        _loggers = loggers;
        _logger = loggers.CreateLogger<FunctionsWorkerHarness>();
        _server = server;
        _channels = channels;
    }

    /// <summary>The URI the worker connects to (<c>--functions-uri</c>).</summary>
    public Uri GrpcUri { get; private set; } = null!;

    /// <summary>
    /// The <c>[DurableClient]</c> binding the host would send: the harness's own gRPC endpoint as the sidecar
    /// (<see cref="WorkerHarnessOptions.DurableBackend"/>), the app setting <c>TaskHubName</c> and the storage connection name.
    /// </summary>
    public DurableClientBinding DurableClient => new(GrpcUri, _options.AppSettings.GetValueOrDefault("TaskHubName", "treasurehunt"), "AzureWebJobsStorage", new Uri(GrpcUri, "runtime/webhooks/durabletask/"));

    /// <summary>Whether a worker is connected now (its stream is open).</summary>
    public bool IsWorkerConnected => _channel is { } channel && channel.Connected.IsCompletedSuccessfully && !channel.Closed.IsCompleted;

    /// <summary>Completes when the current worker's stream ends (it exited or was killed); a supervisor restarts it then.</summary>
    public Task WorkerClosed => _channel?.Closed ?? Task.CompletedTask;

    /// <summary>The worker id the harness gave the running worker.</summary>
    public string WorkerId => _channel?.WorkerId ?? throw new InvalidOperationException("No worker is running.");

    /// <summary>The running worker's process id.</summary>
    public int ProcessId => _process?.Id ?? throw new InvalidOperationException("No worker is running.");

    /// <summary>The capabilities of the worker's <c>WorkerInitResponse</c>.</summary>
    public IReadOnlyDictionary<string, string> Capabilities { get; private set; } = new Dictionary<string, string>();

    /// <summary>The worker's <c>WorkerInitResponse.worker_metadata</c> (runtime name and version, worker version).</summary>
    public JsonObject? WorkerMetadata { get; private set; }

    /// <summary>The function metadata the worker indexed (<c>FunctionMetadataResponse.function_metadata_results</c>), as loaded.</summary>
    public IReadOnlyList<JsonObject> Functions => [.. _functionsByName.Values];

    /// <summary>Starts the gRPC server and the worker, and runs the start-up sequence; a worker that exits first is reported with its output.</summary>
    public static async Task<FunctionsWorkerHarness> StartAsync(WorkerHarnessOptions options, ILoggerFactory loggers, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        var channels = new WorkerChannels();
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [] });
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton(loggers);
        builder.Services.AddSingleton(channels);
        builder.Services.AddSingleton<FunctionRpcEndpoint>();
        builder.Services.AddGrpc(o =>
        {
            o.MaxReceiveMessageSize = GrpcMaxMessageLength;
            o.MaxSendMessageSize = GrpcMaxMessageLength;
        });
        // gRPC over cleartext HTTP/2 on loopback, as the host serves its workers.
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0, l => l.Protocols = HttpProtocols.Http2));
        if (options.DurableBackend is { } durable)
        {
            builder.Services.AddSingleton(durable);
            builder.Services.AddSingleton<DurableTaskSidecar>();
        }
        var server = builder.Build();
        server.MapGrpcService<FunctionRpcEndpoint>();
        if (options.DurableBackend is not null)
        {
            server.MapGrpcService<DurableTaskSidecar>();
        }
        await server.StartAsync(cancellationToken);
        var harness = new FunctionsWorkerHarness(options, loggers, server, channels) { GrpcUri = new Uri(server.Urls.Single() + "/") };
        try
        {
            // As the host does, a worker that fails start-up is started again, up to its error threshold
            // (azure-functions-host: a language worker channel that errors is restarted until ErrorEventsThreshold, 3,
            // errors): a transient store error at start-up is not a deployment failure; a bad setting fails every time.
            for (var attempt = 1; ; attempt++)
            {
                try
                {
                    await harness.StartWorkerAsync(cancellationToken);
                    return harness;
                }
                catch (WorkerStartupException e) when (attempt < StartupAttempts)
                {
                    loggers.CreateLogger<FunctionsWorkerHarness>().LogWarning("The worker failed start-up (attempt {Attempt} of {Attempts}): {Reason}", attempt, StartupAttempts, e.Message.Split('\n')[0]);
                }
            }
        }
        catch
        {
            await harness.DisposeAsync();
            throw;
        }
    }

    /// <summary>Start-up attempts before the harness reports the worker's failure (the host's error threshold).</summary>
    public const int StartupAttempts = 3;

    /// <summary>Starts (or, after <see cref="KillWorker"/> or a crash, restarts) the worker process and loads its functions.</summary>
    public async Task StartWorkerAsync(CancellationToken cancellationToken)
    {
        if (_process is { HasExited: false })
        {
            throw new InvalidOperationException("A worker is already running.");
        }
        // A restart: the dead worker's stream and process are released first.
        if (_channel is { } previous)
        {
            previous.Close();
            _channels.Remove(previous.WorkerId);
        }
        _process?.Dispose();
        var workerId = Guid.NewGuid().ToString();
        var requestId = Guid.NewGuid().ToString();
        var channel = new WorkerChannel(workerId, _logger);
        _channels.Add(channel);
        _channel = channel;
        _functionsByName = new Dictionary<string, JsonObject>();
        lock (_outputTail)
        {
            _outputTail.Clear();
        }
        _process = StartProcess(workerId, requestId);
        var process = _process;
        _ = process.WaitForExitAsync(CancellationToken.None).ContinueWith(_ => channel.Close(), TaskScheduler.Default);

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_options.StartupTimeout);
        try
        {
            await channel.Connected.WaitAsync(timeout.Token);
            await InitializeAsync(channel, timeout.Token);
        }
        catch (Exception e) when (e is WorkerUnavailableException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            throw StartupFailure(process, e);
        }
    }

    /// <summary>Sends one <c>InvocationRequest</c> and returns the worker's answer (a failed function is a result, not an exception).</summary>
    public async Task<InvocationOutcome> InvokeAsync(string functionName, JsonArray inputData, JsonObject triggerMetadata, JsonObject? retryContext, CancellationToken cancellationToken, string? invocationId = null)
    {
        var function = Function(functionName);
        var channel = _channel ?? throw new WorkerUnavailableException("No worker is running.");
        invocationId ??= Guid.NewGuid().ToString();
        var request = new JsonObject
        {
            ["invocationId"] = invocationId,
            ["functionId"] = (string?)function["functionId"],
            ["inputData"] = inputData,
            ["triggerMetadata"] = triggerMetadata,
            ["traceContext"] = new JsonObject { ["traceParent"] = Activity.Current?.Id ?? "" },
        };
        if (retryContext is not null)
        {
            request["retryContext"] = retryContext;
        }
        var response = await channel.RequestAsync("invocationRequest", request, cancellationToken);
        var result = response["result"] as JsonObject;
        var succeeded = (string?)result?["status"] == "Success";
        var exception = result?["exception"] as JsonObject;
        return new InvocationOutcome(invocationId, succeeded, (string?)exception?["type"], (string?)exception?["message"], response);
    }

    /// <summary>
    /// Serves the app's HTTP API on a loopback port (0 = any free port) as the host does: every request is matched to an
    /// HTTP-triggered function and forwarded to the worker (<see cref="WorkerHttpForwarder"/>); returns the base URI.
    /// A non-anonymous function needs <paramref name="functionKey"/> in <c>x-functions-key</c> or <c>?code=</c>.
    /// </summary>
    public async Task<Uri> ServeHttpAsync(int port, string? functionKey, DurableClientBinding durableClient, CancellationToken cancellationToken)
    {
        if (_http is not null)
        {
            throw new InvalidOperationException("The harness already serves HTTP.");
        }
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [] });
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton(_loggers);
        builder.Services.AddHttpForwarder();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, port));
        var http = builder.Build();
        // The forwarder's client as YARP recommends it: no proxy, redirects or cookies of its own.
        _httpClient = new HttpMessageInvoker(new SocketsHttpHandler { UseProxy = false, AllowAutoRedirect = false, UseCookies = false });
        var forwarder = new WorkerHttpForwarder(this, http.Services.GetRequiredService<Yarp.ReverseProxy.Forwarder.IHttpForwarder>(), _httpClient,
            durableClient, functionKey, _loggers.CreateLogger<WorkerHttpForwarder>());
        http.Run(forwarder.HandleAsync);
        await http.StartAsync(cancellationToken);
        _http = http;
        return new Uri(http.Urls.Single() + "/");
    }

    /// <summary>The loaded function's metadata; throws naming the function when the worker did not index it, and
    /// <see cref="WorkerUnavailableException"/> while no worker has loaded its functions.</summary>
    public JsonObject Function(string functionName) =>
        _functionsByName.TryGetValue(functionName, out var function)
            ? function
            : _functionsByName.Count == 0
                ? throw new WorkerUnavailableException("No worker has loaded its functions (it is starting or restarting).")
                : throw new ArgumentException($"The worker has no function '{functionName}' (it indexed: {string.Join(", ", _functionsByName.Keys)}).", nameof(functionName));

    /// <summary>Kills the worker process with SIGKILL, as a crash or an instance loss would; pending invocations fail.</summary>
    public void KillWorker()
    {
        if (_process is { HasExited: false } process)
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit();
        }
    }

    /// <summary>The last lines the worker wrote to stdout and stderr.</summary>
    public IReadOnlyList<string> OutputTail()
    {
        lock (_outputTail)
        {
            return [.. _outputTail];
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_process is { } process)
        {
            if (!process.HasExited)
            {
                // The host sends WorkerTerminate with its grace period when the worker declared HandlesWorkerTerminateMessage.
                _channel?.Send(new JsonObject { ["workerTerminate"] = new JsonObject { ["gracePeriod"] = $"{(long)_options.TerminateGracePeriod.TotalSeconds}s" } });
                using var grace = new CancellationTokenSource(_options.TerminateGracePeriod);
                await process.WaitForExitAsync(grace.Token).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                if (!process.HasExited)
                {
                    process.Kill(entireProcessTree: true);
                    await process.WaitForExitAsync(CancellationToken.None);
                }
            }
            process.Dispose();
        }
        if (_channel is { } channel)
        {
            channel.Close();
            _channels.Remove(channel.WorkerId);
        }
        if (_http is not null)
        {
            await _http.StopAsync(CancellationToken.None);
            await _http.DisposeAsync();
        }
        _httpClient?.Dispose();
        await _server.StopAsync(CancellationToken.None);
        await _server.DisposeAsync();
    }

    private async Task InitializeAsync(WorkerChannel channel, CancellationToken cancellationToken)
    {
        // GrpcWorkerChannel.SendWorkerInitRequest: host version, worker and app directory, and the one capability a
        // default v4 host always adds (MultiStream; FunctionDataCache and V2Compatable only when configured).
        var init = await channel.RequestAsync("workerInitRequest", new JsonObject
        {
            ["hostVersion"] = HostVersion,
            ["workerDirectory"] = _options.WorkerDirectory,
            ["functionAppDirectory"] = _options.WorkerDirectory,
            ["capabilities"] = new JsonObject { ["MultiStream"] = "10" },
        }, cancellationToken);
        EnsureSuccess(init, "WorkerInitRequest");
        Capabilities = (init["capabilities"] as JsonObject ?? []).ToDictionary(p => p.Key, p => (string?)p.Value ?? "");
        WorkerMetadata = init["workerMetadata"]?.DeepClone() as JsonObject;

        // Worker indexing (worker.config.json "workerIndexing": "true"): the host asks the worker for its functions.
        var metadata = await channel.RequestAsync("functionsMetadataRequest", new JsonObject { ["functionAppDirectory"] = _options.WorkerDirectory }, cancellationToken);
        EnsureSuccess(metadata, "FunctionsMetadataRequest");
        if ((bool?)metadata["useDefaultMetadataIndexing"] == true)
        {
            throw new InvalidOperationException("The worker asked for host indexing (use_default_metadata_indexing); this harness models worker indexing only.");
        }
        var functions = (metadata["functionMetadataResults"] as JsonArray ?? []).OfType<JsonObject>().ToList();

        // One FunctionLoadRequest per function, its metadata as indexed (the host rebuilds the same fields from it).
        var loaded = new Dictionary<string, JsonObject>(StringComparer.OrdinalIgnoreCase);
        foreach (var function in functions)
        {
            var functionId = (string?)function["functionId"] ?? throw new InvalidOperationException($"The worker indexed '{function["name"]}' without a function id.");
            var load = await channel.RequestAsync("functionLoadRequest", new JsonObject
            {
                ["functionId"] = functionId,
                ["metadata"] = function.DeepClone(),
            }, cancellationToken);
            EnsureSuccess(load, $"FunctionLoadRequest for '{function["name"]}'");
            loaded[(string)function["name"]!] = function;
        }
        _functionsByName = loaded;
        _logger.LogInformation("Worker {WorkerId} (pid {Pid}) loaded {Count} functions", channel.WorkerId, _process?.Id, functions.Count);
    }

    private Process StartProcess(string workerId, string requestId)
    {
        // worker.config.json names the executable and the entry assembly, as the host reads it (RpcWorkerConfigFactory).
        using var config = JsonDocument.Parse(File.ReadAllText(Path.Combine(_options.WorkerDirectory, "worker.config.json")));
        var description = config.RootElement.GetProperty("description");
        var executable = description.GetProperty("defaultExecutablePath").GetString() ?? "dotnet";
        var workerPath = description.GetProperty("defaultWorkerPath").GetString() ?? throw new InvalidOperationException("worker.config.json has no defaultWorkerPath.");
        var start = new ProcessStartInfo(executable)
        {
            WorkingDirectory = _options.WorkerDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(Path.Combine(_options.WorkerDirectory, workerPath));
        foreach (var argument in HostArguments(GrpcUri, workerId, requestId))
        {
            start.ArgumentList.Add(argument);
        }
        foreach (var (name, value) in _options.AppSettings)
        {
            start.Environment[name] = value;
        }
        // The host's worker environment (WorkerConstants.FunctionsWorkerDirectorySettingName and
        // FunctionsApplicationDirectorySettingName): the ASP.NET Core integration finds host.json and the functions'
        // routes through FUNCTIONS_APPLICATION_DIRECTORY, and fails every HTTP request without it.
        start.Environment["FUNCTIONS_WORKER_RUNTIME"] = "dotnet-isolated";
        start.Environment["FUNCTIONS_WORKER_DIRECTORY"] = _options.WorkerDirectory;
        start.Environment["FUNCTIONS_APPLICATION_DIRECTORY"] = _options.WorkerDirectory;
        start.Environment["AzureWebJobsScriptRoot"] = _options.WorkerDirectory;
        var process = new Process { StartInfo = start, EnableRaisingEvents = true };
        process.OutputDataReceived += (_, e) => Remember(e.Data);
        process.ErrorDataReceived += (_, e) => Remember(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _logger.LogInformation("Started worker {WorkerId}: pid {Pid}, {Executable} {WorkerPath}", workerId, process.Id, executable, workerPath);
        return process;
    }

    /// <summary>
    /// The arguments the host appends for an RPC worker (RpcWorkerContext.GetFormattedArguments): the legacy
    /// <c>--host/--port/--workerId/--requestId/--grpcMaxMessageLength</c> and the <c>--functions-*</c> ones the .NET worker
    /// maps to <c>Functions:Worker:*</c> (src/DotNetWorker/Hosting/WorkerHostBuilderExtensions.cs, RegisterCommandLine).
    /// </summary>
    internal static IReadOnlyList<string> HostArguments(Uri grpcUri, string workerId, string requestId)
    {
        var length = GrpcMaxMessageLength.ToString(CultureInfo.InvariantCulture);
        return
        [
            "--host", grpcUri.Host, "--port", grpcUri.Port.ToString(CultureInfo.InvariantCulture),
            "--workerId", workerId, "--requestId", requestId, "--grpcMaxMessageLength", length,
            "--functions-uri", grpcUri.AbsoluteUri, "--functions-worker-id", workerId,
            "--functions-request-id", requestId, "--functions-grpc-max-message-length", length,
        ];
    }

    private void Remember(string? line)
    {
        if (line is null)
        {
            return;
        }
        _logger.LogDebug("worker: {Line}", line);
        lock (_outputTail)
        {
            _outputTail.Enqueue(line);
            while (_outputTail.Count > OutputTailLines)
            {
                _outputTail.Dequeue();
            }
        }
    }

    private WorkerStartupException StartupFailure(Process process, Exception cause)
    {
        string what;
        if (process.HasExited)
        {
            process.WaitForExit(); // drains the redirected output
            what = $"The worker exited during start-up with code {process.ExitCode}";
        }
        else
        {
            what = $"The worker did not finish start-up within {_options.StartupTimeout.TotalSeconds:0} s ({cause.Message})";
            process.Kill(entireProcessTree: true);
        }
        var tail = OutputTail();
        return new WorkerStartupException($"{what}. Its last output:{Environment.NewLine}{string.Join(Environment.NewLine, tail.TakeLast(40))}", tail, cause);
    }

    private static void EnsureSuccess(JsonObject response, string request)
    {
        var result = response["result"] as JsonObject;
        if ((string?)result?["status"] != "Success")
        {
            throw new InvalidOperationException($"The worker failed {request}: {(string?)result?["exception"]?["message"] ?? (string?)result?["result"] ?? result?.ToJsonString() ?? "no result"}");
        }
    }
}

/// <summary>The worker's answer to one invocation.</summary>
internal sealed record InvocationOutcome(string InvocationId, bool Succeeded, string? ExceptionType, string? ExceptionMessage, JsonObject Response);

/// <summary>The worker did not start: it exited (a bad setting, storage unreachable) or did not connect in time; carries its output.</summary>
internal sealed class WorkerStartupException(string message, IReadOnlyList<string> output, Exception inner) : Exception(message, inner)
{
    public IReadOnlyList<string> Output { get; } = output;
}
