using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using TreasureHunt.Core.Ports;
using TreasureHunt.Core.Rollups;
using TreasureHunt.Local.EventLog;
using TreasureHunt.Pipeline.Erasure;
using TreasureHunt.Pipeline.FinOps;
using TreasureHunt.Pipeline.Queries;

namespace TreasureHunt.Local.Hosting;

/// <summary>The local host's routes: the Functions app's query routes (same handlers, same JSON, function key included) plus ingest and local metrics.</summary>
internal static class LocalRoutes
{
    public static void Map(WebApplication app, LocalHostOptions options)
    {
        var api = app.MapGroup("/api");
        // Liveness: anonymous, from memory, touches no store. Readiness probes the stores, behind the key, cached.
        api.MapGet("/health", () => ToResult(HealthChecks.Liveness()));

        var expectedKey = ApiKeyCheck.Create(options.ApiKey);
        var keyed = api.MapGroup("").AddEndpointFilter(async (context, next) =>
        {
            // Header only: a key in the URL (?code=) ends up in proxy and platform request logs (Azure logs URLs).
            if (!expectedKey.Matches(context.HttpContext.Request.Headers["x-functions-key"].ToString()))
            {
                return ToResult(ApiResponse.Problem(401, "Unauthorized", "a valid function key is required in the x-functions-key header"));
            }
            return await next(context);
        });

        keyed.MapGet("/health/ready", (HealthChecks health, CancellationToken ct) => Respond(health.ReadinessAsync(ct)));
        keyed.MapGet("/users/{userId}/profile", (string userId, QueryApi q, InvocationRunner run, CancellationToken ct) =>
            Query(run, "UserProfile", () => q.GetProfileAsync(userId, ct)));
        keyed.MapGet("/users/{userId}/features", (string userId, HttpRequest r, QueryApi q, InvocationRunner run, CancellationToken ct) =>
            Query(run, "UserFeatures", () => q.GetUserFeaturesAsync(userId, r.Query, ct)));
        keyed.MapGet("/features/versions", (QueryApi q, InvocationRunner run, CancellationToken ct) =>
            Query(run, "DefinitionsVersions", () => q.GetDefinitionsVersionsAsync(ct)));
        keyed.MapGet("/items/{itemId}/features", (string itemId, HttpRequest r, QueryApi q, InvocationRunner run, CancellationToken ct) =>
            Query(run, "ItemFeatures", () => q.GetItemFeaturesAsync(itemId, r.Query, ct)));
        keyed.MapGet("/items/{itemId}/stats", (string itemId, QueryApi q, InvocationRunner run, CancellationToken ct) =>
            Query(run, "ItemStats", () => q.GetItemStatsAsync(itemId, ct)));
        keyed.MapGet("/leaderboard", (HttpRequest r, QueryApi q, InvocationRunner run, CancellationToken ct) =>
            Query(run, "Leaderboard", () => q.GetLeaderboardAsync(r.Query, ct)));
        keyed.MapGet("/groups/{group}/features", (string group, HttpRequest r, QueryApi q, InvocationRunner run, CancellationToken ct) =>
            Query(run, "GroupFeatures", () => q.GetGroupFeaturesAsync(group, r.Query, ct)));
        keyed.MapGet("/leaderboards/{name}", (string name, HttpRequest r, QueryApi q, InvocationRunner run, CancellationToken ct) =>
            Query(run, "NamedLeaderboard", () => q.GetDeclaredLeaderboardAsync(name, r.Query, ct)));
        keyed.MapGet("/totals", (QueryApi q, InvocationRunner run, CancellationToken ct) =>
            Query(run, "Totals", () => q.GetTotalsAsync(ct)));
        keyed.MapGet("/deadletters", (HttpRequest r, QueryApi q, InvocationRunner run, CancellationToken ct) =>
            Query(run, "DeadLetters", () => q.GetDeadLettersAsync(r.Query, ct)));
        keyed.MapGet("/finops/cost", (HttpRequest r, QueryApi q, InvocationRunner run, CancellationToken ct) =>
            Query(run, "FinOpsCost", () => q.GetCostAsync(r.Query, ct)));

        keyed.MapGet("/parked", (HttpRequest r, ParkedApi p, InvocationRunner run, CancellationToken ct) =>
            Query(run, "Parked", () => p.GetParkedAsync(r.Query, ct)));
        keyed.MapPost("/parked/replay", (ParkedApi p, ConsumerGroupName group, InvocationRunner run, CancellationToken ct) =>
            Query(run, "ReplayParked", () => p.ReplayAsync(group.Value, ct)));

        // Erasure (issue 25): the Functions app's ErasureFunctions, same handlers.
        keyed.MapDelete("/users/{userId}", (string userId, ErasureApi e, InvocationRunner run, CancellationToken ct) =>
            Query(run, "EraseUser", () => e.RequestAsync(userId, ct)));
        keyed.MapGet("/erasures/{erasureId}", (string erasureId, ErasureApi e, InvocationRunner run, CancellationToken ct) =>
            Query(run, "Erasure", () => e.GetAsync(erasureId, ct)));

        keyed.MapPost("/events", IngestAsync)
            .AddEndpointFilter((context, next) => context.HttpContext.RequestServices.GetRequiredService<IngestAdmission>().InvokeAsync(context, next));
        keyed.MapGet("/local/metrics", (LocalMetrics m) => Results.Json(m.Snapshot(), ApiResponse.Json));
        keyed.MapPost("/local/metrics/reset", (LocalMetrics m) => { m.Reset(); return Results.NoContent(); });
        keyed.MapGet("/local/status", StatusAsync);
    }

