using Microsoft.Win32.SafeHandles;
using TreasureHunt.Core.Events;

namespace TreasureHunt.Local.EventLog;

/// <summary>
/// One partition of the local event log: an append-only file with contiguous sequence numbers from 0.
/// Appends are made durable (fsync) before <see cref="AppendAsync"/> returns, so an acknowledged message
/// survives kill -9. On open, a torn tail (a record cut short by a crash, or with a bad CRC) is truncated away:
/// it was never acknowledged. Readers only see committed records.
/// </summary>
internal sealed class LogPartition : IDisposable
{
    private readonly SemaphoreSlim _appendLock = new(1, 1);
    private readonly FileStream _writer;
    private readonly SafeFileHandle _reader;
    private readonly List<long> _offsets = []; // file offset of each record, indexed by sequence number
    private long _committedLength;
    private TaskCompletionSource _committed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public LogPartition(string partitionId, string path)
    {
        PartitionId = partitionId;
        Recover(path);
        _writer = new FileStream(path, FileMode.Open, FileAccess.Write, FileShare.ReadWrite, bufferSize: 1 << 16);
        _writer.Seek(_committedLength, SeekOrigin.Begin);
        _reader = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
    }

    public string PartitionId { get; }

    /// <summary>Sequence number the next appended message gets (= number of committed messages).</summary>
    public long NextSequenceNumber
    {
        get { lock (_offsets) return _offsets.Count; }
    }

    /// <summary>Appends messages and fsyncs; returns once they are durable.</summary>
    public async Task AppendAsync(IReadOnlyList<ReadOnlyMemory<byte>> bodies, DateTimeOffset enqueued, CancellationToken cancellationToken)
    {
        if (bodies.Count == 0) return;
        await _appendLock.WaitAsync(cancellationToken);
        try
        {
            var header = new byte[LogRecord.HeaderSize];
            var position = _committedLength;
            var next = NextSequenceNumber;
            var offsets = new long[bodies.Count];
            for (var i = 0; i < bodies.Count; i++)
            {
                LogRecord.WriteHeader(header, bodies[i].Span, next + i, enqueued);
                offsets[i] = position;
                _writer.Write(header);
                _writer.Write(bodies[i].Span);
                position += LogRecord.HeaderSize + bodies[i].Length;
            }
            try
            {
                _writer.Flush(flushToDisk: true);
            }
            catch
            {
                // Nothing of this append is acknowledged: cut it off so the next append starts clean.
                _writer.SetLength(_committedLength);
                _writer.Seek(_committedLength, SeekOrigin.Begin);
                throw;
            }
            lock (_offsets)
            {
                _offsets.AddRange(offsets);
                _committedLength = position;
            }
            Interlocked.Exchange(ref _committed, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
        }
        finally
        {
            _appendLock.Release();
        }
    }

    /// <summary>Reads up to <paramref name="max"/> committed messages starting at <paramref name="fromSequence"/>.</summary>
    public List<RawMessage> Read(long fromSequence, int max)
    {
        long start, end;
        int count;
        lock (_offsets)
        {
            if (fromSequence >= _offsets.Count) return [];
            count = (int)Math.Min(max, _offsets.Count - fromSequence);
            start = _offsets[(int)fromSequence];
            var last = fromSequence + count;
            end = last < _offsets.Count ? _offsets[(int)last] : _committedLength;
        }
        var buffer = new byte[end - start];
        var read = 0;
        while (read < buffer.Length)
        {
            var n = RandomAccess.Read(_reader, buffer.AsSpan(read), start + read);
            if (n == 0) throw new IOException($"partition {PartitionId}: log ended early at {start + read}");
            read += n;
        }
        var messages = new List<RawMessage>(count);
        var at = 0;
        for (var i = 0; i < count; i++)
        {
            if (!LogRecord.TryReadHeader(buffer.AsSpan(at), out var length, out var seq, out var enqueued, out _))
            {
                throw new InvalidDataException($"partition {PartitionId}: corrupt record at offset {start + at}");
            }
            messages.Add(new RawMessage(buffer.AsMemory(at + LogRecord.HeaderSize, length), seq, enqueued));
            at += LogRecord.HeaderSize + length;
        }
        return messages;
    }

    /// <summary>Completes when a message with this sequence number (or later) is committed.</summary>
    public Task WaitForAsync(long sequenceNumber, CancellationToken cancellationToken)
    {
        var signal = Volatile.Read(ref _committed).Task;
        return NextSequenceNumber > sequenceNumber ? Task.CompletedTask : signal.WaitAsync(cancellationToken);
    }

    private void Recover(string path)
    {
        using var file = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.ReadWrite, bufferSize: 1 << 16);
        var header = new byte[LogRecord.HeaderSize];
        long position = 0;
        var body = new byte[4096];
        while (true)
        {
            file.Seek(position, SeekOrigin.Begin);
            if (file.ReadAtLeast(header, header.Length, throwOnEndOfStream: false) < header.Length) break;
            if (!LogRecord.TryReadHeader(header, out var length, out var seq, out _, out var crc) || seq != _offsets.Count) break;
            if (body.Length < length) body = new byte[length];
            if (file.ReadAtLeast(body.AsSpan(0, length), length, throwOnEndOfStream: false) < length) break;
            if (System.IO.Hashing.Crc32.HashToUInt32(body.AsSpan(0, length)) != crc) break;
            _offsets.Add(position);
            position += LogRecord.HeaderSize + length;
        }
        if (file.Length > position)
        {
            file.SetLength(position); // drop the torn tail: it was never acknowledged
        }
        _committedLength = position;
    }

    public void Dispose()
    {
        _writer.Dispose();
        _reader.Dispose();
        _appendLock.Dispose();
    }
}
