using Microsoft.Azure.Functions.Worker;
using Microsoft.Azure.Functions.Worker.Middleware;
using TreasureHunt.Pipeline.Api;
using TreasureHunt.Pipeline.Queries;

namespace TreasureHunt.Functions.Http;

/// <summary>
/// The authorization step of every HTTP function: the route table's entry named like the function gives the role,
/// <see cref="ApiAccess"/> checks it against the caller (the Entra ID principal App Service Authentication forwards,
/// or the reader key where the deployment enables one) and answers 401 or 403 problem details instead of running it.
/// The triggers are anonymous to the Functions host: platform function keys play no part.
/// </summary>
internal sealed class ApiAuthorizationMiddleware(ApiAccess access) : IFunctionsWorkerMiddleware
{
    /// <summary>The one HTTP function outside the route table: the document that describes it (anonymous).</summary>
    public const string DocumentFunction = "OpenApiDocument";

    public async Task Invoke(FunctionContext context, FunctionExecutionDelegate next)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(next);
        if (context.GetHttpContext() is { } http && context.FunctionDefinition.Name != DocumentFunction)
        {
            // A function without a table entry is refused (the tests check there is none): no route runs unchecked.
            var route = ApiRoutes.Get(context.FunctionDefinition.Name);
            if (access.Authorize(route.Role, http.Request.Headers) is { } refused)
            {
                await ProblemResponses.WriteAsync(http.Response, refused);
                return;
            }
        }
        await next(context);
    }
}
