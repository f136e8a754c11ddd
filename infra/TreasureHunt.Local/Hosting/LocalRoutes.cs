using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using TreasureHunt.Core.Ports;
using TreasureHunt.Core.Rollups;
using TreasureHunt.Local.EventLog;
using TreasureHunt.Pipeline.Api;
using TreasureHunt.Pipeline.FinOps;
using TreasureHunt.Pipeline.Processing;
using TreasureHunt.Pipeline.Queries;

namespace TreasureHunt.Local.Hosting;

/// <summary>
/// The local host's routes: every entry of the route table (<see cref="ApiRoutes"/>, the Functions app's routes: same
/// handlers, same JSON) plus the local host's own (<see cref="LocalApiRoutes"/>), each behind the one authorization step
/// (<see cref="ApiAccess"/>) for its role.
/// </summary>
internal static class LocalRoutes
{
    /// <param name="appRoutesInProcess">false in worker mode (<see cref="LocalWorker"/>): the worker serves the app's routes, this host only its own.</param>
    public static void Map(WebApplication app, bool appRoutesInProcess = true)
    {
        var api = app.MapGroup("/api");
        foreach (var route in (appRoutesInProcess ? ApiRoutes.All : []).Concat(LocalApiRoutes.All))
        {
            var endpoint = api.MapMethods("/" + route.Template, [route.Method], (HttpContext http, CancellationToken ct) => InvokeAsync(route, http, ct))
                .WithMetadata(route)
                .AddEndpointFilter((context, next) => AuthorizeAsync(route, context, next));
            if (!route.Documented) endpoint.ExcludeFromDescription();
            if (ReferenceEquals(route, LocalApiRoutes.Ingest))
            {
                // After the role check: a caller without the ingest key takes no admission slot.
                endpoint.AddEndpointFilter((context, next) => context.HttpContext.RequestServices.GetRequiredService<IngestAdmission>().InvokeAsync(context, next));
            }
        }
    }

    private static async ValueTask<object?> AuthorizeAsync(ApiRoute route, EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        // Header only: a key in the URL (?code=) ends up in proxy and platform request logs (Azure logs URLs).
        var refused = context.HttpContext.RequestServices.GetRequiredService<ApiAccess>().Authorize(route.Role, context.HttpContext.Request.Headers);
        return refused is null ? await next(context) : ToResult(refused);
    }

    /// <summary>Runs the route's handler; a Functions app route with a role is one metered invocation (as the Functions app meters each).</summary>
    private static async Task<IResult> InvokeAsync(ApiRoute route, HttpContext http, CancellationToken ct)
    {
        var values = http.Request.RouteValues.ToDictionary(v => v.Key, v => v.Value?.ToString(), StringComparer.OrdinalIgnoreCase);
        var call = new ApiCall(http.Request, http.RequestServices, values, ct);
        if (route.LocalOnly || route.Role == ApiRole.Anonymous) return ToResult(await route.Handler(call));
        var run = http.RequestServices.GetRequiredService<InvocationRunner>();
        return ToResult(await run.RunAsync(route.OperationId, CostTriggers.Http, () => route.Handler(call)));
    }

    /// <summary>POST /api/events: NDJSON or a JSON array of messages, appended to the durable log before the 202.</summary>
    internal static async Task<ApiResponse> IngestAsync(ApiCall call)
    {
        var request = call.Request;
        var ct = call.CancellationToken;
        var log = call.Get<LocalEventLog>();
        var o = call.Get<Microsoft.Extensions.Options.IOptions<LocalHostOptions>>().Value;
        // The content type first: a wrong or missing one is 415 whatever the body.
        var unsupported = IngestRequestReader.TrySplit(ReadOnlyMemory<byte>.Empty, request.ContentType, o.IngestLimits, out _);
        if (unsupported is { StatusCode: 415 }) return unsupported;
        var max = o.MaxRequestBytes;
        if (request.ContentLength > max)
        {
            return ApiResponse.Problem(413, "Payload too large", $"at most {max} bytes per request (Local:MaxRequestBytes)");
        }
        using var buffer = new MemoryStream();
        var chunk = new byte[81920];
        int read;
        while ((read = await request.Body.ReadAsync(chunk, ct)) > 0)
        {
            if (buffer.Length + read > max)
            {
                return ApiResponse.Problem(413, "Payload too large", $"at most {max} bytes per request (Local:MaxRequestBytes)");
            }
            buffer.Write(chunk, 0, read);
        }
        var body = buffer.GetBuffer().AsMemory(0, (int)buffer.Length);
        if (IngestRequestReader.TrySplit(body, request.ContentType, o.IngestLimits, out var messages) is { } problem)
        {
            return problem;
        }
        if (messages.Any(m => TreasureHunt.Core.Erasure.EraseControlMessage.IsControl(m.Span)))
        {
            // Only DELETE /api/users/{userId} writes erase control messages: a client cannot erase through ingest.
            return ApiResponse.BadRequest("a message may not start like an erase control message ({\"$control\":...); use DELETE /api/users/{userId}");
        }
        try
        {
            await log.AppendAsync(messages, call.Get<TimeProvider>().GetUtcNow(), ct); // durable (fsync) before the 202
        }
        catch (IOException e)
        {
            // A partition's append failed and was cut off again; others may have stored theirs. Nothing is lost by a
            // retry: a message stored twice is the same eventId, dropped as a duplicate by the pipeline.
            call.Get<ILoggerFactory>().CreateLogger("TreasureHunt.Local.Ingest").LogError(e, "Appending {Count} messages to the event log failed", messages.Count);
            return ApiResponse.Problem(503, "Service unavailable", "the event log could not store the request (I/O error); nothing was acknowledged, retry it");
        }
        return ApiResponse.Status(202, new IngestAccepted(messages.Count));
    }

