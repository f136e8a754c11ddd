using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask.Client;
using TreasureHunt.Functions.Rollups;

namespace TreasureHunt.Functions.Http;

/// <summary>Parked messages: list them (<c>GET /api/parked</c>) and replay them once their cause is fixed (<c>POST /api/parked/replay</c>). Operator role (route table).</summary>
public sealed class ParkedFunctions(ApiRouteInvoker routes)
{
    [Function("Parked")]
    public Task<IActionResult> ParkedAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "parked")] HttpRequest request, CancellationToken cancellationToken) =>
        routes.RunAsync("Parked", request, cancellationToken);

    [Function("ReplayParked")]
    public async Task<IActionResult> ReplayParkedAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "parked/replay")] HttpRequest request,
        [DurableClient] DurableTaskClient durableClient, CancellationToken cancellationToken)
    {
        using var rollups = DurableRollupClient.Use(durableClient);
        return await routes.RunAsync("ReplayParked", request, cancellationToken);
    }
}
