using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

namespace TreasureHunt.Functions.Http;

/// <summary>Erase a user (<c>DELETE /api/users/{userId}</c>: 202 with the erasure id) and follow it (<c>GET /api/erasures/{erasureId}</c>). Operator role; the handlers are the pipeline's <see cref="TreasureHunt.Pipeline.Erasure.ErasureApi"/> (route table).</summary>
public sealed class ErasureFunctions(ApiRouteInvoker routes)
{
    [Function("EraseUser")]
    public Task<IActionResult> EraseUserAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "delete", Route = "users/{userId}")] HttpRequest request, string userId, CancellationToken cancellationToken) =>
        routes.RunAsync("EraseUser", request, cancellationToken, ("userId", userId));

    [Function("Erasure")]
    public Task<IActionResult> ErasureAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "erasures/{erasureId}")] HttpRequest request, string erasureId, CancellationToken cancellationToken) =>
        routes.RunAsync("Erasure", request, cancellationToken, ("erasureId", erasureId));
}
