using System.Globalization;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;
using TreasureHunt.Pipeline.Queries;

namespace TreasureHunt.Local.Hosting;

/// <summary>
/// Admission of <c>POST /api/events</c>: at most <c>Local:IngestMaxConcurrentRequests</c> requests run at once and
/// <c>Local:IngestQueueLimit</c> more wait, oldest first; beyond that the answer is 429 with <c>Retry-After</c>. Each
/// request buffers up to <c>Local:MaxRequestBytes</c> and fsyncs the log, so without a bound a flood of requests
/// exhausts the host's memory and disk bandwidth. A 429 acknowledges nothing: the sender retries the same request.
/// </summary>
internal sealed class IngestAdmission(IOptions<LocalHostOptions> options) : IDisposable
{
    public const int RetryAfterSeconds = 1;

    private readonly ConcurrencyLimiter _limiter = new(new ConcurrencyLimiterOptions
    {
        PermitLimit = options.Value.IngestMaxConcurrentRequests,
        QueueLimit = options.Value.IngestQueueLimit,
        QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
    });

    /// <summary>The endpoint filter: runs the request once it holds a slot, or answers 429.</summary>
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(next);
        using var lease = await _limiter.AcquireAsync(1, context.HttpContext.RequestAborted);
        if (!lease.IsAcquired)
        {
            var o = options.Value;
            context.HttpContext.Response.Headers.RetryAfter = RetryAfterSeconds.ToString(CultureInfo.InvariantCulture);
            return new ApiResponseResult(ApiResponse.Problem(429, "Too many requests",
                $"at most {o.IngestMaxConcurrentRequests} ingest requests run at once and {o.IngestQueueLimit} wait (Local:IngestMaxConcurrentRequests, Local:IngestQueueLimit); nothing was acknowledged, retry after {RetryAfterSeconds} s"));
        }
        return await next(context);
    }

    public void Dispose() => _limiter.Dispose();
}
