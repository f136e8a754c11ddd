using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask.Client;
using TreasureHunt.Functions.Rollups;
using TreasureHunt.Pipeline.Queries;

namespace TreasureHunt.Functions.Http;

/// <summary>
/// The HTTP query API (GET, under /api). Validation, lookups and JSON shapes are the pipeline's <see cref="QueryApi"/>
/// (the local host serves the same handlers); these functions only adapt the request and the answer.
/// Routes that read the rollup entities take a <c>[DurableClient]</c> (see <see cref="DurableRollupClient"/>).
/// </summary>
public sealed class QueryFunctions(QueryApi api, HealthChecks health)
{
    [Function("UserProfile")]
    public async Task<IActionResult> UserProfileAsync(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = "users/{userId}/profile")] HttpRequest request, string userId, CancellationToken cancellationToken) =>
        (await api.GetProfileAsync(userId, cancellationToken)).ToActionResult();

    [Function("UserFeatures")]
    public async Task<IActionResult> UserFeaturesAsync(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = "users/{userId}/features")] HttpRequest request, string userId, CancellationToken cancellationToken) =>
        (await api.GetUserFeaturesAsync(userId, request.Query, cancellationToken)).ToActionResult();

    [Function("DefinitionsVersions")]
    public async Task<IActionResult> DefinitionsVersionsAsync(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = "features/versions")] HttpRequest request, CancellationToken cancellationToken) =>
        (await api.GetDefinitionsVersionsAsync(cancellationToken)).ToActionResult();

    [Function("ItemFeatures")]
    public async Task<IActionResult> ItemFeaturesAsync(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = "items/{itemId}/features")] HttpRequest request, string itemId,
        [DurableClient] DurableTaskClient durableClient, CancellationToken cancellationToken)
    {
        using var rollups = DurableRollupClient.Use(durableClient);
        return (await api.GetItemFeaturesAsync(itemId, request.Query, cancellationToken)).ToActionResult();
    }

    [Function("ItemStats")]
    public async Task<IActionResult> ItemStatsAsync(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = "items/{itemId}/stats")] HttpRequest request, string itemId,
        [DurableClient] DurableTaskClient durableClient, CancellationToken cancellationToken)
    {
        using var rollups = DurableRollupClient.Use(durableClient);
        return (await api.GetItemStatsAsync(itemId, cancellationToken)).ToActionResult();
    }

    [Function("Leaderboard")]
    public async Task<IActionResult> LeaderboardAsync(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = "leaderboard")] HttpRequest request,
        [DurableClient] DurableTaskClient durableClient, CancellationToken cancellationToken)
    {
        using var rollups = DurableRollupClient.Use(durableClient);
        return (await api.GetLeaderboardAsync(request.Query, cancellationToken)).ToActionResult();
    }

    [Function("Totals")]
    public async Task<IActionResult> TotalsAsync(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = "totals")] HttpRequest request,
        [DurableClient] DurableTaskClient durableClient, CancellationToken cancellationToken)
    {
        using var rollups = DurableRollupClient.Use(durableClient);
        return (await api.GetTotalsAsync(cancellationToken)).ToActionResult();
    }

    [Function("GroupFeatures")]
    public async Task<IActionResult> GroupFeaturesAsync(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = "groups/{group}/features")] HttpRequest request, string group,
        [DurableClient] DurableTaskClient durableClient, CancellationToken cancellationToken)
    {
        using var rollups = DurableRollupClient.Use(durableClient); // the global group's per-type counts are the totals entity's
        return (await api.GetGroupFeaturesAsync(group, request.Query, cancellationToken)).ToActionResult();
    }

    [Function("NamedLeaderboard")]
    public async Task<IActionResult> NamedLeaderboardAsync(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = "leaderboards/{name}")] HttpRequest request, string name, CancellationToken cancellationToken) =>
        (await api.GetDeclaredLeaderboardAsync(name, request.Query, cancellationToken)).ToActionResult();

    [Function("DeadLetters")]
    public async Task<IActionResult> DeadLettersAsync(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = "deadletters")] HttpRequest request, CancellationToken cancellationToken) =>
        (await api.GetDeadLettersAsync(request.Query, cancellationToken)).ToActionResult();

    [Function("FinOpsCost")]
    public async Task<IActionResult> FinOpsCostAsync(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = "finops/cost")] HttpRequest request, CancellationToken cancellationToken) =>
        (await api.GetCostAsync(request.Query, cancellationToken)).ToActionResult();

    /// <summary>Liveness: anonymous, answers from memory, touches no store (no cost amplifier for anonymous callers).</summary>
    [Function("Health")]
    public static IActionResult Health(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "health")] HttpRequest request) =>
        HealthChecks.Liveness().ToActionResult();

    /// <summary>Readiness: every store (and held/parked details), behind the function key, cached for a few seconds.</summary>
    [Function("Ready")]
    public async Task<IActionResult> ReadyAsync(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = "health/ready")] HttpRequest request, CancellationToken cancellationToken) =>
        (await health.ReadinessAsync(cancellationToken)).ToActionResult();
}
