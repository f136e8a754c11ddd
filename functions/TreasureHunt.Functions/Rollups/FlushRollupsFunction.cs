using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Logging;
using TreasureHunt.Pipeline.Processing;

namespace TreasureHunt.Functions.Rollups;

/// <summary>Every 2 s, sends the rollups of idle partitions that are due, so their last events reach leaderboards and
/// totals soon after the stream stops (the period is <c>CapacityInputs.RollupFlushTimerSeconds</c> in the capacity model).</summary>
public sealed class FlushRollupsFunction(RollupFlusher flusher, ConsumerGroupName consumerGroup, ILogger<FlushRollupsFunction> logger)
{
    public const string Schedule = "*/2 * * * * *";

    [Function("FlushRollups")]
    public async Task RunAsync(
        [TimerTrigger(Schedule)] TimerInfo timer,
        [DurableClient] DurableTaskClient durableClient,
        CancellationToken cancellationToken)
    {
        using var rollups = DurableRollupClient.Use(durableClient);
        var signals = await flusher.FlushDueAsync(consumerGroup.Value, cancellationToken);
        if (signals > 0)
        {
            logger.LogInformation("Rollup flush sent {Signals} entity signals", signals);
        }
    }
}
