using TreasureHunt.Local.EventLog;

namespace TreasureHunt.Tools.Load;

/// <summary>
/// The store-write floor of a run's own traffic (distinct users per batch ÷ events per batch, with the host's own
/// partitioning and batch sizes), for several batch sizes at once; bounded by partitions × the batch sizes, one
/// producer. Definition and bound: docs/internals.md#traffic-floor.
/// </summary>
internal sealed class TrafficFloor
{
    private readonly int _partitions;
    private readonly int[] _batchSizes;
    // [batch size index][partition]: the current batch's distinct users and its event count.
    private readonly HashSet<string>[][] _current;
    private readonly int[][] _currentEvents;
    // [batch size index]: distinct users summed over the batches already closed.
    private readonly long[] _closedDistinct;

    public TrafficFloor(int partitions, IReadOnlyList<int> batchSizes)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(partitions, 1);
        ArgumentNullException.ThrowIfNull(batchSizes);
        if (batchSizes.Count == 0) throw new ArgumentException("at least one batch size is needed", nameof(batchSizes));
        foreach (var b in batchSizes) ArgumentOutOfRangeException.ThrowIfLessThan(b, 1, nameof(batchSizes));
        if (batchSizes.Distinct().Count() != batchSizes.Count) throw new ArgumentException("batch sizes must be distinct", nameof(batchSizes));
        _partitions = partitions;
        _batchSizes = [.. batchSizes];
        _current = _batchSizes.Select(_ => Enumerable.Range(0, partitions).Select(_ => new HashSet<string>(StringComparer.Ordinal)).ToArray()).ToArray();
        _currentEvents = _batchSizes.Select(_ => new int[partitions]).ToArray();
        _closedDistinct = new long[_batchSizes.Length];
    }

    public int Partitions => _partitions;

    public IReadOnlyList<int> BatchSizes => _batchSizes;

    /// <summary>Valid, non-duplicate events added so far.</summary>
    public long Events { get; private set; }

    /// <summary>One valid, non-duplicate event of <paramref name="userId"/>, in send order.</summary>
    public void Add(string userId)
    {
        ArgumentException.ThrowIfNullOrEmpty(userId);
        var partition = LocalEventLog.PartitionOf(userId, _partitions);
        Events++;
        for (var i = 0; i < _batchSizes.Length; i++)
        {
            var users = _current[i][partition];
            users.Add(userId);
            if (++_currentEvents[i][partition] == _batchSizes[i])
            {
                _closedDistinct[i] += users.Count;
                users.Clear();
                _currentEvents[i][partition] = 0;
            }
        }
    }

    /// <summary>Distinct users per batch ÷ events at batch size <paramref name="batchSize"/> (one of those given to
    /// the constructor); 0 before any event.</summary>
    public double PerEvent(int batchSize)
    {
        var i = Array.IndexOf(_batchSizes, batchSize);
        if (i < 0) throw new ArgumentOutOfRangeException(nameof(batchSize), batchSize, $"not followed; the batch sizes are {string.Join(", ", _batchSizes)}");
        if (Events == 0) return 0;
        var distinct = _closedDistinct[i];
        foreach (var open in _current[i]) distinct += open.Count;
        return (double)distinct / Events;
    }
}
