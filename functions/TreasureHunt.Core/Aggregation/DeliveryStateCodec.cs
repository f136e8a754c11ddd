using System.Buffers;
using System.Buffers.Binary;
using System.Text.Json;

namespace TreasureHunt.Core.Aggregation;

/// <summary>
/// The binary form of <see cref="DeliveryState"/>'s remembered ids and duplicate list (one base64 field each in JSON):
/// delta-coded varints, 9 bytes a remembered id in the steady state. Format: docs/internals.md#delivery-state-codec.
/// </summary>
internal static class DeliveryStateCodec
{
    private const long TicksPerMs = TimeSpan.TicksPerMillisecond;
    private const byte LongForm = 0x80;
    private const byte PartitionFollows = 0x01;
    private const byte Milliseconds = 0x02;

    /// <summary>The most bytes one remembered id can take.</summary>
    public const int MaxEntryBytes = 1 + 5 + 10 + 10 + 8;

    /// <summary>Encodes the remembered ids with partition indexes mapped through <paramref name="partitionMap"/>.</summary>
    public static int WriteEntries(ReadOnlySpan<DeliveryState.Remembered> entries, ReadOnlySpan<int> partitionMap, int partitionCount, IBufferWriter<byte> output)
    {
        Span<long> lastSequence = partitionCount <= 64 ? stackalloc long[partitionCount] : new long[partitionCount];
        lastSequence.Clear();
        var previousPartition = -1;
        var previousTicks = 0L;
        var written = 0;
        foreach (ref readonly var e in entries)
        {
            var span = output.GetSpan(MaxEntryBytes);
            var partition = partitionMap[e.Partition];
            var sequenceDelta = unchecked(e.Sequence - lastSequence[partition]);
            var tickDelta = unchecked(e.Ticks - previousTicks);
            var n = 0;
            if (partition == previousPartition && sequenceDelta is >= 1 and <= 16 && tickDelta >= 0 && tickDelta % TicksPerMs == 0 && tickDelta / TicksPerMs <= 7)
            {
                span[n++] = (byte)((tickDelta / TicksPerMs) << 4 | (sequenceDelta - 1));
            }
            else
            {
                var inMs = tickDelta % TicksPerMs == 0;
                span[n++] = (byte)(LongForm | (partition != previousPartition ? PartitionFollows : 0) | (inMs ? Milliseconds : 0));
                if (partition != previousPartition) n += WriteVarint(span[n..], (ulong)partition);
                n += WriteVarint(span[n..], ZigZag(sequenceDelta));
                n += WriteVarint(span[n..], ZigZag(inMs ? tickDelta / TicksPerMs : tickDelta));
            }
            BinaryPrimitives.WriteUInt64LittleEndian(span[n..], e.Hash);
            n += 8;
            output.Advance(n);
            written += n;
            lastSequence[partition] = e.Sequence;
            previousPartition = partition;
            previousTicks = e.Ticks;
        }
        return written;
    }

