using System.Diagnostics;
using TreasureHunt.Core.Costs;
using TreasureHunt.Pipeline.FinOps;
using TreasureHunt.Pipeline.Telemetry;

namespace TreasureHunt.Local.Hosting;

/// <summary>The local host's equivalent of the Functions FinOps middleware: a usage scope around a unit of work, then one cost record.</summary>
internal sealed class InvocationRunner(CostRecorder recorder, LocalMetrics metrics, TimeProvider time)
{
    public async Task<T> RunAsync<T>(string function, string trigger, Func<Task<T>> work)
    {
        var start = time.GetUtcNow();
        // The invocation span, as the Functions host's OpenTelemetry integration creates one per invocation.
        using var activity = PipelineActivities.Source.StartActivity(function, trigger == CostTriggers.Http ? ActivityKind.Internal : ActivityKind.Consumer);
        activity?.SetTag("faas.name", function);
        activity?.SetTag("faas.trigger", trigger);
        var stopwatch = Stopwatch.StartNew();
        using var scope = InvocationUsage.Begin(out var usage);
        var succeeded = false;
        try
        {
            var result = await work();
            succeeded = true;
            return result;
        }
        catch (Exception e)
        {
            activity?.SetStatus(ActivityStatusCode.Error, e.Message);
            throw;
        }
        finally
        {
            metrics.RecordCost(recorder.Record(Guid.NewGuid().ToString("N"), function, trigger, start, stopwatch.Elapsed, usage, succeeded));
        }
    }
}
