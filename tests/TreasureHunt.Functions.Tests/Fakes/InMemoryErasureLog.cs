using System.Collections.Concurrent;
using TreasureHunt.Core.Erasure;
using TreasureHunt.Core.Ports;

namespace TreasureHunt.Functions.Tests.Fakes;

/// <summary>The erasure log in memory, keyed by erasure id like the table (a write replaces the row).</summary>
public sealed class InMemoryErasureLog : IErasureLog
{
    public ConcurrentDictionary<string, ErasureRecord> Records { get; } = new(StringComparer.Ordinal);

    public Task WriteAsync(ErasureRecord record, CancellationToken cancellationToken)
    {
        Records[record.ErasureId] = record;
        return Task.CompletedTask;
    }

    /// <summary>How many batched writes were made (one per call, whatever the row count).</summary>
    public int BatchedWrites;

    public Task WriteManyAsync(IReadOnlyList<ErasureRecord> records, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref BatchedWrites);
        foreach (var record in records) Records[record.ErasureId] = record;
        return Task.CompletedTask;
    }

    public Task<IReadOnlyDictionary<string, ErasureRecord>> GetManyAsync(IReadOnlyCollection<string> erasureIds, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyDictionary<string, ErasureRecord>>(erasureIds.Distinct(StringComparer.Ordinal)
            .Where(Records.ContainsKey).ToDictionary(id => id, id => Records[id], StringComparer.Ordinal));

    public Task<ErasureRecord?> GetAsync(string erasureId, CancellationToken cancellationToken) =>
        Task.FromResult(Records.TryGetValue(erasureId, out var r) ? r : null);

    public Task<IReadOnlyList<ErasureRecord>> ListAppliedSinceAsync(DateTimeOffset since, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<ErasureRecord>>(Records.Values.Where(r => r.State == ErasureState.Applied && r.AppliedAt >= since).OrderBy(r => r.AppliedAt).ToList());
}

/// <summary>Keeps the erase control messages a host would have sent, as the bytes it would have sent.</summary>
public sealed class RecordingErasureSender : IErasureSender
{
    public ConcurrentQueue<byte[]> Sent { get; } = new();

    public Task SendAsync(EraseRequest request, CancellationToken cancellationToken)
    {
        Sent.Enqueue(EraseControlMessage.Encode(request));
        return Task.CompletedTask;
    }
}
