using DurableTask.AzureStorage;
using DurableTask.Core;
using DurableTask.Core.Entities;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Converters;
using Microsoft.DurableTask.Worker;
using Microsoft.DurableTask.Worker.Shims;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using TreasureHunt.Core.Rollups;
using TreasureHunt.Pipeline.Entities;
using TreasureHunt.Pipeline.Rollups;
using TreasureHunt.Pipeline.Telemetry;

namespace TreasureHunt.LocalEntities;

/// <summary>
/// Hosts the rollup entities (<see cref="ItemShardEntity"/>, <see cref="GlobalTotalsEntity"/>) locally on
/// DurableTask.Core + DurableTask.AzureStorage against Azurite (or a real storage account): the local stand-in for
/// the Durable Functions entity host. Signal and read them with <see cref="CreateClient"/>.
/// </summary>
/// <remarks>
/// Entity state lives in the task hub (tables, queues and blobs named after <see cref="TaskHubName"/>), so it
/// survives a restart or a <c>kill -9</c>: a new host on the same hub (same machine name, hence same worker id)
/// takes the partitions back within about a second and processes the signals still queued.
/// Do not enable <c>ExtendedSessionsEnabled</c>: with it, entity batches start from stale state (measured: updates lost).
/// </remarks>
public sealed class LocalEntityHost : IAsyncDisposable
{
    /// <summary>
    /// Default upper bound of the idle queue-polling back-off. Measured on Azurite (2 cores): signals sent through
    /// <see cref="CreateClient"/> wake this host's poller, so their latency (~20-50 ms) does not depend on it; it bounds
    /// the latency of messages enqueued by another process (p50 ≈ interval/2) and sets the idle polling load
    /// (Azurite CPU idle: 100 ms ≈ 9 %, 250 ms ≈ 3 %, 500 ms ≈ 1.3 %, 1 s ≈ 0.9 % of a core). Throughput is unaffected.
    /// </summary>
    public static readonly TimeSpan DefaultMaxQueuePollingInterval = TimeSpan.FromMilliseconds(250);

    public const int DefaultPartitionCount = 4;

    /// <summary>How long a dequeued entity message stays invisible before another worker may take it. At 15 s a loaded
    /// host's own messages came back while they waited behind a busy entity: duplicates, work items failing on pop
    /// receipts and abandoned, rollups tens of seconds late (docs/benchmarks/freshness.md). 60 s still brings a killed
    /// host's messages back within a minute.</summary>
    public static readonly TimeSpan EntityMessageVisibilityTimeout = TimeSpan.FromSeconds(60);

    /// <summary>Control-queue messages buffered in memory before the dispatcher stops fetching: the Durable Functions
    /// default in Azure (256, at most 1,000: AzureStorageOptions.ControlQueueBufferThreshold,
    /// https://learn.microsoft.com/dotnet/api/microsoft.azure.webjobs.extensions.durabletask.azurestorageoptions.controlqueuebufferthreshold).
    /// DurableTask.AzureStorage's own default (64), counted over all control queues, was full of item-shard signals
    /// waiting for their shard's batch: fetching paused a second at a time and <c>globaltotals</c>'s signals waited
    /// behind them (docs/benchmarks/freshness.md).</summary>
    public const int ControlQueueBufferThreshold = 256;

    private readonly RollupOptions _rollupOptions;
    private readonly ILoggerFactory _loggerFactory;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly EntityBatchWrapper? _aroundEntityBatch;
    private readonly ItemShardWriter? _itemShardWriter;
    private readonly EntityBatchObserver? _observeEntityBatch;
    private readonly PipelineMetrics? _metrics;
    private readonly Func<IReadOnlyList<ObjectCreator<TaskEntity>>>? _entities;
    private TaskHubWorker? _worker;
    private bool _created;
    private bool _disposed;

