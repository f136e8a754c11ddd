using TreasureHunt.Core.Erasure;
using TreasureHunt.Core.Parking;
using TreasureHunt.Core.Ports;

namespace TreasureHunt.Functions.Tests.Fakes;

/// <summary>Parked rows in memory, keyed like the table (partition, sequence number): writing a row again replaces it.</summary>
public sealed class InMemoryParkedStore : IParkedStore
{
    private readonly Lock _lock = new();
    private readonly SortedDictionary<(string Partition, long Sequence), ParkedMessage> _rows = [];

    public IReadOnlyList<ParkedMessage> All
    {
        get { lock (_lock) return _rows.Values.ToList(); }
    }

    /// <summary>Rows handed out whole (with their bodies) by the list methods.</summary>
    public int RowsRead { get; private set; }

    public Task WriteAsync(IReadOnlyList<ParkedMessage> messages, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            foreach (var m in messages) _rows[(m.PartitionId, m.SequenceNumber)] = m;
        }
        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<ParkedMessage>> ListAsync(string? partitionId, bool onlyParked, int top, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            IReadOnlyList<ParkedMessage> rows = _rows.Values
                .Where(m => (partitionId is null || m.PartitionId == partitionId) && (!onlyParked || m.Status == ParkedStatus.Parked)).Take(top).ToList();
            RowsRead += rows.Count;
            return Task.FromResult(rows);
        }
    }

    public Task<IReadOnlyList<ParkedMessage>> ListForUserAsync(string partitionId, string userId, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            IReadOnlyList<ParkedMessage> rows = _rows.Values
                .Where(m => m.PartitionId == partitionId && m.UserId == userId && m.Status == ParkedStatus.Parked).ToList();
            RowsRead += rows.Count;
            return Task.FromResult(rows);
        }
    }

    public Task<int> CountParkedAsync(int upTo, CancellationToken cancellationToken)
    {
        lock (_lock) return Task.FromResult(Math.Min(upTo, _rows.Values.Count(m => m.Status == ParkedStatus.Parked)));
    }

    /// <summary>A crash: the next deletion of a user's rows happens, then the call throws.</summary>
    public bool FailAfterNextDelete { get; set; }

    public Task<int> DeleteForUserAsync(string partitionId, string userId, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            var keys = _rows.Where(r => r.Value.PartitionId == partitionId && r.Value.UserId == userId).Select(r => r.Key).ToList();
            foreach (var key in keys) _rows.Remove(key);
            if (FailAfterNextDelete)
            {
                FailAfterNextDelete = false;
                throw new IOException("killed after deleting the rows");
            }
            return Task.FromResult(keys.Count);
        }
    }

    public Task<IReadOnlyDictionary<string, int>> DeleteErasedAsync(string partitionId, IReadOnlyCollection<PendingErasureCleanup> erasures, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            var deleted = erasures.ToDictionary(e => e.ErasureId, _ => 0, StringComparer.Ordinal);
            foreach (var (key, row) in _rows.Where(r => r.Value.PartitionId == partitionId && r.Value.UserId is not null).ToList())
            {
                var hash = UserIdHash.Of(row.UserId!);
                if (erasures.FirstOrDefault(e => e.Covers(hash, partitionId, row.PartitionId, row.SequenceNumber, row.EnqueuedTime)) is not { } erasure) continue;
                _rows.Remove(key);
                deleted[erasure.ErasureId]++;
            }
            if (FailAfterNextDelete)
            {
                FailAfterNextDelete = false;
                throw new IOException("killed after deleting the rows");
            }
            return Task.FromResult<IReadOnlyDictionary<string, int>>(deleted);
        }
    }

    public Task ResolveAsync(IReadOnlyList<ParkedMessage> messages, ParkedStatus status, DateTimeOffset at, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            foreach (var m in messages) _rows[(m.PartitionId, m.SequenceNumber)] = _rows[(m.PartitionId, m.SequenceNumber)] with { Status = status, ResolvedAt = at };
        }
        return Task.CompletedTask;
    }
}
