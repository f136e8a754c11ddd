using Microsoft.Azure.Functions.Worker;
using Microsoft.Azure.Functions.Worker.Middleware;
using TreasureHunt.Core.Costs;
using TreasureHunt.Pipeline.FinOps;

namespace TreasureHunt.Functions.FinOps;

/// <summary>Meters every invocation through the hosts' one <see cref="InvocationMeter"/>; the function's own exception is not touched.</summary>
internal sealed class FinOpsMiddleware(InvocationMeter meter) : IFunctionsWorkerMiddleware
{
    public Task Invoke(FunctionContext context, FunctionExecutionDelegate next)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(next);
        return meter.RunAsync(context.InvocationId, () => (context.FunctionDefinition.Name, TriggerOf(context.FunctionDefinition)), () => next(context));
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
}
