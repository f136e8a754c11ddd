using Azure.Identity;
using Azure.Monitor.OpenTelemetry.Exporter;
using Microsoft.Azure.Functions.Worker.OpenTelemetry;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;
using TreasureHunt.Pipeline.Telemetry;

namespace TreasureHunt.Functions.Telemetry;

/// <summary>
/// OpenTelemetry in the Functions app (host.json <c>telemetryMode: OpenTelemetry</c>): the worker's invocation
/// spans (Microsoft.Azure.Functions.Worker.OpenTelemetry), the pipeline's spans and metrics
/// (<see cref="PipelineActivities"/>, <see cref="PipelineMetrics"/>) and the Cosmos SDK's operation spans, exported
/// to Application Insights by Azure.Monitor.OpenTelemetry.Exporter. Application Insights has local auth disabled
/// (bicep/modules/monitoring.bicep), so the exporter authenticates with the app's managed identity
/// (Entra ID token; the identity holds Monitoring Metrics Publisher on the component, bicep/modules/rbac.bicep).
/// Without APPLICATIONINSIGHTS_CONNECTION_STRING (local runs, tests) no exporter is registered.
/// </summary>
internal static class FunctionsTelemetry
{
    public const string ConnectionStringSetting = "APPLICATIONINSIGHTS_CONNECTION_STRING";

    public static IServiceCollection AddTreasureHuntTelemetry(this IServiceCollection services, IConfiguration configuration)
    {
        var connectionString = configuration[ConnectionStringSetting];
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            return services;
        }
        services.AddOpenTelemetry()
            .UseFunctionsWorkerDefaults()
            .WithTracing(t => t.AddSource(PipelineActivities.SourceName, "Azure.Cosmos.Operation"))
            .WithMetrics(m => m.AddMeter(PipelineMetrics.MeterName))
            .UseAzureMonitorExporter(o =>
            {
                o.ConnectionString = connectionString;
                // System-assigned identity in Azure; DefaultAzureCredential also covers a developer's az login.
                o.Credential = new DefaultAzureCredential();
            });
        return services;
    }
}
