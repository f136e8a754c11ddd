using TreasureHunt.Core.Configuration;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using TreasureHunt.Core.Aggregation;
using TreasureHunt.Core.Costs;
using TreasureHunt.Core.Events;
using TreasureHunt.Core.Features;
using TreasureHunt.Core.Ports;
using TreasureHunt.Core.Rollups;
using TreasureHunt.Pipeline.Entities;
using TreasureHunt.Pipeline.FinOps;
using TreasureHunt.Pipeline.Processing;
using TreasureHunt.Pipeline.Queries;
using TreasureHunt.Pipeline.Retention;

namespace TreasureHunt.Pipeline;

public static class PipelineServiceCollectionExtensions
{
    /// <summary>
    /// Registers the host-neutral pipeline: options (sections Contract, Features, Aggregation, Rollups, Pipeline, FinOps, Retention),
    /// the compiled feature definitions, the batch
    /// processor, rollup flusher, query API, cost recording and the entity classes. The host adds the stores
    /// (TreasureHunt.Storage) and an <see cref="Core.Ports.IRollupClient"/>.
    /// </summary>
    public static IServiceCollection AddTreasureHuntPipeline(this IServiceCollection services, IConfiguration configuration)
    {
        // Options: bound, validated by their source-generated validators, checked at start-up (docs/functions.md).
        services.AddOptions<ContractOptions>().Bind(configuration.GetSection(ContractOptions.Section)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<ContractOptions>, ContractOptionsValidator>();
        services.AddOptions<AggregationOptions>().Bind(configuration.GetSection(AggregationOptions.Section)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<AggregationOptions>, AggregationOptionsValidator>();
        services.AddOptions<FeaturesOptions>().Bind(configuration.GetSection(FeaturesOptions.Section)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<FeaturesOptions>, FeaturesOptionsValidator>();
        services.AddSingleton(sp => FeatureDefinitionsReader.Load(sp.GetRequiredService<IOptions<FeaturesOptions>>().Value.DefinitionsPath));
        services.AddOptions<RollupOptions>().Bind(configuration.GetSection(RollupOptions.Section))
            .PostConfigure<CompiledDefinitions>((o, definitions) =>
            {
                // The item group's hour window of the feature definitions is the item hour retention of the entities.
                if (definitions.ItemHourWindows > 0) o.ItemHourWindows = definitions.ItemHourWindows;
            })
            .ValidateOnStart();
        services.AddSingleton<IValidateOptions<RollupOptions>, RollupOptionsValidator>();
        services.AddSingleton<IValidateOptions<RollupOptions>, Rollups.ItemDocumentBoundValidator>();
        services.AddOptions<PipelineOptions>().Bind(configuration.GetSection(PipelineOptions.Section)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<PipelineOptions>, PipelineOptionsValidator>();
        services.AddOptions<FinOpsOptions>().Bind(configuration.GetSection(FinOpsOptions.Section)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<FinOpsOptions>, FinOpsOptionsValidator>();
        services.AddOptions<RetentionOptions>().Bind(configuration.GetSection(RetentionOptions.Section)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<RetentionOptions>, RetentionOptionsValidator>();

        services.AddSingleton(TimeProvider.System);
        services.AddMetrics();
        // Per container: its meter comes from the container's IMeterFactory.
        services.AddSingleton<Telemetry.PipelineMetrics>();
        services.AddSingleton(sp => DeliveryRules.From(sp.GetRequiredService<IOptions<AggregationOptions>>().Value));
        services.AddSingleton<SentRollups>();
        services.AddSingleton<RollupFlusher>();
        services.AddSingleton<Rollups.ItemShardWriter>();
        services.AddSingleton<PartitionHolds>();
        services.AddSingleton<PartitionBatchProcessor>();
        services.AddSingleton(ConsumerGroupName.From(configuration));
        services.AddSingleton<LiveBatchHandler>();
        services.AddSingleton<ParkedReplayer>();
        // Definitions versions: the registry view, shadow versions kept current, start-up check, back-fill.
        services.AddSingleton<Versions.DefinitionsVersions>();
        services.AddSingleton<Versions.ShadowBatchProcessor>();
        services.AddSingleton<Versions.ShadowFollower>();
        services.AddSingleton<Versions.DefinitionsStartupCheck>();
        services.AddSingleton<Versions.DefinitionsAdmin>();
        services.AddSingleton<Versions.HistoryBackfill>();
        services.AddOptions<Api.ApiAccessOptions>().Bind(configuration.GetSection(Api.ApiAccessOptions.Section)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<Api.ApiAccessOptions>, Api.ApiAccessOptionsValidator>();
        services.AddSingleton<Api.ApiAccess>();
        services.AddSingleton<QueryApi>();
        services.AddSingleton<HealthAnswers>();
        services.AddHealthChecks()
            .AddCheck<HeldPartitionsReadiness>(HeldPartitionsReadiness.Name, HealthStatus.Unhealthy, [ReadinessTags.Detail], ReadinessTags.Timeout)
            .AddCheck<ParkedReadiness>(ParkedReadiness.Name, HealthStatus.Unhealthy, [ReadinessTags.Detail], ReadinessTags.Timeout);
        services.AddSingleton<RetentionSweeper>();
        services.AddSingleton<ParkedApi>();
        // Erasure: applied by the batch processor in the user's partition; the host adds an IErasureSender.
        services.AddSingleton<Erasure.UserErasure>();
        services.AddSingleton<Erasure.ErasureApi>();
        services.AddSingleton<Erasure.ErasureCleaner>();
        services.AddSingleton<Erasure.PendingErasures>();
        services.AddSingleton<Erasure.ErasureReapplier>();
        services.AddSingleton<CostLedgerBuffer>();
        services.AddSingleton<IHostedService>(sp => sp.GetRequiredService<CostLedgerBuffer>());
        services.AddSingleton<CostRecorder>();
        services.AddSingleton<InvocationMeter>();
        services.AddTransient<ItemShardEntity>();
        services.AddTransient<GlobalTotalsEntity>();
        return services;
    }
}
