using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Configuration;
using TreasureHunt.Functions.Rollups;
using TreasureHunt.Pipeline.Queries;

namespace TreasureHunt.Functions.Http;

/// <summary>Parked messages: list them (<c>GET /api/parked</c>) and replay them once their cause is fixed (<c>POST /api/parked/replay</c>). Function key.</summary>
public sealed class ParkedFunctions(ParkedApi api, IConfiguration configuration)
{
    [Function("Parked")]
    public async Task<IActionResult> ParkedAsync(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = "parked")] HttpRequest request, CancellationToken cancellationToken) =>
        (await api.GetParkedAsync(request.Query, cancellationToken)).ToActionResult();

    [Function("ReplayParked")]
    public async Task<IActionResult> ReplayParkedAsync(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = "parked/replay")] HttpRequest request,
        [DurableClient] DurableTaskClient durableClient, CancellationToken cancellationToken)
    {
        using var rollups = DurableRollupClient.Use(durableClient);
        return (await api.ReplayAsync(AppSettings.ConsumerGroup(configuration), cancellationToken)).ToActionResult();
    }
}