    /// <summary>GET /api/local/status: messages logged and processed, pending rollups, holds (what ./th waits on), and the
    /// host process' CPU time and GC-allocated bytes so far (what ./th bench divides by the events of a phase).</summary>
    internal static async Task<ApiResponse> StatusAsync(ApiCall call)
    {
        var (log, checkpoints, progress, group, holds, ct) = (call.Get<LocalEventLog>(), call.Get<ICheckpointStore>(), call.Get<IProgressStore>(),
            call.Get<ConsumerGroupName>(), call.Get<TreasureHunt.Pipeline.Processing.PartitionHolds>(), call.CancellationToken);
        long messages = 0, processed = 0, rollupsPending = 0;
        foreach (var p in log.Partitions)
        {
            messages += p.NextSequenceNumber;
            processed += (await checkpoints.GetAsync(group.Value, p.PartitionId, ct) ?? -1) + 1;
        }
        rollupsPending = (await progress.ListWithPendingRollupsAsync(group.Value, ct)).Count;
        var totals = holds.Totals();
        return ApiResponse.Ok(new
        {
            messages, processed, rollupsPending, quiescent = messages == processed && rollupsPending == 0,
            held = holds.Current(), retries = totals.Retries, parked = totals.Parked, longestHoldSeconds = totals.LongestHoldSeconds,
            cpuMs = Environment.CpuUsage.TotalTime.TotalMilliseconds, allocatedBytes = GC.GetTotalAllocatedBytes(),
        });
    }

    private static IResult ToResult(ApiResponse response) => new ApiResponseResult(response);
}

/// <summary>
/// The local host's own routes, in the same table form as <see cref="ApiRoutes"/> (role, handler): ingest (producers
/// send to Event Hubs in Azure; documented, with the local host as its only server), the local metrics and status ./th
/// reads and the dashboard's data (not documented).
/// </summary>
internal static class LocalApiRoutes
{
    public static readonly ApiRoute Ingest = new("POST", "events", ApiRole.Ingest, "Ingest", "Send events (local host)",
        "Appends events (the Event schema; NDJSON, one per line, or a JSON array) to the local host's event log, durably before the 202; " +
        "the pipeline reads them as it reads Event Hubs in Azure, where producers send to the event hub instead. A message that breaks the contract is stored and dead-lettered with its reason.",
        "ingest", typeof(IngestAccepted), [400, 413, 415, 429, 503], [], LocalRoutes.IngestAsync, SuccessStatus: 202, LocalOnly: true);

    public static readonly IReadOnlyList<ApiRoute> All =
    [
        Ingest,
        Local("GET", "local/metrics", ApiRole.Reader, "LocalMetrics", "The host's throughput, latency and cost counters since the last reset.",
            c => Task.FromResult(ApiResponse.Ok(c.Get<LocalMetrics>().Snapshot()))),
        Local("POST", "local/metrics/reset", ApiRole.Operator, "LocalMetricsReset", "Starts the metrics over (./th load does before a run).",
            c => { c.Get<LocalMetrics>().Reset(); return Task.FromResult(new ApiResponse(204, "text/plain; charset=utf-8", "")); }),
        Local("GET", "local/status", ApiRole.Reader, "LocalStatus", "Messages logged and processed, pending rollups, held partitions.",
            LocalRoutes.StatusAsync),
        Local("GET", "local/dashboard", ApiRole.Reader, "LocalDashboard", "The dashboard's sampled metrics.",
            c => Task.FromResult(ApiResponse.Ok(c.Get<Dashboard.DashboardSampler>().Snapshot()))),
    ];

    private static ApiRoute Local(string method, string template, ApiRole role, string name, string description, Func<ApiCall, Task<ApiResponse>> handler) =>
        new(method, template, role, name, description, description, "local", null, [], [], handler, LocalOnly: true, Documented: false);
}

/// <summary>The answer of POST /api/events: how many messages were stored.</summary>
internal sealed record IngestAccepted(int Accepted);
