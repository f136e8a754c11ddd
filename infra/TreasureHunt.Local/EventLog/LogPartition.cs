using System.Buffers;
using TreasureHunt.Core.Events;

namespace TreasureHunt.Local.EventLog;

/// <summary>
/// One partition of the local event log: an append-only file with contiguous sequence numbers from 0.
/// </summary>
/// <remarks>
/// <para>Appends are written at the committed length and made durable (fsync) before <see cref="AppendAsync"/>
/// returns, so an acknowledged message survives kill -9. A failed append (disk full, I/O error) is cut off again
/// (truncate to the pre-append length; if even that fails, before the next append), so stray bytes never sit between
/// records and later reads never meet a corrupt record.</para>
/// <para>On open, records are checked (header, sequence number, length within the file and
/// <see cref="LogRecord.MaxBodyBytes"/>, CRC). A bad tail with no valid record after it was never acknowledged and is
/// cut off. Bad bytes followed by the next expected record (only possible if the file was damaged outside this class)
/// are removed by moving the later records down — acknowledged records are never dropped.</para>
/// <para>Memory: one offset per <see cref="IndexStride"/> records (8 bytes per 1,024 messages) plus a read cursor;
/// a read seeks from the nearest indexed record, reading headers only. Reads are bounded by count and by bytes.</para>
/// </remarks>
internal sealed class LogPartition : IDisposable
{
    public const int IndexStride = 1024;
    private const int ScanChunk = 1 << 20;

    private readonly SemaphoreSlim _appendLock = new(1, 1);
    private readonly ILogFile _file;
    private readonly object _sync = new();
    private readonly List<long> _index = []; // _index[k] = file offset of record k * IndexStride
    private long _count;
    private long _committedLength;
    private (long Sequence, long Offset) _cursor;
    private bool _tailDirty; // a failed append could not be cut off yet
    private TaskCompletionSource _committed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public LogPartition(string partitionId, string path) : this(partitionId, new LogFile(path))
    {
    }

    internal LogPartition(string partitionId, ILogFile file)
    {
        PartitionId = partitionId;
        _file = file;
        Recover();
    }

    public string PartitionId { get; }

    /// <summary>What start-up recovery did (null when the file was clean).</summary>
    public string? RecoveryNote { get; private set; }

    /// <summary>Sequence number the next appended message gets (= number of committed messages).</summary>
    public long NextSequenceNumber
    {
        get { lock (_sync) return _count; }
    }

    /// <summary>Committed bytes of the file.</summary>
    public long CommittedLength
    {
        get { lock (_sync) return _committedLength; }
    }

