using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Logging;
using TreasureHunt.Pipeline.Erasure;
using TreasureHunt.Pipeline.Processing;

namespace TreasureHunt.Functions.Maintenance;

/// <summary>Every 30 s: the physical cleanup of applied erasures (parked rows and dead letters; <see cref="ErasureCleaner"/>).</summary>
public sealed class CleanErasuresFunction(ErasureCleaner cleaner, ConsumerGroupName consumerGroup, ILogger<CleanErasuresFunction> logger)
{
    public const string Schedule = "*/30 * * * * *";

    [Function("CleanErasures")]
    public async Task RunAsync([TimerTrigger(Schedule)] TimerInfo timer, CancellationToken cancellationToken)
    {
        var completed = await cleaner.CleanAsync(consumerGroup.Value, cancellationToken);
        if (completed > 0) logger.LogInformation("Erasure cleanup completed {Erasures} erasures", completed);
    }
}
