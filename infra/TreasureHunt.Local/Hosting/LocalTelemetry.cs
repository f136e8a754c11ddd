using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using TreasureHunt.Pipeline.Telemetry;

namespace TreasureHunt.Local.Hosting;

/// <summary>
/// OpenTelemetry for the local host: when <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set (e.g. http://127.0.0.1:4317 for
/// a local collector, Jaeger or the .NET Aspire dashboard), traces (the pipeline's spans, ASP.NET Core requests, the
/// Cosmos SDK's operations) and the pipeline's metrics go there over OTLP; the exporter reads the standard
/// OTEL_EXPORTER_OTLP_* variables itself. Unset: no exporter is registered (the dashboard still reads the metrics
/// in-process, see <see cref="Dashboard.DashboardSampler"/>).
/// </summary>
internal static class LocalTelemetry
{
    public const string EndpointSetting = "OTEL_EXPORTER_OTLP_ENDPOINT";

    public static IServiceCollection AddLocalTelemetry(this IServiceCollection services, IConfiguration configuration)
    {
        if (string.IsNullOrWhiteSpace(configuration[EndpointSetting]))
        {
            return services;
        }
        services.AddOpenTelemetry()
            .ConfigureResource(r => r.AddService(configuration["OTEL_SERVICE_NAME"] is { Length: > 0 } name ? name : "treasurehunt-local"))
            .WithTracing(t => t
                .AddSource(PipelineActivities.SourceName, "Azure.Cosmos.Operation")
                .AddAspNetCoreInstrumentation(o => o.Filter = context => !context.Request.Path.StartsWithSegments("/api/local"))
                .AddOtlpExporter())
            .WithMetrics(m => m
                .AddMeter(PipelineMetrics.MeterName)
                .AddOtlpExporter());
        return services;
    }
}
