using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using TreasureHunt.Core.Configuration;
using TreasureHunt.Pipeline.Erasure;
using TreasureHunt.Pipeline.FinOps;
using TreasureHunt.Pipeline.Processing;

namespace TreasureHunt.Local.Hosting;

/// <summary>
/// The local host's equivalent of the Functions app's <c>CleanErasures</c> timer: the erasure cleanup
/// (<see cref="ErasureCleaner"/>) every <c>Retention:ErasureCleanupSeconds</c>; in worker mode (<see cref="LocalWorker"/>)
/// the worker's <c>CleanErasures</c> function runs it. A failed or interrupted run is done again by the next one.
/// </summary>
internal sealed class ErasureCleanupService(ErasureCleaner cleaner, ConsumerGroupName consumerGroup, InvocationRunner invocations, IOptions<RetentionOptions> options,
    TimeProvider time, ILogger<ErasureCleanupService> logger, LocalWorker? worker = null) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var interval = TimeSpan.FromSeconds(options.Value.ErasureCleanupSeconds);
        while (!stoppingToken.IsCancellationRequested)
        {
            await Task.Delay(interval, time, stoppingToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            if (stoppingToken.IsCancellationRequested) break;
            try
            {
                if (worker is null)
                {
                    await invocations.RunAsync(LocalWorker.CleanErasuresFunction, CostTriggers.Timer, () => cleaner.CleanAsync(consumerGroup.Value, stoppingToken));
                }
                else
                {
                    await worker.InvokeTimerAsync(LocalWorker.CleanErasuresFunction, stoppingToken);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception e)
            {
                logger.LogWarning(e, "Erasure cleanup failed; retrying at the next interval");
            }
        }
    }
}
