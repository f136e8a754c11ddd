using System.Diagnostics;
using Microsoft.Extensions.Logging;
using TreasureHunt.Core.Costs;

namespace TreasureHunt.Pipeline.FinOps;

/// <summary>
/// The FinOps scope of one invocation on every host: opens the <see cref="InvocationUsage"/> the stores and the
/// pipeline add to, runs the work, then prices and buffers one cost record. Recording never fails the invocation
/// and never masks its outcome.
/// </summary>
public sealed class InvocationMeter(CostRecorder recorder, TimeProvider time, ILogger<InvocationMeter> logger)
{
    /// <summary>Runs <paramref name="work"/> metered; <paramref name="describe"/> names the function and its trigger
    /// when the record is made, so a host whose metadata fails to read still runs the work.</summary>
    public async Task<T> RunAsync<T>(string invocationId, Func<(string Function, string Trigger)> describe, Func<Task<T>> work)
    {
        ArgumentNullException.ThrowIfNull(work);
        var start = time.GetUtcNow();
        var stopwatch = Stopwatch.StartNew();
        using var scope = InvocationUsage.Begin(out var usage);
        var succeeded = false;
        try
        {
            var result = await work();
            succeeded = true;
            return result;
        }
        finally
        {
            TryRecord(invocationId, describe, start, stopwatch.Elapsed, usage, succeeded);
        }
    }

    public Task RunAsync(string invocationId, Func<(string Function, string Trigger)> describe, Func<Task> work)
    {
        ArgumentNullException.ThrowIfNull(work);
        return RunAsync(invocationId, describe, async () =>
        {
            await work();
            return true;
        });
    }

    private void TryRecord(string invocationId, Func<(string Function, string Trigger)> describe, DateTimeOffset start, TimeSpan duration,
        InvocationUsage usage, bool succeeded)
    {
        try
        {
            var (function, trigger) = describe();
            recorder.Record(invocationId, function, trigger, start, duration, usage, succeeded);
        }
        catch (Exception e)
        {
            // The ledger is telemetry: a failure to record must never fail (or mask the outcome of) the invocation.
            logger.LogWarning(e, "Could not record the cost of invocation {InvocationId}", invocationId);
        }
    }
}
