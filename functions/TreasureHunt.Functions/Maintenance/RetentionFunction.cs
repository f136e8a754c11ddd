using Microsoft.Azure.Functions.Worker;
using TreasureHunt.Pipeline.Retention;

namespace TreasureHunt.Functions.Maintenance;

/// <summary>Hourly (at minute 17): deletes cost-ledger rows and dead letters past retention (<c>Retention:Days</c>, default 30).</summary>
public sealed class RetentionFunction(RetentionSweeper sweeper)
{
    public const string Schedule = "0 17 * * * *";

    [Function("Retention")]
    public Task RunAsync([TimerTrigger(Schedule)] TimerInfo timer, CancellationToken cancellationToken) =>
        sweeper.SweepAsync(cancellationToken);
}
