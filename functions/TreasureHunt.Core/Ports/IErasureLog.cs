using TreasureHunt.Core.Erasure;

namespace TreasureHunt.Core.Ports;

/// <summary>The erasure log (Azure Table <c>erasures</c>): one row per erasure id, upserted.</summary>
public interface IErasureLog
{
    Task WriteAsync(ErasureRecord record, CancellationToken cancellationToken);

    /// <summary>Upserts several rows at once (the erasures one batch applied): one transaction per 100 rows.</summary>
    Task WriteManyAsync(IReadOnlyList<ErasureRecord> records, CancellationToken cancellationToken);

    Task<ErasureRecord?> GetAsync(string erasureId, CancellationToken cancellationToken);

    /// <summary>The rows of these erasure ids that exist (a few queries, not one read per id).</summary>
    Task<IReadOnlyDictionary<string, ErasureRecord>> GetManyAsync(IReadOnlyCollection<string> erasureIds, CancellationToken cancellationToken);

    /// <summary>Every erasure applied at or after <paramref name="since"/> (what to re-apply after a restore to that time).</summary>
    Task<IReadOnlyList<ErasureRecord>> ListAppliedSinceAsync(DateTimeOffset since, CancellationToken cancellationToken);
}
