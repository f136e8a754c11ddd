using Microsoft.Azure.Functions.Worker;
using Microsoft.Azure.Functions.Worker.Middleware;
using Microsoft.Extensions.Logging;
using TreasureHunt.Pipeline.Queries;

namespace TreasureHunt.Functions.Http;

/// <summary>
/// The app's exception handler, in every environment: an exception escaping an HTTP function becomes a 500 with an
/// RFC 9457 problem+json body that names the invocation id (for the logs) and never carries a message or a stack
/// trace. Other triggers rethrow unchanged (the Event Hubs retry policy needs the exception). Registered first, so it
/// wraps the FinOps middleware, which still records the invocation as failed.
/// </summary>
internal sealed class ProblemDetailsMiddleware(ILogger<ProblemDetailsMiddleware> logger) : IFunctionsWorkerMiddleware
{
    public async Task Invoke(FunctionContext context, FunctionExecutionDelegate next)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(next);
        try
        {
            await next(context);
        }
        catch (Exception e) when (context.GetHttpContext() is { } http && !http.Response.HasStarted)
        {
            logger.LogError(e, "HTTP function {Function} failed (invocation {InvocationId})", context.FunctionDefinition.Name, context.InvocationId);
            await ProblemResponses.WriteAsync(http.Response, ProblemResponses.InternalError(context.InvocationId));
        }
    }
}
