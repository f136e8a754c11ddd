using TreasureHunt.Core.Costs;

namespace TreasureHunt.Core.Ports;

/// <summary>One row per invocation (Azure Table <c>costledger</c>, partitioned by hour).</summary>
public interface ICostLedger
{
    Task WriteAsync(IReadOnlyList<CostRecord> records, CancellationToken cancellationToken);

    /// <summary>Records that started in [from, to).</summary>
    Task<IReadOnlyList<CostRecord>> QueryAsync(DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken);
}
