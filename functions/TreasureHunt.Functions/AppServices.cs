using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using TreasureHunt.Core.Ports;
using TreasureHunt.Functions.Rollups;
using Microsoft.Extensions.Options;
using TreasureHunt.Pipeline;
using TreasureHunt.Pipeline.Api;
using TreasureHunt.Storage;

namespace TreasureHunt.Functions;

/// <summary>The app's service registrations (called by Program; the tests check the graph resolves).</summary>
internal static class AppServices
{
    public static IServiceCollection AddTreasureHuntFunctions(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddTreasureHuntPipeline(configuration);
        services.AddTreasureHuntStorage(configuration);
        services.AddSingleton<IRollupClient, DurableRollupClient>();
        services.AddSingleton<IErasureSender, Storage.EventHubs.EventHubErasureSender>();
        services.AddSingleton<Http.ApiRouteInvoker>();
        services.AddSingleton<IValidateOptions<ApiAccessOptions>, FunctionsAccessValidator>();
        return services;
    }
}

/// <summary>
/// In Azure, operators and ingest have no key: operator routes take an Entra ID principal with TreasureHunt.Operate,
/// and producers send to Event Hubs. Only the reader key may be set (the deployment's readerKey parameter).
/// </summary>
public sealed class FunctionsAccessValidator : IValidateOptions<ApiAccessOptions>
{
    public ValidateOptionsResult Validate(string? name, ApiAccessOptions options)
    {
        var set = new List<string>();
        if (!string.IsNullOrEmpty(options.OperatorKey)) set.Add($"{ApiAccessOptions.Section}:{nameof(ApiAccessOptions.OperatorKey)}");
        if (!string.IsNullOrEmpty(options.IngestKey)) set.Add($"{ApiAccessOptions.Section}:{nameof(ApiAccessOptions.IngestKey)}");
        return set.Count == 0
            ? ValidateOptionsResult.Success
            : ValidateOptionsResult.Fail($"{string.Join(" and ", set)} must be empty in the Functions app: operator routes take a Microsoft Entra ID principal with the app role TreasureHunt.Operate, never a key.");
    }
}