    /// <summary>Appends messages and fsyncs; returns once they are durable. On failure nothing of this append remains.</summary>
    public async Task AppendAsync(IReadOnlyList<ReadOnlyMemory<byte>> bodies, DateTimeOffset enqueued, CancellationToken cancellationToken)
    {
        if (bodies.Count == 0) return;
        await _appendLock.WaitAsync(cancellationToken);
        var size = bodies.Sum(b => (long)LogRecord.HeaderSize + b.Length);
        var buffer = ArrayPool<byte>.Shared.Rent((int)size);
        try
        {
            if (_tailDirty)
            {
                _file.SetLength(_committedLength); // throws again if the disk still refuses: nothing is appended
                _tailDirty = false;
            }
            var next = _count;
            var at = 0;
            var offsets = new long[bodies.Count];
            for (var i = 0; i < bodies.Count; i++)
            {
                offsets[i] = _committedLength + at;
                LogRecord.WriteHeader(buffer.AsSpan(at, LogRecord.HeaderSize), bodies[i].Span, next + i, enqueued);
                bodies[i].Span.CopyTo(buffer.AsSpan(at + LogRecord.HeaderSize));
                at += LogRecord.HeaderSize + bodies[i].Length;
            }
            try
            {
                _file.Write(buffer.AsSpan(0, at), _committedLength);
                _file.FlushToDisk();
            }
            catch
            {
                RollBack();
                throw;
            }
            lock (_sync)
            {
                for (var i = 0; i < offsets.Length; i++)
                {
                    if ((next + i) % IndexStride == 0) _index.Add(offsets[i]);
                }
                _count = next + bodies.Count;
                _committedLength += at;
            }
            Interlocked.Exchange(ref _committed, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
            _appendLock.Release();
        }
    }

    /// <summary>Nothing of a failed append is acknowledged: cut the file back to the last good record.</summary>
    private void RollBack()
    {
        try
        {
            _file.SetLength(_committedLength);
        }
        catch (IOException)
        {
            _tailDirty = true; // the next append writes at the committed length anyway, and cuts first
        }
    }

    /// <summary>
    /// Reads committed messages from <paramref name="fromSequence"/> on: at most <paramref name="maxCount"/> and at
    /// most <paramref name="maxBytes"/> bytes of records — but always at least one message when one is there.
    /// </summary>
    public List<RawMessage> Read(long fromSequence, int maxCount, int maxBytes = int.MaxValue)
    {
        long count, end, indexed, indexedSequence;
        (long Sequence, long Offset) cursor;
        lock (_sync)
        {
            if (fromSequence >= _count || fromSequence < 0) return [];
            count = Math.Min(maxCount, _count - fromSequence);
            end = _committedLength;
            indexedSequence = fromSequence / IndexStride * IndexStride;
            indexed = _index[(int)(fromSequence / IndexStride)];
            cursor = _cursor;
        }
        var start = cursor.Sequence == fromSequence && cursor.Offset > 0 ? cursor.Offset : Seek(indexed, indexedSequence, fromSequence, end);
        var buffer = new byte[Math.Min(end - start, Math.Max(maxBytes, LogRecord.HeaderSize))];
        ReadExactly(buffer, start);
        var messages = new List<RawMessage>((int)Math.Min(count, 4096));
        var at = 0;
        while (messages.Count < count && at + LogRecord.HeaderSize <= buffer.Length)
        {
            var length = CheckedHeader(buffer.AsSpan(at), start + at, fromSequence + messages.Count, end, out var enqueued);
            if (at + LogRecord.HeaderSize + length > buffer.Length) break;
            messages.Add(new RawMessage(buffer.AsMemory(at + LogRecord.HeaderSize, length), fromSequence + messages.Count, enqueued));
            at += LogRecord.HeaderSize + length;
        }
        if (messages.Count == 0)
        {
            // One record larger than maxBytes: read it alone (bounded by LogRecord.MaxBodyBytes and the file).
            var header = new byte[LogRecord.HeaderSize];
            ReadExactly(header, start);
            var length = CheckedHeader(header, start, fromSequence, end, out var enqueued);
            var body = new byte[length];
            ReadExactly(body, start + LogRecord.HeaderSize);
            messages.Add(new RawMessage(body, fromSequence, enqueued));
            at = LogRecord.HeaderSize + length;
        }
        lock (_sync)
        {
            _cursor = (fromSequence + messages.Count, start + at);
        }
        return messages;
    }

    /// <summary>Completes when a message with this sequence number (or later) is committed.</summary>
    public Task WaitForAsync(long sequenceNumber, CancellationToken cancellationToken)
    {
        var signal = Volatile.Read(ref _committed).Task;
        return NextSequenceNumber > sequenceNumber ? Task.CompletedTask : signal.WaitAsync(cancellationToken);
    }

    /// <summary>Walks record headers from an indexed record to the wanted one (at most IndexStride - 1 headers).</summary>
    private long Seek(long offset, long sequence, long wanted, long end)
    {
        var header = new byte[LogRecord.HeaderSize];
        while (sequence < wanted)
        {
            ReadExactly(header, offset);
            offset += LogRecord.HeaderSize + CheckedHeader(header, offset, sequence, end, out _);
            sequence++;
        }
        return offset;
    }

    private int CheckedHeader(ReadOnlySpan<byte> header, long offset, long expectedSequence, long end, out DateTimeOffset enqueued)
    {
        if (!LogRecord.TryReadHeader(header, out var length, out var sequence, out enqueued, out _)
            || sequence != expectedSequence || offset + LogRecord.HeaderSize + length > end)
        {
            throw new InvalidDataException($"partition {PartitionId}: corrupt record at offset {offset} (expected sequence number {expectedSequence})");
        }
        return length;
    }

    private void ReadExactly(Span<byte> buffer, long offset)
    {
        var read = 0;
        while (read < buffer.Length)
        {
            var n = _file.Read(buffer[read..], offset + read);
            if (n == 0) throw new IOException($"partition {PartitionId}: log ended early at {offset + read}");
            read += n;
        }
    }

    private void Recover()
    {
        var fileLength = _file.Length;
        long position = 0, sequence = 0;
        var header = new byte[LogRecord.HeaderSize];
        while (position < fileLength)
        {
            if (IsRecordAt(position, sequence, fileLength, header, out var length))
            {
                if (sequence % IndexStride == 0) _index.Add(position);
                position += LogRecord.HeaderSize + length;
                sequence++;
                continue;
            }
            var next = FindRecord(position + 1, sequence, fileLength, header);
            if (next < 0)
            {
                RecoveryNote = $"cut a torn tail of {fileLength - position} bytes at offset {position} (never acknowledged)";
                _file.SetLength(position);
                fileLength = position;
                break;
            }
            // Damaged bytes between acknowledged records: move everything after them down, keep every record.
            MoveDown(next, position, fileLength);
            RecoveryNote = $"removed {next - position} damaged bytes at offset {position}; records from sequence number {sequence} on were kept";
            fileLength -= next - position;
            _file.SetLength(fileLength);
            _file.FlushToDisk();
        }
        _count = sequence;
        _committedLength = position;
    }

    private bool IsRecordAt(long position, long sequence, long fileLength, byte[] header, out int length)
    {
        length = 0;
        if (position + LogRecord.HeaderSize > fileLength) return false;
        ReadExactly(header, position);
        if (!LogRecord.TryReadHeader(header, out length, out var seq, out _, out var crc) || seq != sequence
            || position + LogRecord.HeaderSize + length > fileLength)
        {
            return false;
        }
        var body = ArrayPool<byte>.Shared.Rent(Math.Max(length, 1));
        try
        {
            ReadExactly(body.AsSpan(0, length), position + LogRecord.HeaderSize);
            return System.IO.Hashing.Crc32.HashToUInt32(body.AsSpan(0, length)) == crc;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(body);
        }
    }

    /// <summary>The offset of the next valid record with this sequence number at or after <paramref name="from"/>, or -1.</summary>
    private long FindRecord(long from, long sequence, long fileLength, byte[] header)
    {
        var chunk = new byte[ScanChunk];
        for (var start = from; start + LogRecord.HeaderSize <= fileLength; start += ScanChunk - 1)
        {
            var n = (int)Math.Min(chunk.Length, fileLength - start);
            ReadExactly(chunk.AsSpan(0, n), start);
            var at = 0;
            while (at < n - 1)
            {
                var hit = chunk.AsSpan(at, n - at).IndexOf("TH"u8); // the header's magic, 0x4854 little-endian
                if (hit < 0) break;
                if (IsRecordAt(start + at + hit, sequence, fileLength, header, out _)) return start + at + hit;
                at += hit + 1;
            }
        }
        return -1;
    }

    private void MoveDown(long from, long to, long fileLength)
    {
        var chunk = new byte[ScanChunk];
        for (var read = from; read < fileLength; read += chunk.Length)
        {
            var n = (int)Math.Min(chunk.Length, fileLength - read);
            ReadExactly(chunk.AsSpan(0, n), read);
            _file.Write(chunk.AsSpan(0, n), to + (read - from));
        }
    }

    public void Dispose()
    {
        _file.Dispose();
        _appendLock.Dispose();
    }
}