    /// <param name="storageConnectionString">Azure Storage connection string (Azurite: explicit endpoints or <c>UseDevelopmentStorage=true</c>).</param>
    /// <param name="taskHubName">Task hub name: letters and digits, 3-45 characters, starting with a letter.</param>
    /// <param name="rollupOptions">Options given to <see cref="ItemShardEntity"/>.</param>
    /// <param name="loggerFactory">Logging for DurableTask (it logs a lot at Information: filter category <c>DurableTask</c>).</param>
    /// <param name="partitionCount">Control-queue partitions (1-16); entities are spread over them by instance id.</param>
    /// <param name="maxQueuePollingInterval">Upper bound of the idle queue-polling back-off; default <see cref="DefaultMaxQueuePollingInterval"/>.</param>
    /// <param name="configure">Optional last word on the provider settings (tuning, tests).</param>
    /// <param name="aroundEntityBatch">Optional wrapper around every entity batch (the local host records its cost).</param>
    /// <param name="observeEntityBatch">Optional observer of every entity batch (the local host's entity figures).</param>
    /// <param name="itemShardWriter">What the item shards write their buffers with; required to <see cref="StartAsync"/>
    /// (a host used only as a client to read entity state needs none).</param>
    /// <param name="metrics">Where the in-process entities record (the host's pipeline metrics); their own meter
    /// when none is given.</param>
    /// <param name="entities">Optional entity registrations that replace the in-process entity classes (the worker
    /// harness runs each batch in the Functions worker instead); no <paramref name="itemShardWriter"/> is needed then.</param>
    public LocalEntityHost(
        string storageConnectionString,
        string taskHubName,
        RollupOptions rollupOptions,
        ILoggerFactory loggerFactory,
        int partitionCount = DefaultPartitionCount,
        TimeSpan? maxQueuePollingInterval = null,
        Action<AzureStorageOrchestrationServiceSettings>? configure = null,
        EntityBatchWrapper? aroundEntityBatch = null,
        ItemShardWriter? itemShardWriter = null,
        EntityBatchObserver? observeEntityBatch = null,
        PipelineMetrics? metrics = null,
        Func<IReadOnlyList<ObjectCreator<TaskEntity>>>? entities = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(storageConnectionString);
        ArgumentException.ThrowIfNullOrWhiteSpace(taskHubName);
        ArgumentNullException.ThrowIfNull(rollupOptions);
        ArgumentNullException.ThrowIfNull(loggerFactory);
        if (partitionCount is < 1 or > 16) throw new ArgumentOutOfRangeException(nameof(partitionCount), "1..16");
        TreasureHunt.Pipeline.RollupOptionsValidator.ThrowIfInvalid(rollupOptions);
        _rollupOptions = rollupOptions;
        _loggerFactory = loggerFactory;
        Settings = new AzureStorageOrchestrationServiceSettings
        {
            StorageAccountClientProvider = new StorageAccountClientProvider(storageConnectionString),
            TaskHubName = taskHubName,
            PartitionCount = partitionCount,
            MaxQueuePollingInterval = maxQueuePollingInterval ?? DefaultMaxQueuePollingInterval,
            UseSeparateQueueForEntityWorkItems = true,
            // Messages a worker dequeued and then died with come back after this timeout (default 5 minutes). The
            // entity operations are idempotent (applied sequence ranges), so a shorter timeout is safe and lets a
            // restarted host finish a killed one's work within a minute instead of five.
            ControlQueueVisibilityTimeout = EntityMessageVisibilityTimeout,
            WorkItemQueueVisibilityTimeout = EntityMessageVisibilityTimeout,
            ControlQueueBufferThreshold = ControlQueueBufferThreshold,
            LoggerFactory = loggerFactory,
        };
        configure?.Invoke(Settings);
        _aroundEntityBatch = aroundEntityBatch;
        _itemShardWriter = itemShardWriter;
        _observeEntityBatch = observeEntityBatch;
        _metrics = metrics;
        _entities = entities;
        Service = new AzureStorageOrchestrationService(Settings);
    }

    public string TaskHubName => Settings.TaskHubName;

