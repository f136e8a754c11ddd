using TreasureHunt.Core.Costs;

namespace TreasureHunt.Core.Ports;

/// <summary>
/// The cost ledger (Azure Table <c>costledger</c>): one row per invocation, plus pre-aggregated per-minute and per-hour
/// rows (one per writer, function and trigger) that answer range queries in bounded time.
/// </summary>
public interface ICostLedger
{
    /// <summary>Per-invocation rows (writing one again replaces it).</summary>
    Task WriteAsync(IReadOnlyList<CostRecord> records, CancellationToken cancellationToken);

    /// <summary>
    /// Pre-aggregated rows of one writer: each total holds the writer's absolute sum for its period (a minute or an
    /// hour), so writing it again replaces it — a retried write never counts twice.
    /// </summary>
    Task WriteTotalsAsync(string writer, TimeSpan period, IReadOnlyList<CostTotal> totals, CancellationToken cancellationToken);

    /// <summary>Per-invocation records that started in [from, to).</summary>
    Task<IReadOnlyList<CostRecord>> QueryAsync(DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken);

    /// <summary>
    /// Totals covering exactly the invocations that started in [from, to), read from the hour and minute rows with
    /// per-invocation rows only for partial minutes (<see cref="CostRangePlan"/>).
    /// </summary>
    Task<IReadOnlyList<CostTotal>> QueryTotalsAsync(DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken);

    /// <summary>Deletes rows of hours that ended before <paramref name="cutoff"/>; returns how many.</summary>
    Task<long> DeleteOlderThanAsync(DateTimeOffset cutoff, CancellationToken cancellationToken);
}
