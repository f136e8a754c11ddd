using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask.Client;
using TreasureHunt.Functions.Rollups;
using TreasureHunt.Pipeline.Api;

namespace TreasureHunt.Functions.Http;

/// <summary>
/// The HTTP query API (GET, under /api). Each function is the route table's entry of its name (<see cref="ApiRoutes"/>:
/// role, handler; the local host serves the same): <see cref="ApiAuthorizationMiddleware"/> checks the role, the
/// function only adapts the request and the answer. Routes that read the rollup entities take a <c>[DurableClient]</c>
/// (see <see cref="DurableRollupClient"/>).
/// </summary>
public sealed class QueryFunctions(ApiRouteInvoker routes)
{
    [Function("UserProfile")]
    public Task<IActionResult> UserProfileAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "users/{userId}/profile")] HttpRequest request, string userId, CancellationToken cancellationToken) =>
        routes.RunAsync("UserProfile", request, cancellationToken, ("userId", userId));

    [Function("UserFeatures")]
    public Task<IActionResult> UserFeaturesAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "users/{userId}/features")] HttpRequest request, string userId, CancellationToken cancellationToken) =>
        routes.RunAsync("UserFeatures", request, cancellationToken, ("userId", userId));

    [Function("DefinitionsVersions")]
    public Task<IActionResult> DefinitionsVersionsAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "features/versions")] HttpRequest request, CancellationToken cancellationToken) =>
        routes.RunAsync("DefinitionsVersions", request, cancellationToken);

    [Function("ItemFeatures")]
    public async Task<IActionResult> ItemFeaturesAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "items/{itemId}/features")] HttpRequest request, string itemId,
        [DurableClient] DurableTaskClient durableClient, CancellationToken cancellationToken)
    {
        using var rollups = DurableRollupClient.Use(durableClient);
        return await routes.RunAsync("ItemFeatures", request, cancellationToken, ("itemId", itemId));
    }

    [Function("ItemStats")]
    public async Task<IActionResult> ItemStatsAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "items/{itemId}/stats")] HttpRequest request, string itemId,
        [DurableClient] DurableTaskClient durableClient, CancellationToken cancellationToken)
    {
        using var rollups = DurableRollupClient.Use(durableClient);
        return await routes.RunAsync("ItemStats", request, cancellationToken, ("itemId", itemId));
    }

    [Function("Leaderboard")]
    public async Task<IActionResult> LeaderboardAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "leaderboard")] HttpRequest request,
        [DurableClient] DurableTaskClient durableClient, CancellationToken cancellationToken)
    {
        using var rollups = DurableRollupClient.Use(durableClient);
        return await routes.RunAsync("Leaderboard", request, cancellationToken);
    }

    [Function("Totals")]
    public async Task<IActionResult> TotalsAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "totals")] HttpRequest request,
        [DurableClient] DurableTaskClient durableClient, CancellationToken cancellationToken)
    {
        using var rollups = DurableRollupClient.Use(durableClient);
        return await routes.RunAsync("Totals", request, cancellationToken);
    }

    [Function("GroupFeatures")]
    public async Task<IActionResult> GroupFeaturesAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "groups/{group}/features")] HttpRequest request, string group,
        [DurableClient] DurableTaskClient durableClient, CancellationToken cancellationToken)
    {
        using var rollups = DurableRollupClient.Use(durableClient); // the global group's per-type counts are the totals entity's
        return await routes.RunAsync("GroupFeatures", request, cancellationToken, ("group", group));
    }

    [Function("NamedLeaderboard")]
    public Task<IActionResult> NamedLeaderboardAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "leaderboards/{name}")] HttpRequest request, string name, CancellationToken cancellationToken) =>
        routes.RunAsync("NamedLeaderboard", request, cancellationToken, ("name", name));

    [Function("DeadLetters")]
    public Task<IActionResult> DeadLettersAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "deadletters")] HttpRequest request, CancellationToken cancellationToken) =>
        routes.RunAsync("DeadLetters", request, cancellationToken);

    [Function("FinOpsCost")]
    public Task<IActionResult> FinOpsCostAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "finops/cost")] HttpRequest request, CancellationToken cancellationToken) =>
        routes.RunAsync("FinOpsCost", request, cancellationToken);

    /// <summary>Liveness: anonymous, answers from memory, touches no store (no cost amplifier for anonymous callers).</summary>
    [Function("Health")]
    public Task<IActionResult> HealthAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "health")] HttpRequest request, CancellationToken cancellationToken) =>
        routes.RunAsync("Health", request, cancellationToken);

    /// <summary>Readiness: every store (and held/parked details), reader role, cached for a few seconds.</summary>
    [Function("Ready")]
    public Task<IActionResult> ReadyAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "health/ready")] HttpRequest request, CancellationToken cancellationToken) =>
        routes.RunAsync("Ready", request, cancellationToken);
}
