using System.Diagnostics;
using TreasureHunt.Pipeline.FinOps;
using TreasureHunt.Pipeline.Telemetry;

namespace TreasureHunt.Local.Hosting;

/// <summary>
/// Where the local host stands in for the Functions host around a unit of work: the invocation span the host's
/// OpenTelemetry integration would open, and the same <see cref="InvocationMeter"/> the Functions FinOps middleware uses.
/// </summary>
internal sealed class InvocationRunner(InvocationMeter meter)
{
    public async Task<T> RunAsync<T>(string function, string trigger, Func<Task<T>> work)
    {
        using var activity = PipelineActivities.Source.StartActivity(function, trigger == CostTriggers.Http ? ActivityKind.Internal : ActivityKind.Consumer);
        activity?.SetTag("faas.name", function);
        activity?.SetTag("faas.trigger", trigger);
        try
        {
            return await meter.RunAsync(Guid.NewGuid().ToString("N"), () => (function, trigger), work);
        }
        catch (Exception e)
        {
            activity?.SetStatus(ActivityStatusCode.Error, e.Message);
            throw;
        }
    }
}