    public AzureStorageOrchestrationServiceSettings Settings { get; }

    /// <summary>The orchestration service; also the client (<see cref="IOrchestrationServiceClient"/>) and entity backend (<see cref="IEntityOrchestrationService"/>).</summary>
    public AzureStorageOrchestrationService Service { get; }

    /// <summary>The converter the SDK shim uses for operation inputs, results and entity state (the SDK default).</summary>
    public DataConverter DataConverter { get; } = JsonDataConverter.Default;

    public bool IsRunning => _worker is not null;

    /// <summary>A rollup client bound to this host's task hub. Usable before <see cref="StartAsync"/> (signals wait in the queues).</summary>
    public DtfxRollupClient CreateClient() => new(Service, Service, DataConverter);

    /// <summary>Creates the task hub's queues, tables and containers if missing, then starts processing entity work items.</summary>
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_worker is not null) return;
            if (_entities is null && _itemShardWriter is null)
            {
                throw new InvalidOperationException("This entity host was created without an ItemShardWriter: it can read entity state but not run the item shards.");
            }
            await EnsureCreatedAsync(cancellationToken).ConfigureAwait(false);
            cancellationToken.ThrowIfCancellationRequested();
            if (_entities is not null)
            {
                var custom = new TaskHubWorker(Service, _loggerFactory) { ErrorPropagationMode = ErrorPropagationMode.UseFailureDetails };
                custom.AddTaskEntities([.. _entities()]);
                await custom.StartAsync().ConfigureAwait(false);
                _worker = custom;
                return;
            }
            var writer = _itemShardWriter!;
            var metrics = _metrics ?? new PipelineMetrics();

            var shims = new DurableTaskShimFactory(
                new DurableTaskWorkerOptions { EnableEntitySupport = true, DataConverter = DataConverter },
                _loggerFactory);
            var itemShardOptions = Options.Create(_rollupOptions);
            var worker = new TaskHubWorker(Service, _loggerFactory)
            {
                ErrorPropagationMode = ErrorPropagationMode.UseFailureDetails,
            };
            worker.AddTaskEntities(
                ShimEntityAdapter<ItemShardEntity>.Registration(RollupEntityNames.ItemShard, shims, () => new ItemShardEntity(itemShardOptions, writer, writer.Definitions, TimeProvider.System, metrics, _loggerFactory.CreateLogger<ItemShardEntity>()), _aroundEntityBatch, _observeEntityBatch),
                ShimEntityAdapter<GlobalTotalsEntity>.Registration(RollupEntityNames.GlobalTotals, shims, () => new GlobalTotalsEntity(metrics), _aroundEntityBatch, _observeEntityBatch));
            await worker.StartAsync().ConfigureAwait(false);
            _worker = worker;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Stops taking work items and waits for those in progress (graceful). A stopped host can be started again.</summary>
    public async Task StopAsync()
    {
        if (_disposed) return;
        await _gate.WaitAsync().ConfigureAwait(false);
        try
        {
            if (_worker is not { } worker) return;
            _worker = null;
            await worker.StopAsync(isForced: false).ConfigureAwait(false);
            worker.Dispose();
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Deletes the task hub's queues, tables and blobs (tests; the host must be stopped).</summary>
    public async Task DeleteTaskHubAsync()
    {
        if (IsRunning) throw new InvalidOperationException("Stop the host before deleting its task hub.");
        await Service.DeleteAsync().ConfigureAwait(false);
        _created = false;
    }

    public async ValueTask DisposeAsync()
    {
        if (_disposed) return;
        await StopAsync().ConfigureAwait(false);
        _disposed = true;
        Service.Dispose();
        _gate.Dispose();
    }

    private async Task EnsureCreatedAsync(CancellationToken cancellationToken)
    {
        if (_created) return;
        await Service.CreateIfNotExistsAsync().WaitAsync(cancellationToken).ConfigureAwait(false);
        _created = true;
    }
}
