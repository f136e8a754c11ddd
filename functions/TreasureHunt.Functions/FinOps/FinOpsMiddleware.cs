using System.Diagnostics;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Azure.Functions.Worker.Middleware;
using Microsoft.Extensions.Logging;
using TreasureHunt.Core.Costs;
using TreasureHunt.Pipeline.FinOps;

namespace TreasureHunt.Functions.FinOps;

/// <summary>
/// Meters every invocation: opens an <see cref="InvocationUsage"/> scope that the stores and the pipeline add to, runs the
/// function, then prices and buffers one cost-ledger record (<see cref="CostRecorder"/>). Recording never fails the
/// invocation; the function's own exception is not touched.
/// </summary>
public sealed class FinOpsMiddleware(CostRecorder recorder, TimeProvider time, ILogger<FinOpsMiddleware> logger) : IFunctionsWorkerMiddleware
{
    public async Task Invoke(FunctionContext context, FunctionExecutionDelegate next)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(next);
        var start = time.GetUtcNow();
        var stopwatch = Stopwatch.StartNew();
        var succeeded = false;
        using var scope = InvocationUsage.Begin(out var usage);
        try
        {
            await next(context);
            succeeded = true;
        }
        finally
        {
            TryRecord(context, start, stopwatch.Elapsed, usage, succeeded);
        }
    }

    /// <summary>The ledger's trigger name (eventHub, http, entity, timer) from the function's trigger binding.</summary>
    public static string TriggerOf(FunctionDefinition definition)
    {
        ArgumentNullException.ThrowIfNull(definition);
        var type = definition.InputBindings.Values.FirstOrDefault(b => b.Type.EndsWith("Trigger", StringComparison.OrdinalIgnoreCase))?.Type;
        return type?.ToLowerInvariant() switch
        {
            "eventhubtrigger" => CostTriggers.EventHub,
            "httptrigger" => CostTriggers.Http,
            "entitytrigger" => CostTriggers.Entity,
            "timertrigger" => CostTriggers.Timer,
            null => "unknown",
            _ => type[..^"Trigger".Length],
        };
    }

    private void TryRecord(FunctionContext context, DateTimeOffset start, TimeSpan duration, InvocationUsage usage, bool succeeded)
    {
        try
        {
            recorder.Record(context.InvocationId, context.FunctionDefinition.Name, TriggerOf(context.FunctionDefinition), start, duration, usage, succeeded);
        }
        catch (Exception e)
        {
            // The ledger is telemetry: a failure to record must never fail (or mask the outcome of) the invocation.
            logger.LogWarning(e, "Could not record the cost of invocation {InvocationId}", context.InvocationId);
        }
    }
}
