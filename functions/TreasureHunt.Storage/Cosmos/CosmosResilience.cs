using System.Net;
using Microsoft.Azure.Cosmos;
using Polly;
using Polly.Retry;

namespace TreasureHunt.Storage.Cosmos;

/// <summary>
/// Bounded exponential backoff (with jitter) for transient Cosmos failures: 429 (honouring retry-after), 503, 408,
/// 449 and transport timeouts. The SDK's own 429 retries are turned off so that this is the one retry policy.
/// What outlives the retries is rethrown: the batch fails and is redelivered; nothing is swallowed.
/// </summary>
internal static class CosmosResilience
{
    public static ResiliencePipeline Create(int maxRetries) => new ResiliencePipelineBuilder()
        .AddRetry(new RetryStrategyOptions
        {
            MaxRetryAttempts = maxRetries,
            BackoffType = DelayBackoffType.Exponential,
            UseJitter = true,
            Delay = TimeSpan.FromMilliseconds(50),
            MaxDelay = TimeSpan.FromSeconds(5),
            ShouldHandle = new PredicateBuilder().Handle<CosmosException>(IsTransient).Handle<HttpRequestException>()
                .Handle<TimeoutException>(),
            DelayGenerator = args => ValueTask.FromResult(
                args.Outcome.Exception is CosmosException { StatusCode: HttpStatusCode.TooManyRequests, RetryAfter: { } after } && after > TimeSpan.Zero
                    ? (TimeSpan?)after
                    : null),
        })
        .Build();

    public static bool IsTransient(CosmosException e) => IsTransient(e.StatusCode);

    public static bool IsTransient(HttpStatusCode status) => status is HttpStatusCode.TooManyRequests
        or HttpStatusCode.ServiceUnavailable or HttpStatusCode.RequestTimeout or (HttpStatusCode)449 or HttpStatusCode.GatewayTimeout;
}
