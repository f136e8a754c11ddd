using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using TreasureHunt.Pipeline.Erasure;

namespace TreasureHunt.Functions.Http;

/// <summary>Erase a user (<c>DELETE /api/users/{userId}</c>: 202 with the erasure id) and follow it (<c>GET /api/erasures/{erasureId}</c>). Function key; the handlers are the pipeline's <see cref="ErasureApi"/>.</summary>
public sealed class ErasureFunctions(ErasureApi api)
{
    [Function("EraseUser")]
    public async Task<IActionResult> EraseUserAsync(
        [HttpTrigger(AuthorizationLevel.Function, "delete", Route = "users/{userId}")] HttpRequest request, string userId, CancellationToken cancellationToken) =>
        (await api.RequestAsync(userId, cancellationToken)).ToActionResult();

    [Function("Erasure")]
    public async Task<IActionResult> ErasureAsync(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = "erasures/{erasureId}")] HttpRequest request, string erasureId, CancellationToken cancellationToken) =>
        (await api.GetAsync(erasureId, cancellationToken)).ToActionResult();
}
