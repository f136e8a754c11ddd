using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using TreasureHunt.Core.Ports;
using TreasureHunt.Core.Rollups;
using TreasureHunt.Local.Dashboard;
using TreasureHunt.Local.EventLog;
using TreasureHunt.Local.OpenApi;
using TreasureHunt.LocalEntities;
using TreasureHunt.Pipeline;
using TreasureHunt.Pipeline.FinOps;
using TreasureHunt.Pipeline.Processing;
using TreasureHunt.Pipeline.Queries;
using TreasureHunt.Storage;

namespace TreasureHunt.Local.Hosting;

/// <summary>
/// The local host (<c>th serve</c>): the Functions app's code paths — batch processor, rollup entities, query
/// handlers, cost recording — wired to the durable local event log instead of Event Hubs, on Azurite and the
/// Cosmos emulator, behind the same HTTP routes plus <c>POST /api/events</c>.
/// </summary>
internal static class LocalHost
{
    public static WebApplication Build(IConfiguration configuration)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Configuration.AddConfiguration(configuration);
        builder.Logging.ClearProviders();
        builder.Logging.AddSimpleConsole(o => { o.SingleLine = true; o.TimestampFormat = "HH:mm:ss.fff "; });
        builder.Logging.AddFilter("DurableTask", LogLevel.Warning);
        builder.Logging.AddFilter("Azure", LogLevel.Warning);
        builder.Logging.AddFilter("Microsoft", LogLevel.Warning);
        builder.Logging.AddFilter("TreasureHunt.Pipeline.Processing.PartitionBatchProcessor", LogLevel.Warning);

        var options = LocalHostOptions.From(configuration);
        builder.WebHost.UseUrls($"http://127.0.0.1:{options.Port}");
        builder.WebHost.ConfigureKestrel(k => k.Limits.MaxRequestBodySize = options.MaxRequestBytes + 1);