    public static DeliveryState.Remembered[] ReadEntries(ReadOnlySpan<byte> data, int partitionCount)
    {
        var entries = new List<DeliveryState.Remembered>(data.Length / 9 + 1);
        var lastSequence = new long[partitionCount];
        var previousPartition = -1;
        var previousTicks = 0L;
        var at = 0;
        while (at < data.Length)
        {
            var header = data[at++];
            int partition;
            long sequenceDelta, tickDelta;
            if ((header & LongForm) == 0)
            {
                if (previousPartition < 0) throw Malformed("seen", "a short entry comes first");
                partition = previousPartition;
                sequenceDelta = (header & 0x0F) + 1;
                tickDelta = (header >> 4) * TicksPerMs;
            }
            else
            {
                if ((header & ~(LongForm | PartitionFollows | Milliseconds)) != 0) throw Malformed("seen", $"unknown header 0x{header:x2}");
                if ((header & PartitionFollows) != 0)
                {
                    var index = ReadVarint(data, ref at, "seen");
                    if (index >= (ulong)partitionCount) throw Malformed("seen", $"partition index {index} of {partitionCount}");
                    partition = (int)index;
                }
                else
                {
                    if (previousPartition < 0) throw Malformed("seen", "the first entry names no partition");
                    partition = previousPartition;
                }
                sequenceDelta = UnZigZag(ReadVarint(data, ref at, "seen"));
                tickDelta = UnZigZag(ReadVarint(data, ref at, "seen"));
                if ((header & Milliseconds) != 0) tickDelta = unchecked(tickDelta * TicksPerMs);
            }
            if (at + 8 > data.Length) throw Malformed("seen", "truncated hash");
            var hash = BinaryPrimitives.ReadUInt64LittleEndian(data[at..]);
            at += 8;
            var sequence = unchecked(lastSequence[partition] + sequenceDelta);
            var ticks = unchecked(previousTicks + tickDelta);
            if (ticks < DateTimeOffset.MinValue.UtcTicks || ticks > DateTimeOffset.MaxValue.UtcTicks) throw Malformed("seen", "enqueue time out of range");
            entries.Add(new DeliveryState.Remembered { Hash = hash, Sequence = sequence, Ticks = ticks, Partition = partition });
            lastSequence[partition] = sequence;
            previousPartition = partition;
            previousTicks = ticks;
        }
        return [.. entries];
    }

    public static void WriteDuplicates(ReadOnlySpan<DeliveryState.DuplicateEntry> duplicates, ReadOnlySpan<int> partitionMap, IBufferWriter<byte> output)
    {
        var previousSequence = 0L;
        var previousTicks = 0L;
        foreach (ref readonly var d in duplicates)
        {
            var span = output.GetSpan(30);
            var n = WriteVarint(span, (ulong)partitionMap[d.Partition]);
            n += WriteVarint(span[n..], ZigZag(unchecked(d.Sequence - previousSequence)));
            n += WriteVarint(span[n..], ZigZag(unchecked(d.Ticks - previousTicks)));
            output.Advance(n);
            previousSequence = d.Sequence;
            previousTicks = d.Ticks;
        }
    }

    public static DeliveryState.DuplicateEntry[] ReadDuplicates(ReadOnlySpan<byte> data, int partitionCount)
    {
        var duplicates = new List<DeliveryState.DuplicateEntry>();
        var previousSequence = 0L;
        var previousTicks = 0L;
        var at = 0;
        while (at < data.Length)
        {
            var partition = ReadVarint(data, ref at, "duplicates");
            if (partition >= (ulong)partitionCount) throw Malformed("duplicates", $"partition index {partition} of {partitionCount}");
            previousSequence = unchecked(previousSequence + UnZigZag(ReadVarint(data, ref at, "duplicates")));
            previousTicks = unchecked(previousTicks + UnZigZag(ReadVarint(data, ref at, "duplicates")));
            duplicates.Add(new DeliveryState.DuplicateEntry { Partition = (int)partition, Sequence = previousSequence, Ticks = previousTicks });
        }
        return [.. duplicates];
    }

    private static ulong ZigZag(long value) => (ulong)((value << 1) ^ (value >> 63));

    private static long UnZigZag(ulong value) => (long)(value >> 1) ^ -(long)(value & 1);

    private static int WriteVarint(Span<byte> span, ulong value)
    {
        var n = 0;
        while (value >= 0x80)
        {
            span[n++] = (byte)(value | 0x80);
            value >>= 7;
        }
        span[n++] = (byte)value;
        return n;
    }

    private static ulong ReadVarint(ReadOnlySpan<byte> data, ref int at, string field)
    {
        ulong value = 0;
        for (var shift = 0; shift < 70; shift += 7)
        {
            if (at >= data.Length) throw Malformed(field, "truncated varint");
            var b = data[at++];
            value |= (ulong)(b & 0x7F) << shift;
            if (b < 0x80) return value;
        }
        throw Malformed(field, "varint longer than 10 bytes");
    }

    private static JsonException Malformed(string field, string why) => new($"delivery state: field '{field}' is malformed ({why}).");
}
