using System.Globalization;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using TreasureHunt.Core.Events;
using TreasureHunt.Local.Worker;
using TreasureHunt.LocalEntities;
using TreasureHunt.Pipeline.Processing;
using Yarp.ReverseProxy.Forwarder;

namespace TreasureHunt.Local.Hosting;

/// <summary>
/// <c>Local:Worker=true</c> (<c>./th up --worker</c>): the local host hands the app's work to the built Functions worker
/// process, driven by <see cref="FunctionsWorkerHarness"/> as the Functions host drives it. The partition pumps send
/// each batch to <see cref="EventHubBatchInvoker"/> (its retry policy is the only retry loop), the flush and retention
/// timers invoke the worker's <c>FlushRollups</c> and <c>Retention</c> timer functions, the entity host runs <see cref="WorkerEntity"/> registrations, and
/// the app's routes are forwarded by <see cref="WorkerHttpForwarder"/>. A worker that exits is started again; the pumps
/// read the batch it had from their checkpoint again (redelivery). <c>worker.pid</c> in the state folder holds its PID.
/// </summary>
internal sealed class LocalWorker(
    IConfiguration configuration,
    IOptions<LocalHostOptions> options,
    LocalEntityHost entityHost,
    ConsumerGroupName consumerGroup,
    IHttpForwarder httpForwarder,
    TimeProvider time,
    ILoggerFactory loggers) : IHostedService, IAsyncDisposable
{
    /// <summary>The app's function names the local host drives (functions/TreasureHunt.Functions).</summary>
    public const string AggregateFunction = "Aggregate";
    public const string FlushFunction = "FlushRollups";
    public const string RetentionFunction = "Retention";
    public const string CleanErasuresFunction = "CleanErasures";

    /// <summary>Sections of the host's configuration the worker reads as app settings (besides the sample's own keys).</summary>
    private static readonly string[] ForwardedSections = ["Cosmos", "Tables", "Contract", "Aggregation", "Features", "Rollups", "FinOps", "Retention", "Logging"];

    private readonly ILogger _logger = loggers.CreateLogger<LocalWorker>();
    private readonly CancellationTokenSource _stopping = new();
    private readonly HttpMessageInvoker _httpClient = new(new SocketsHttpHandler { UseProxy = false, AllowAutoRedirect = false, UseCookies = false });
    private FunctionsWorkerHarness? _harness;
    private EventHubBatchInvoker? _invoker;
    private WorkerHttpForwarder? _forwarder;
    private Task _supervisor = Task.CompletedTask;

    public FunctionsWorkerHarness Harness => _harness ?? throw new InvalidOperationException("The worker has not started.");

    private string PidFile => Path.Combine(options.Value.StateDir, "worker.pid");

    /// <summary>Starts the worker (before the entity host, whose entities run in it) and its supervisor.</summary>
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var o = options.Value;
        var settings = WorkerAppSettings.FromSample(Path.Combine(LocalConfiguration.FindRepoRoot(), "local.settings.sample.json"), AppSettings());
        _harness = await FunctionsWorkerHarness.StartAsync(new WorkerHarnessOptions
        {
            WorkerDirectory = o.WorkerDirectory,
            AppSettings = settings,
            DurableBackend = new DurableTaskBackend(entityHost.Service, entityHost.Service),
        }, loggers, cancellationToken);
        var source = new EventHubTriggerBinding.Source("localhost", configuration["EventHubName"] ?? "events", consumerGroup.Value);
        _invoker = new EventHubBatchInvoker(_harness, AggregateFunction, source, _harness.DurableClient, time, loggers.CreateLogger<EventHubBatchInvoker>());
        _forwarder = new WorkerHttpForwarder(_harness, httpForwarder, _httpClient, _harness.DurableClient, functionKey: null, loggers.CreateLogger<WorkerHttpForwarder>());
        await WritePidAsync();
        _supervisor = SuperviseAsync(_stopping.Token);
    }

    /// <summary>One partition batch through the worker's Event Hubs function; returns only after a successful attempt.</summary>
    public Task InvokeBatchAsync(PartitionBatch batch, CancellationToken cancellationToken) =>
        (_invoker ?? throw new WorkerUnavailableException("The worker has not started.")).InvokeAsync(batch, cancellationToken);

    /// <summary>
    /// One of the worker's timer functions (<c>FlushRollups</c>, <c>Retention</c>), invoked as the host's timer extension
    /// does: the trigger's <c>TimerInfo</c> as JSON (the worker's TimerInfo converter reads <c>ScheduleStatus</c> and
    /// <c>IsPastDue</c>) and a <c>[DurableClient]</c> input where the function has one. The local host's own intervals
    /// stand in for the cron schedules. A failure is logged; the next tick runs again.
    /// </summary>
    public async Task InvokeTimerAsync(string functionName, CancellationToken cancellationToken)
    {
        var harness = Harness;
        if (!harness.IsWorkerConnected)
        {
            return; // restarting: the next tick flushes
        }
        var bindings = (JsonObject)harness.Function(functionName)["bindings"]!;
        var inputData = new JsonArray();
        foreach (var (name, binding) in bindings)
        {
            switch ((string?)binding?["type"])
            {
                case "timerTrigger":
                    inputData.Add(new JsonObject { ["name"] = name, ["data"] = new JsonObject { ["json"] = """{"Schedule":{"AdjustForDST":true},"ScheduleStatus":null,"IsPastDue":false}""" } });
                    break;
                case "durableClient":
                    inputData.Add(new JsonObject { ["name"] = name, ["data"] = new JsonObject { ["string"] = harness.DurableClient.ToJson() } });
                    break;
            }
        }
        var outcome = await harness.InvokeAsync(functionName, inputData, new JsonObject(), retryContext: null, cancellationToken);
        if (!outcome.Succeeded)
        {
            _logger.LogWarning("Worker {Function} failed ({Type}); the next tick runs it again", functionName, outcome.ExceptionType);
        }
    }

    /// <summary>An app route, forwarded to the worker's HTTP server.</summary>
    public Task HandleHttpAsync(HttpContext context) =>
        (_forwarder ?? throw new InvalidOperationException("The worker has not started.")).HandleAsync(context);

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync();
        await _supervisor.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        await DisposeAsync();
    }

    public async ValueTask DisposeAsync()
    {
        if (_harness is { } harness)
        {
            _harness = null;
            await harness.DisposeAsync(); // WorkerTerminate, then kill after the grace period
            if (File.Exists(PidFile))
            {
                File.Delete(PidFile);
            }
        }
        _httpClient.Dispose();
    }

    /// <summary>The Functions host restarts a worker process that exits; so does this, until the host stops.</summary>
    private async Task SuperviseAsync(CancellationToken stopping)
    {
        while (!stopping.IsCancellationRequested)
        {
            try
            {
                await Harness.WorkerClosed.WaitAsync(stopping);
                _logger.LogWarning("The worker (pid {Pid}) exited; starting another", Harness.ProcessId);
                Harness.KillWorker(); // its stream closed: make sure the process is gone too
                await Harness.StartWorkerAsync(stopping);
                await WritePidAsync();
                _logger.LogWarning("Worker restarted: pid {Pid}", Harness.ProcessId);
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                break;
            }
            catch (Exception e)
            {
                _logger.LogError(e, "Restarting the worker failed; trying again in 5 s");
                await Task.Delay(TimeSpan.FromSeconds(5), stopping).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
        }
    }

    private Task WritePidAsync() => File.WriteAllTextAsync(PidFile, Harness.ProcessId.ToString(CultureInfo.InvariantCulture));

    /// <summary>
    /// The worker's app settings from the host's configuration: the sample's keys and the sections the app reads, as the
    /// host has them (emulator endpoints, per-run names); the entity host's task hub; and of the keys only the reader key
    /// — the Functions app refuses operator and ingest keys (FunctionsAccessValidator).
    /// </summary>
    private Dictionary<string, string> AppSettings()
    {
        var settings = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (key, value) in configuration.AsEnumerable())
        {
            var section = key.Split(':')[0];
            if (value is not null && ForwardedSections.Contains(section, StringComparer.OrdinalIgnoreCase))
            {
                settings[key.Replace(":", "__", StringComparison.Ordinal)] = value;
            }
        }
        foreach (var name in new[] { "AzureWebJobsStorage", "EventHubName", "EventHubConsumerGroup" })
        {
            if (configuration[name] is { } value)
            {
                settings[name] = value;
            }
        }
        settings["TaskHubName"] = entityHost.TaskHubName;
        settings["Access__EasyAuth"] = "false";
        // The worker inherits this process's environment, where ./th puts every role's key: blank the two it refuses.
        settings["Access__OperatorKey"] = "";
        settings["Access__IngestKey"] = "";
        if (configuration["Access:ReaderKey"] is { Length: > 0 } readerKey)
        {
            settings["Access__ReaderKey"] = readerKey;
        }
        return settings;
    }
}
