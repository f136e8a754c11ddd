using TreasureHunt.Core.Events;
using TreasureHunt.Core.History;

namespace TreasureHunt.Pipeline.Export;

/// <summary>One partition read in order, a chunk at a time, with its enqueue clock (never stepping back).</summary>
internal sealed class HistoryPartitionReader(IHistorySource source, string partitionId, int index)
{
    private IReadOnlyList<RawMessage> _chunk = [];
    private int _position;
    private long _after = -1;
    private bool _ended;
    private long _clockTicks = long.MinValue;

    /// <summary>The merge's start: a reader per partition of <paramref name="source"/> that holds messages, ordered by
    /// head enqueue time, then partition order (what both point-in-time exports merge the history with).</summary>
    public static async Task<PriorityQueue<HistoryPartitionReader, (long Ticks, int Partition)>> OpenHeadsAsync(IHistorySource source, CancellationToken cancellationToken)
    {
        var partitionIds = await source.PartitionsAsync(cancellationToken);
        var heads = new PriorityQueue<HistoryPartitionReader, (long Ticks, int Partition)>();
        for (var i = 0; i < partitionIds.Count; i++)
        {
            var reader = new HistoryPartitionReader(source, partitionIds[i], i);
            if (await reader.FillAsync(cancellationToken)) heads.Enqueue(reader, (reader.HeadTicks, i));
        }
        return heads;
    }

    public string PartitionId => partitionId;
    public int Index => index;

    /// <summary>The effective enqueue time of the next message: its own, or the partition's latest if that is later.</summary>
    public long HeadTicks => Math.Max(_clockTicks, _chunk[_position].EnqueuedTime.UtcTicks);

    /// <summary>True when a next message is there (reading the next chunk when this one is used up).</summary>
    public async Task<bool> FillAsync(CancellationToken cancellationToken)
    {
        if (_position < _chunk.Count) return true;
        if (_ended) return false;
        _chunk = await source.ReadAsync(partitionId, _after, PointInTimeExport.ReadChunk, cancellationToken);
        _position = 0;
        if (_chunk.Count == 0)
        {
            _ended = true;
            return false;
        }
        return true;
    }

    public RawMessage Take()
    {
        _clockTicks = HeadTicks;
        var message = _chunk[_position++];
        if (message.SequenceNumber <= _after)
        {
            throw new InvalidDataException($"partition {partitionId} of the history is not in sequence order ({_after} then {message.SequenceNumber})");
        }
        _after = message.SequenceNumber;
        return message;
    }
}
