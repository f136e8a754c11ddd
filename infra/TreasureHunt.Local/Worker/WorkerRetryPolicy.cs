using System.Text.Json.Nodes;
using System.Xml;

namespace TreasureHunt.Local.Worker;

/// <summary>
/// A function's retry policy as its metadata carries it (<c>RpcFunctionMetadata.retry_options</c>, from
/// <c>[ExponentialBackoffRetry]</c> / <c>[FixedDelayRetry]</c>): the host re-runs a failed invocation until it succeeds or
/// the count is spent, <c>-1</c> meaning without end, and an Event Hubs trigger checkpoints only after that
/// (https://learn.microsoft.com/azure/azure-functions/functions-bindings-error-pages#retries).
/// The delays double from the minimum to the maximum without the WebJobs SDK's random jitter.
/// </summary>
internal sealed record WorkerRetryPolicy(int MaxRetryCount, bool Exponential, TimeSpan MinimumInterval, TimeSpan MaximumInterval)
{
    /// <summary>No retry: one attempt.</summary>
    public static WorkerRetryPolicy None { get; } = new(0, false, TimeSpan.Zero, TimeSpan.Zero);

    /// <summary>The policy of a function's metadata (proto3 JSON: default values are omitted, so a missing strategy is exponential_backoff = 0).</summary>
    public static WorkerRetryPolicy FromMetadata(JsonObject function)
    {
        if (function["retryOptions"] is not JsonObject retry)
        {
            return None;
        }
        var maxRetryCount = (int?)retry["maxRetryCount"] ?? 0;
        var strategy = (string?)retry["retryStrategy"] ?? "exponential_backoff";
        return strategy switch
        {
            "exponential_backoff" => new(maxRetryCount, true, Duration(retry["minimumInterval"]), Duration(retry["maximumInterval"])),
            "fixed_delay" => new(maxRetryCount, false, Duration(retry["delayInterval"]), Duration(retry["delayInterval"])),
            _ => throw new InvalidOperationException($"Unknown retry strategy '{strategy}' in the function metadata."),
        };
    }

    /// <summary>Whether another attempt follows attempt number <paramref name="retryCount"/> (0 = the first run) that failed.</summary>
    public bool RetriesAfter(int retryCount) => MaxRetryCount == -1 || retryCount < MaxRetryCount;

    /// <summary>The wait before retry number <paramref name="retryCount"/> (1 = the first retry).</summary>
    public TimeSpan DelayBefore(int retryCount)
    {
        if (!Exponential)
        {
            return MinimumInterval;
        }
        var ticks = MinimumInterval.Ticks * Math.Pow(2, Math.Min(retryCount - 1, 30));
        return ticks >= MaximumInterval.Ticks ? MaximumInterval : TimeSpan.FromTicks((long)ticks);
    }

    /// <summary>A proto3 JSON <c>google.protobuf.Duration</c> ("1s", "60s", "0.500s").</summary>
    private static TimeSpan Duration(JsonNode? value) =>
        value is null ? TimeSpan.Zero : XmlConvert.ToTimeSpan("PT" + ((string)value!).ToUpperInvariant());
}