        var services = builder.Services;
        services.AddOptions<LocalHostOptions>().Bind(configuration.GetSection(LocalHostOptions.Section)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<LocalHostOptions>, LocalHostOptionsValidator>();
        services.AddSingleton<IValidateOptions<LocalHostOptions>, LocalWorkerOptionsValidator>();
        services.AddSingleton<IValidateOptions<TreasureHunt.Pipeline.Api.ApiAccessOptions>, LocalAccessValidator>();
        services.AddTreasureHuntStorage(configuration);
        services.AddTreasureHuntPipeline(configuration);
        services.AddSingleton(new LocalEventLog(options.LogDir, options.Partitions));
        services.AddSingleton<TreasureHunt.Core.Ports.IErasureSender, LocalEventLogErasureSender>();
        services.AddSingleton(new LocalGeneration(options.StateDir));
        services.AddSingleton<LocalMetrics>();
        services.AddSingleton<InvocationRunner>();
        services.AddSingleton<IngestAdmission>();

        // Start order matters: stores checked (and rebuilt if needed, see StartAsync) → entity worker → partition pumps.
        services.AddSingleton<StartupGuard>();
        services.AddSingleton(sp => new LocalEntityHost(
            configuration["AzureWebJobsStorage"] ?? "UseDevelopmentStorage=true",
            $"{configuration["TaskHubName"] ?? "treasurehunt"}g{sp.GetRequiredService<LocalGeneration>().Current}",
            sp.GetRequiredService<IOptions<RollupOptions>>().Value,
            sp.GetRequiredService<ILoggerFactory>(),
            // Each entity batch is an invocation with a cost record, as the entity functions are in Azure.
            aroundEntityBatch: (entity, batch) => sp.GetRequiredService<InvocationRunner>().RunAsync(entity, CostTriggers.Entity, batch),
            itemShardWriter: sp.GetRequiredService<TreasureHunt.Pipeline.Rollups.ItemShardWriter>(),
            observeEntityBatch: (entity, key, operations, stateChars, _) => sp.GetRequiredService<LocalMetrics>().RecordEntityBatch(entity, key, operations, stateChars),
            metrics: sp.GetRequiredService<TreasureHunt.Pipeline.Telemetry.PipelineMetrics>(),
            // Worker mode: every entity batch goes to the worker's entity trigger instead (the worker records its cost).
            entities: options.Worker ? () => WorkerEntities(sp.GetRequiredService<LocalWorker>().Harness) : null));
        if (options.Worker)
        {
            // Before the entity host: its entities run in the worker, which must be up first.
            services.AddHttpForwarder();
            services.AddSingleton<LocalWorker>();
            services.AddHostedService(sp => sp.GetRequiredService<LocalWorker>());
        }
        services.AddHostedService<EntityWorkerService>();
        services.AddSingleton<IRollupClient>(sp => sp.GetRequiredService<LocalEntityHost>().CreateClient());
        services.AddSingleton<IBatchHandler>(sp => options.Strategy switch
        {
            "perEvent" => ActivatorUtilities.CreateInstance<PerEventBatchHandler>(sp),
            "preaggregated" => ActivatorUtilities.CreateInstance<PreaggregatedBatchHandler>(sp),
            _ => throw new InvalidOperationException($"Local:Strategy must be preaggregated or perEvent, not '{options.Strategy}'"),
        });
        services.AddSingleton<EventLogCompactionService>();
        services.AddHostedService(sp => sp.GetRequiredService<EventLogCompactionService>());
        services.AddHostedService<PartitionPumps>();
        services.AddLocalTelemetry(configuration);
        services.AddSingleton<DashboardSampler>();
        services.AddHostedService(sp => sp.GetRequiredService<DashboardSampler>());
        services.AddLocalOpenApi();

        services.AddHostedService<RetentionService>();
        services.AddHostedService<ErasureCleanupService>();

        var app = builder.Build();
        // Every environment: an unhandled error is a problem+json 500 with no exception text (never the developer page).
        app.UseExceptionHandler(new ExceptionHandlerOptions { ExceptionHandler = ProblemDetailsHandler.WriteAsync, StatusCodeSelector = ProblemResponses.StatusOf });
        // Before routing, on the path as sent: the server has already removed dot segments from Request.Path.
        app.Use(async (context, next) =>
        {
            var rawTarget = context.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpRequestFeature>()?.RawTarget ?? context.Request.Path.Value ?? "/";
            if (RequestPaths.DotSegmentProblem(rawTarget) is { } problem)
            {
                await Results.Content(problem.Body, problem.ContentType, statusCode: problem.StatusCode).ExecuteAsync(context);
                return;
            }
            await next(context);
        });
        LocalRoutes.Map(app, appRoutesInProcess: !options.Worker);
        if (options.Worker)
        {
            // The app's routes (and any other /api path) go to the worker; the literal local routes above take precedence.
            app.Map("/api/{**path}", context => context.RequestServices.GetRequiredService<LocalWorker>().HandleHttpAsync(context));
        }
        DashboardRoutes.Map(app);
        if (!options.Worker)
        {
            OpenApiRoutes.Map(app); // in worker mode the worker's OpenApiDocument function serves it (the app's routes)
        }
        return app;
    }

    private static IReadOnlyList<DurableTask.Core.ObjectCreator<DurableTask.Core.Entities.TaskEntity>> WorkerEntities(TreasureHunt.Local.Worker.FunctionsWorkerHarness harness) =>
        [TreasureHunt.Local.Worker.WorkerEntity.Registration(harness, RollupEntityNames.ItemShard), TreasureHunt.Local.Worker.WorkerEntity.Registration(harness, RollupEntityNames.GlobalTotals)];

    /// <summary>
    /// Checks (and if needed rebuilds) the stores, then starts the host. The check runs before the host's services
    /// are created, because a rebuild moves the rollup entities to a new task hub and the entity host takes its
    /// task hub name when it is created.
    /// </summary>
    public static async Task StartAsync(WebApplication app, CancellationToken cancellationToken)
    {
        // Every options class first (ValidateOnStart): a bad setting fails here, named, before anything touches storage.
        app.Services.GetRequiredService<IStartupValidator>().Validate();
        await app.Services.GetRequiredService<StartupGuard>().RunAsync(cancellationToken);
        // The configured definitions against the registry's stored version: an incompatible same-version change refuses to start.
        await app.Services.GetRequiredService<TreasureHunt.Pipeline.Versions.DefinitionsStartupCheck>().RunAsync(cancellationToken);
        app.Services.GetRequiredService<LocalMetrics>(); // listening to the pipeline's meter before the first batch
        await app.StartAsync(cancellationToken);
    }
}

/// <summary>Starts the DurableTask worker that runs the rollup entities, and stops it on shutdown.</summary>
internal sealed class EntityWorkerService(LocalEntityHost host) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken) => host.StartAsync(cancellationToken);

    public Task StopAsync(CancellationToken cancellationToken) => host.StopAsync();
}
