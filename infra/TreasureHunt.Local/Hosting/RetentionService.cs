using TreasureHunt.Core.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using TreasureHunt.Pipeline.FinOps;
using TreasureHunt.Pipeline.Retention;

namespace TreasureHunt.Local.Hosting;

/// <summary>
/// The local host's equivalent of the Functions app's <c>Retention</c> timer: a sweep at start-up, then every
/// <c>Retention:IntervalMinutes</c>; in worker mode (<see cref="LocalWorker"/>) the worker's <c>Retention</c> function sweeps.
/// </summary>
internal sealed class RetentionService(RetentionSweeper sweeper, InvocationRunner invocations, IOptions<RetentionOptions> options, TimeProvider time, ILogger<RetentionService> logger, LocalWorker? worker = null) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var interval = TimeSpan.FromMinutes(options.Value.IntervalMinutes);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                if (worker is null)
                {
                    await invocations.RunAsync("Retention", CostTriggers.Timer, () => sweeper.SweepAsync(stoppingToken));
                }
                else
                {
                    await worker.InvokeTimerAsync(LocalWorker.RetentionFunction, stoppingToken);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception e)
            {
                logger.LogWarning(e, "Retention sweep failed; retrying at the next interval");
            }
            await Task.Delay(interval, time, stoppingToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }
}
