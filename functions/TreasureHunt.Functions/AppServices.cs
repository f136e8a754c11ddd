using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using TreasureHunt.Core.Ports;
using TreasureHunt.Functions.Rollups;
using TreasureHunt.Pipeline;
using TreasureHunt.Storage;

namespace TreasureHunt.Functions;

/// <summary>The app's service registrations (called by Program; the tests check the graph resolves).</summary>
public static class AppServices
{
    public static IServiceCollection AddTreasureHuntFunctions(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddTreasureHuntPipeline(configuration);
        services.AddTreasureHuntStorage(configuration);
        services.AddSingleton<IRollupClient, DurableRollupClient>();
        services.AddSingleton<IErasureSender, Storage.EventHubs.EventHubErasureSender>();
        return services;
    }
}
