using System.Buffers;
using TreasureHunt.Core.Events;

namespace TreasureHunt.Tools.Nexmark;

/// <summary>
/// A Nexmark stream as one Event Hubs partition's batches, serialized in our contract (<see cref="NexmarkContract"/>):
/// what the core benchmark and the core-level tests feed the parser. Enqueue times follow the event times (the
/// generator's event-time rate), so every event is on time. Every generated event is also given to <see cref="Answers"/>
/// when one is kept.
/// </summary>
public sealed class NexmarkBatches(NexmarkGenerator generator, string runTag, NexmarkAnswers? answers = null)
{
    public const string PartitionId = "0";

    private readonly ArrayBufferWriter<byte> _buffer = new(256);
    private long _sequence;

    public NexmarkAnswers? Answers => answers;

    /// <summary>The next <paramref name="count"/> batches of <paramref name="batchSize"/> messages; a batch's bodies share one array.</summary>
    public List<PartitionBatch> Next(int count, int batchSize)
    {
        var batches = new List<PartitionBatch>(count);
        var bodies = new List<(int Offset, int Length, long Sequence, DateTimeOffset Enqueued)>(batchSize);
        for (var b = 0; b < count; b++)
        {
            _buffer.ResetWrittenCount();
            bodies.Clear();
            for (var i = 0; i < batchSize; i++)
            {
                var e = generator.Next();
                answers?.Add(e);
                var offset = _buffer.WrittenCount;
                NexmarkContract.Write(e, runTag, _buffer);
                bodies.Add((offset, _buffer.WrittenCount - offset, ++_sequence, e.Timestamp));
            }
            var slab = _buffer.WrittenSpan.ToArray();
            var messages = new RawMessage[batchSize];
            for (var i = 0; i < batchSize; i++)
            {
                var (offset, length, sequence, enqueued) = bodies[i];
                messages[i] = new RawMessage(slab.AsMemory(offset, length), sequence, enqueued);
            }
            batches.Add(new PartitionBatch(PartitionId, messages));
        }
        return batches;
    }
}
