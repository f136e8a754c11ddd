using TreasureHunt.Core.Configuration;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using TreasureHunt.Core.Ports;

namespace TreasureHunt.Pipeline.Retention;

/// <summary>
/// Enforces retention (<see cref="RetentionOptions.Days"/>, default 30): deletes cost-ledger rows (per invocation,
/// per minute, per hour) and dead letters of hours that ended before now − Days. Run by a timer — the Functions app's
/// <c>Retention</c> function, the local host's retention service. Idempotent: a sweep cut short is finished by the next.
/// </summary>
public sealed class RetentionSweeper(ICostLedger ledger, IDeadLetterStore deadLetters, IOptions<RetentionOptions> options, TimeProvider time, ILogger<RetentionSweeper> logger)
{
    public async Task<(long CostRows, long DeadLetters)> SweepAsync(CancellationToken cancellationToken)
    {
        var cutoff = time.GetUtcNow() - TimeSpan.FromDays(options.Value.Days);
        var costRows = await ledger.DeleteOlderThanAsync(cutoff, cancellationToken);
        var letters = await deadLetters.DeleteOlderThanAsync(cutoff, cancellationToken);
        if (costRows + letters > 0)
        {
            logger.LogInformation("Retention: deleted {CostRows} cost-ledger rows and {DeadLetters} dead letters older than {Cutoff:O}", costRows, letters, cutoff);
        }
        return (costRows, letters);
    }
}