    private static async Task<IResult> IngestAsync(HttpRequest request, LocalEventLog log, TimeProvider time, Microsoft.Extensions.Options.IOptions<LocalHostOptions> options, ILoggerFactory loggers, CancellationToken ct)
    {
        var o = options.Value;
        // The content type first: a wrong or missing one is 415 whatever the body.
        var unsupported = IngestRequestReader.TrySplit(ReadOnlyMemory<byte>.Empty, request.ContentType, o.IngestLimits, out _);
        if (unsupported is { StatusCode: 415 }) return ToResult(unsupported);
        var max = o.MaxRequestBytes;
        if (request.ContentLength > max)
        {
            return ToResult(ApiResponse.Problem(413, "Payload too large", $"at most {max} bytes per request (Local:MaxRequestBytes)"));
        }
        using var buffer = new MemoryStream();
        var chunk = new byte[81920];
        int read;
        while ((read = await request.Body.ReadAsync(chunk, ct)) > 0)
        {
            if (buffer.Length + read > max)
            {
                return ToResult(ApiResponse.Problem(413, "Payload too large", $"at most {max} bytes per request (Local:MaxRequestBytes)"));
            }
            buffer.Write(chunk, 0, read);
        }
        var body = buffer.GetBuffer().AsMemory(0, (int)buffer.Length);
        if (IngestRequestReader.TrySplit(body, request.ContentType, o.IngestLimits, out var messages) is { } problem)
        {
            return ToResult(problem);
        }
        if (messages.Any(m => TreasureHunt.Core.Erasure.EraseControlMessage.IsControl(m.Span)))
        {
            // Only DELETE /api/users/{userId} writes erase control messages: a client cannot erase through ingest.
            return ToResult(ApiResponse.BadRequest("a message may not start like an erase control message ({\"$control\":...); use DELETE /api/users/{userId}"));
        }
        try
        {
            await log.AppendAsync(messages, time.GetUtcNow(), ct); // durable (fsync) before the 202
        }
        catch (IOException e)
        {
            // A partition's append failed and was cut off again; others may have stored theirs. Nothing is lost by a
            // retry: a message stored twice is the same eventId, dropped as a duplicate by the pipeline.
            loggers.CreateLogger("TreasureHunt.Local.Ingest").LogError(e, "Appending {Count} messages to the event log failed", messages.Count);
            return ToResult(ApiResponse.Problem(503, "Service unavailable", "the event log could not store the request (I/O error); nothing was acknowledged, retry it"));
        }
        return Results.Json(new { accepted = messages.Count }, ApiResponse.Json, statusCode: 202);
    }

    private static async Task<IResult> StatusAsync(LocalEventLog log, ICheckpointStore checkpoints, IProgressStore progress, ConsumerGroupName group,
        TreasureHunt.Pipeline.Processing.PartitionHolds holds, CancellationToken ct)
    {
        long messages = 0, processed = 0, rollupsPending = 0;
        foreach (var p in log.Partitions)
        {
            messages += p.NextSequenceNumber;
            processed += (await checkpoints.GetAsync(group.Value, p.PartitionId, ct) ?? -1) + 1;
        }
        rollupsPending = (await progress.ListWithPendingRollupsAsync(group.Value, ct)).Count;
        var totals = holds.Totals();
        return Results.Json(new
        {
            messages, processed, rollupsPending, quiescent = messages == processed && rollupsPending == 0,
            held = holds.Current(), retries = totals.Retries, parked = totals.Parked, longestHoldSeconds = totals.LongestHoldSeconds,
        }, ApiResponse.Json);
    }

    private static async Task<IResult> Query(InvocationRunner run, string function, Func<Task<ApiResponse>> handler) =>
        ToResult(await run.RunAsync(function, CostTriggers.Http, handler));

    private static async Task<IResult> Respond(Task<ApiResponse> response) => ToResult(await response);

    private static IResult ToResult(ApiResponse response) => new ApiResponseResult(response);
}
