using Azure.Data.Tables;
using Azure.Identity;
using Microsoft.Azure.Cosmos;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using TreasureHunt.Core.Aggregation;
using TreasureHunt.Core.Ports;
using TreasureHunt.Core.Rollups;
using TreasureHunt.Storage.Cosmos;
using TreasureHunt.Storage.Tables;

namespace TreasureHunt.Storage;

public static class StorageServiceCollectionExtensions
{
    /// <summary>
    /// Registers the Cosmos and Table stores behind the core's ports, from the configuration sections
    /// <c>Cosmos</c> and <c>Tables</c>. Call <see cref="StorageInitializer.EnsureCreatedAsync"/> at start-up to create
    /// missing containers and tables (local emulators only).
    /// </summary>
    public static IServiceCollection AddTreasureHuntStorage(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<CosmosOptions>().Bind(configuration.GetSection(CosmosOptions.Section)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<CosmosOptions>, CosmosOptionsValidator>();
        services.AddOptions<TablesOptions>().Bind(configuration.GetSection(TablesOptions.Section)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<TablesOptions>, TablesOptionsValidator>();

        services.AddSingleton(sp => CosmosClientFactory.Create(sp.GetRequiredService<IOptions<CosmosOptions>>().Value));
        services.AddSingleton(sp => CosmosResilience.Create(sp.GetRequiredService<IOptions<CosmosOptions>>().Value.MaxRetries));
        services.AddSingleton(sp => Documents<UserDocument>(sp, o => o.UsersContainer));
        services.AddSingleton(sp => Documents<PartitionProgress>(sp, o => o.ProgressContainer));
        services.AddSingleton(sp => CosmosBatchedClient.Create(sp.GetRequiredService<IOptions<CosmosOptions>>().Value));
        services.AddSingleton<IUserDocumentStore>(sp => new CosmosUserDocumentStore(
            sp.GetRequiredService<CosmosDocuments<UserDocument>>(),
            sp.GetRequiredService<TreasureHunt.Core.Features.CompiledDefinitions>(),
            WriterCache<UserDocument>.OfSize(sp.GetRequiredService<IOptions<CosmosOptions>>().Value.WriterCacheSize),
            BatchedDocuments<UserDocument>(sp, o => o.UsersContainer)));
        services.AddSingleton<IProgressStore, CosmosProgressStore>();
        services.AddSingleton(sp => Documents<TreasureHunt.Core.Rollups.ItemDocument>(sp, o => o.ItemsContainer));
        services.AddSingleton(sp => Documents<TreasureHunt.Core.Rollups.LeaderboardDocument>(sp, o => o.LeaderboardsContainer));
        services.AddSingleton(sp => Documents<TreasureHunt.Core.Groups.GroupDocument>(sp, o => o.ItemsContainer));
        services.AddSingleton(sp => Documents<TreasureHunt.Core.Groups.KeyedLeaderboardDocument>(sp, o => o.LeaderboardsContainer));
        services.AddSingleton<IItemRollupStore>(sp => new CosmosItemRollupStore(
            sp.GetRequiredService<CosmosDocuments<TreasureHunt.Core.Rollups.ItemDocument>>(),
            sp.GetRequiredService<CosmosDocuments<TreasureHunt.Core.Rollups.LeaderboardDocument>>(),
            sp.GetRequiredService<CosmosDocuments<TreasureHunt.Core.Groups.GroupDocument>>(),
            sp.GetRequiredService<CosmosDocuments<TreasureHunt.Core.Groups.KeyedLeaderboardDocument>>(),
            WriterCache<TreasureHunt.Core.Rollups.ItemDocument>.OfSize(sp.GetRequiredService<IOptions<CosmosOptions>>().Value.ItemWriterCacheSize),
            BatchedDocuments<TreasureHunt.Core.Rollups.ItemDocument>(sp, o => o.ItemsContainer) is { } batchedItems
                ? new CosmosItemRollupStore.Batched(
                    batchedItems,
                    BatchedDocuments<TreasureHunt.Core.Rollups.LeaderboardDocument>(sp, o => o.LeaderboardsContainer)!,
                    BatchedDocuments<TreasureHunt.Core.Groups.GroupDocument>(sp, o => o.ItemsContainer)!,
                    BatchedDocuments<TreasureHunt.Core.Groups.KeyedLeaderboardDocument>(sp, o => o.LeaderboardsContainer)!)
                : null));
        // Feature-definitions versions: the registry and the shadow progress live in the progress container.
        services.AddSingleton(sp => Documents<TreasureHunt.Core.Features.RegisteredDefinitions>(sp, o => o.ProgressContainer));
        services.AddSingleton(sp => Documents<TreasureHunt.Core.Features.ActiveDefinitions>(sp, o => o.ProgressContainer));
        services.AddSingleton(sp => Documents<TreasureHunt.Core.History.ShadowProgress>(sp, o => o.ProgressContainer));
        services.AddSingleton<IDefinitionsRegistry, CosmosDefinitionsRegistry>();
        services.AddSingleton<IShadowProgressStore, CosmosShadowProgressStore>();
        services.AddSingleton<IUserStoreFactory>(sp => new CosmosUserStoreFactory(
            sp.GetRequiredService<CosmosClient>(), sp.GetRequiredService<IOptions<CosmosOptions>>().Value, sp.GetRequiredService<Polly.ResiliencePipeline>(),
            sp.GetRequiredService<IOptions<TreasureHunt.Core.Configuration.RetentionOptions>>().Value.IdleUserSeconds,
            sp.GetRequiredService<CosmosBatchedClient>().Client));
        services.AddSingleton<IKeyedStoreFactory>(sp => new CosmosKeyedStoreFactory(
            sp.GetRequiredService<CosmosClient>(), sp.GetRequiredService<IOptions<CosmosOptions>>().Value, sp.GetRequiredService<Polly.ResiliencePipeline>()));

        services.AddSingleton(sp => CreateTableService(sp.GetRequiredService<IOptions<TablesOptions>>().Value));
        services.AddSingleton<IDeadLetterStore>(sp => new TableDeadLetterStore(Table(sp, o => o.DeadLettersTable)));
        services.AddSingleton<ICostLedger>(sp => new TableCostLedger(Table(sp, o => o.CostLedgerTable)));
        services.AddSingleton<ICheckpointStore>(sp => new TableCheckpointStore(Table(sp, o => o.CheckpointsTable)));
        services.AddSingleton<IParkedStore>(sp => new TableParkedStore(Table(sp, o => o.ParkedTable)));
        services.AddSingleton<IErasureLog>(sp => new TableErasureLog(Table(sp, o => o.ErasuresTable)));
        services.AddSingleton<TreasureHunt.Core.Parking.IStoreRefusalClassifier, StoreRefusalClassifier>();

        services.AddHealthChecks()
            .Add(new HealthCheckRegistration("cosmos", sp => new CosmosHealthCheck(sp.GetRequiredService<CosmosClient>(), sp.GetRequiredService<IOptions<CosmosOptions>>().Value),
                HealthStatus.Unhealthy, [ReadinessTags.Store], ReadinessTags.Timeout))
            .Add(new HealthCheckRegistration("tables", sp => new TablesHealthCheck(Table(sp, o => o.CheckpointsTable)),
                HealthStatus.Unhealthy, [ReadinessTags.Store], ReadinessTags.Timeout));
        services.AddSingleton<StorageInitializer>();
        return services;
    }

    public static TableServiceClient CreateTableService(TablesOptions options)
    {
        options.ThrowIfInvalid();
        return string.IsNullOrWhiteSpace(options.ConnectionString)
            ? new TableServiceClient(new Uri(options.ServiceUri), new DefaultAzureCredential())
            : new TableServiceClient(options.ConnectionString);
    }

    /// <summary>The container through the bulk-enabled client (<see cref="CosmosBatchedClient"/>), or null when bulk execution is off.</summary>
    private static CosmosDocuments<T>? BatchedDocuments<T>(IServiceProvider sp, Func<CosmosOptions, string> container) where T : class
    {
        var options = sp.GetRequiredService<IOptions<CosmosOptions>>().Value;
        return sp.GetRequiredService<CosmosBatchedClient>().Client is { } client
            ? new CosmosDocuments<T>(client.GetContainer(options.Database, container(options)), sp.GetRequiredService<Polly.ResiliencePipeline>(), options.EstimateRequestUnits)
            : null;
    }

    private static CosmosDocuments<T> Documents<T>(IServiceProvider sp, Func<CosmosOptions, string> container) where T : class
    {
        var options = sp.GetRequiredService<IOptions<CosmosOptions>>().Value;
        return new CosmosDocuments<T>(
            sp.GetRequiredService<CosmosClient>().GetContainer(options.Database, container(options)),
            sp.GetRequiredService<Polly.ResiliencePipeline>(),
            options.EstimateRequestUnits);
    }

    private static TableClient Table(IServiceProvider sp, Func<TablesOptions, string> name) =>
        sp.GetRequiredService<TableServiceClient>().GetTableClient(name(sp.GetRequiredService<IOptions<TablesOptions>>().Value));
}

/// <summary>Creates what the local emulators lack at start-up; does nothing against Azure (Bicep owns those resources).</summary>
public sealed class StorageInitializer(CosmosClient cosmos, IOptions<CosmosOptions> cosmosOptions, IOptions<TreasureHunt.Core.Configuration.RetentionOptions> retention, TableServiceClient tables, IOptions<TablesOptions> tablesOptions)
{
    public async Task EnsureCreatedAsync(CancellationToken cancellationToken)
    {
        if (cosmosOptions.Value.IsLocalEmulator)
        {
            await CosmosClientFactory.EnsureCreatedAsync(cosmos, cosmosOptions.Value, retention.Value.IdleUserSeconds, cancellationToken);
        }
        if (tablesOptions.Value.CreateTables && !string.IsNullOrWhiteSpace(tablesOptions.Value.ConnectionString))
        {
            foreach (var name in new[] { tablesOptions.Value.CostLedgerTable, tablesOptions.Value.DeadLettersTable, tablesOptions.Value.CheckpointsTable, tablesOptions.Value.ParkedTable, tablesOptions.Value.ErasuresTable })
            {
                await tables.CreateTableIfNotExistsAsync(name, cancellationToken);
            }
        }
    }
}
