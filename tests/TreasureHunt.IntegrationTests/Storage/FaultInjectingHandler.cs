using System.Globalization;
using System.Net;
using System.Text;

namespace TreasureHunt.IntegrationTests.Storage;

/// <summary>What the <see cref="FaultInjectingHandler"/> does to the next document call.</summary>
public enum Fault
{
    None,
    /// <summary>429 with x-ms-retry-after-ms, before the request reaches the server.</summary>
    Throttled,
    /// <summary>503 before the request reaches the server.</summary>
    Unavailable,
    /// <summary>The server applies the write, but the client gets a 503 (the ambiguous case).</summary>
    UnavailableAfterWrite,
}

/// <summary>
/// Decides which calls fail: a seeded random draw per document point operation (reads and writes; queries,
/// metadata and account calls pass untouched), so a run is reproducible in distribution. Thread-safe.
/// </summary>
internal sealed class FaultPlan(int seed = 1)
{
    private readonly Random _random = new(seed);
    private readonly Lock _lock = new();
    private int _throttled, _unavailable, _afterWrite, _passed;

    /// <summary>Fractions of document calls failed before the server (429, 503) and, for writes only, after it (503).</summary>
    public double ThrottledFraction { get; set; }
    public double UnavailableFraction { get; set; }
    public double AfterWriteFraction { get; set; }
    public int RetryAfterMs { get; set; } = 5;

    public int Throttled => Volatile.Read(ref _throttled);
    public int Unavailable => Volatile.Read(ref _unavailable);
    public int AfterWrite => Volatile.Read(ref _afterWrite);
    public int Passed => Volatile.Read(ref _passed);
    public int Injected => Throttled + Unavailable + AfterWrite;

    public Fault Next(bool isWrite)
    {
        double draw;
        lock (_lock)
        {
            draw = _random.NextDouble();
        }
        if ((draw -= ThrottledFraction) < 0)
        {
            Interlocked.Increment(ref _throttled);
            return Fault.Throttled;
        }
        if ((draw -= UnavailableFraction) < 0)
        {
            Interlocked.Increment(ref _unavailable);
            return Fault.Unavailable;
        }
        if (isWrite && (draw -= AfterWriteFraction) < 0)
        {
            Interlocked.Increment(ref _afterWrite);
            return Fault.UnavailableAfterWrite;
        }
        Interlocked.Increment(ref _passed);
        return Fault.None;
    }
}

/// <summary>
/// Sits between the Cosmos SDK and the network (<c>CosmosClientFactory.Create(options, handler)</c>) and answers a
/// share of the document calls with 429 / 503 — before they reach the server, or after the server applied the write.
/// </summary>
internal sealed class FaultInjectingHandler(HttpMessageHandler inner, FaultPlan plan) : DelegatingHandler(inner)
{
    public static Func<HttpMessageHandler, HttpMessageHandler> For(FaultPlan plan) => inner => new FaultInjectingHandler(inner, plan);

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (!IsDocumentPointOperation(request))
        {
            return await base.SendAsync(request, cancellationToken);
        }
        var isWrite = request.Method != HttpMethod.Get && request.Method != HttpMethod.Head && request.Method != HttpMethod.Delete;
        switch (plan.Next(isWrite))
        {
            case Fault.Throttled:
                return Failure(request, HttpStatusCode.TooManyRequests, plan.RetryAfterMs);
            case Fault.Unavailable:
                return Failure(request, HttpStatusCode.ServiceUnavailable, null);
            case Fault.UnavailableAfterWrite:
                using (await base.SendAsync(request, cancellationToken))
                {
                    // The write is done on the server; the client only learns that "something went wrong".
                }
                return Failure(request, HttpStatusCode.ServiceUnavailable, null);
            default:
                return await base.SendAsync(request, cancellationToken);
        }
    }

    /// <summary>Create/read/replace/upsert/patch/delete of one document: .../docs or .../docs/{id}, not a query.</summary>
    private static bool IsDocumentPointOperation(HttpRequestMessage request)
    {
        var path = request.RequestUri?.AbsolutePath.TrimEnd('/') ?? "";
        var segments = path.Split('/', StringSplitOptions.RemoveEmptyEntries);
        var docs = Array.IndexOf(segments, "docs");
        if (docs < 0 || segments.Length > docs + 2)
        {
            return false;
        }
        return !request.Headers.Contains("x-ms-documentdb-isquery") && !request.Headers.Contains("x-ms-cosmos-is-query-plan-request")
            && !(request.Content?.Headers.ContentType?.MediaType?.Contains("query", StringComparison.OrdinalIgnoreCase) ?? false);
    }

    private static HttpResponseMessage Failure(HttpRequestMessage request, HttpStatusCode status, int? retryAfterMs)
    {
        var response = new HttpResponseMessage(status)
        {
            RequestMessage = request,
            Content = new StringContent(
                $$"""{"code":"{{status}}","message":"injected by FaultInjectingHandler"}""", Encoding.UTF8, "application/json"),
        };
        response.Headers.TryAddWithoutValidation("x-ms-activity-id", Guid.NewGuid().ToString());
        response.Headers.TryAddWithoutValidation("x-ms-request-charge", "0");
        if (retryAfterMs is { } ms)
        {
            response.Headers.TryAddWithoutValidation("x-ms-retry-after-ms", ms.ToString(CultureInfo.InvariantCulture));
            response.Headers.TryAddWithoutValidation("x-ms-substatus", "3200");
        }
        return response;
    }
}
