using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using TreasureHunt.Core.Ports;
using TreasureHunt.Core.Rollups;
using TreasureHunt.Local.EventLog;
using TreasureHunt.Pipeline.FinOps;
using TreasureHunt.Pipeline.Queries;

namespace TreasureHunt.Local.Hosting;

/// <summary>The local host's routes: the Functions app's query routes (same handlers, same JSON, function key included) plus ingest and local metrics.</summary>
internal static class LocalRoutes
{
    public static void Map(WebApplication app, LocalHostOptions options)
    {
        var api = app.MapGroup("/api");
        api.MapGet("/health", (QueryApi q, CancellationToken ct) => Respond(q.GetHealthAsync(ct)));

        var keyed = api.MapGroup("").AddEndpointFilter(async (context, next) =>
        {
            var request = context.HttpContext.Request;
            var key = request.Headers["x-functions-key"].ToString() is { Length: > 0 } h ? h : request.Query["code"].ToString();
            if (!string.Equals(key, options.ApiKey, StringComparison.Ordinal) || options.ApiKey.Length == 0)
            {
                return ToResult(ApiResponse.Problem(401, "Unauthorized", "a valid function key is required in the x-functions-key header"));
            }
            return await next(context);
        });

        keyed.MapGet("/users/{userId}/profile", (string userId, QueryApi q, InvocationRunner run, CancellationToken ct) =>
            Query(run, "UserProfile", () => q.GetProfileAsync(userId, ct)));
        keyed.MapGet("/users/{userId}/features", (string userId, HttpRequest r, QueryApi q, InvocationRunner run, CancellationToken ct) =>
            Query(run, "UserFeatures", () => q.GetUserFeaturesAsync(userId, r.Query, ct)));
        keyed.MapGet("/items/{itemId}/features", (string itemId, HttpRequest r, QueryApi q, InvocationRunner run, CancellationToken ct) =>
            Query(run, "ItemFeatures", () => q.GetItemFeaturesAsync(itemId, r.Query, ct)));
        keyed.MapGet("/items/{itemId}/stats", (string itemId, QueryApi q, InvocationRunner run, CancellationToken ct) =>
            Query(run, "ItemStats", () => q.GetItemStatsAsync(itemId, ct)));
        keyed.MapGet("/leaderboard", (HttpRequest r, QueryApi q, InvocationRunner run, CancellationToken ct) =>
            Query(run, "Leaderboard", () => q.GetLeaderboardAsync(r.Query, ct)));
        keyed.MapGet("/totals", (QueryApi q, InvocationRunner run, CancellationToken ct) =>
            Query(run, "Totals", () => q.GetTotalsAsync(ct)));
        keyed.MapGet("/deadletters", (HttpRequest r, QueryApi q, InvocationRunner run, CancellationToken ct) =>
            Query(run, "DeadLetters", () => q.GetDeadLettersAsync(r.Query, ct)));
        keyed.MapGet("/finops/cost", (HttpRequest r, QueryApi q, InvocationRunner run, CancellationToken ct) =>
            Query(run, "FinOpsCost", () => q.GetCostAsync(r.Query, ct)));

        keyed.MapPost("/events", IngestAsync);
        keyed.MapGet("/local/metrics", (LocalMetrics m) => Results.Json(m.Snapshot(), ApiResponse.Json));
        keyed.MapPost("/local/metrics/reset", (LocalMetrics m) => { m.Reset(); return Results.NoContent(); });
        keyed.MapGet("/local/status", StatusAsync);
    }

    private static async Task<IResult> IngestAsync(HttpRequest request, LocalEventLog log, TimeProvider time, Microsoft.Extensions.Options.IOptions<LocalHostOptions> options, CancellationToken ct)
    {
        var max = options.Value.MaxRequestBytes;
        if (request.ContentLength > max)
        {
            return ToResult(ApiResponse.Problem(413, "Payload too large", $"at most {max} bytes per request"));
        }
        using var buffer = new MemoryStream();
        var chunk = new byte[81920];
        int read;
        while ((read = await request.Body.ReadAsync(chunk, ct)) > 0)
        {
            if (buffer.Length + read > max)
            {
                return ToResult(ApiResponse.Problem(413, "Payload too large", $"at most {max} bytes per request"));
            }
            buffer.Write(chunk, 0, read);
        }
        var body = buffer.GetBuffer().AsMemory(0, (int)buffer.Length);
        if (!IngestRequestReader.TrySplit(body, request.ContentType, out var messages, out var error))
        {
            return ToResult(request.ContentType is null || !error.StartsWith("Content-Type", StringComparison.Ordinal)
                ? ApiResponse.BadRequest(error)
                : ApiResponse.Problem(415, "Unsupported media type", error));
        }
        await log.AppendAsync(messages, time.GetUtcNow(), ct); // durable (fsync) before the 202
        return Results.Json(new { accepted = messages.Count }, ApiResponse.Json, statusCode: 202);
    }

    private static async Task<IResult> StatusAsync(LocalEventLog log, ICheckpointStore checkpoints, IProgressStore progress, ConsumerGroupName group, CancellationToken ct)
    {
        long messages = 0, processed = 0, rollupsPending = 0;
        foreach (var p in log.Partitions)
        {
            messages += p.NextSequenceNumber;
            processed += (await checkpoints.GetAsync(group.Value, p.PartitionId, ct) ?? -1) + 1;
        }
        rollupsPending = (await progress.ListWithPendingRollupsAsync(group.Value, ct)).Count;
        return Results.Json(new { messages, processed, rollupsPending, quiescent = messages == processed && rollupsPending == 0 }, ApiResponse.Json);
    }

    private static async Task<IResult> Query(InvocationRunner run, string function, Func<Task<ApiResponse>> handler) =>
        ToResult(await run.RunAsync(function, CostTriggers.Http, handler));

    private static async Task<IResult> Respond(Task<ApiResponse> response) => ToResult(await response);

    private static IResult ToResult(ApiResponse response) => Results.Content(response.Body, response.ContentType, statusCode: response.StatusCode);
}
