using System.Buffers;
using TreasureHunt.Core.Events;

namespace TreasureHunt.Local.EventLog;

/// <summary>
/// One partition of the local event log: an append-only, fsynced file of records with increasing sequence numbers,
/// checked and repaired on open, sparsely indexed, compacted by an atomic rewrite. Durability, repair, memory and
/// compaction: docs/internals.md#local-event-log.
/// </summary>
internal sealed class LogPartition : IDisposable
{
    public const int IndexStride = 1024;
    private const int ScanChunk = 1 << 20;

    private readonly SemaphoreSlim _appendLock = new(1, 1);
    private readonly SemaphoreSlim _compactLock = new(1, 1);
    private readonly string _path;
    private readonly Func<string, ILogFile> _open;
    private readonly object _sync = new();
    private FileLease _file;
    private List<(long Sequence, long Offset)> _index = []; // the first record of every IndexStride sequence numbers that holds one
    private long _count;
    private long _committedLength;
    private (long Sequence, long Offset, FileLease? File) _cursor;
    private bool _tailDirty; // a failed append could not be cut off yet
    private TaskCompletionSource _committed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public LogPartition(string partitionId, string path) : this(partitionId, path, p => new LogFile(p))
    {
    }

    /// <param name="open">Opens (creating if needed) the file at a path: the log itself and a compaction's new file.</param>
    internal LogPartition(string partitionId, string path, Func<string, ILogFile> open)
    {
        PartitionId = partitionId;
        _path = path;
        _open = open;
        if (File.Exists(CompactPath)) File.Delete(CompactPath); // a compaction that never reached its rename
        _file = new FileLease(open(path));
        Recover();
    }

    private string CompactPath => _path + ".compact";

    public string PartitionId { get; }

    /// <summary>What start-up recovery did (null when the file was clean).</summary>
    public string? RecoveryNote { get; private set; }

    /// <summary>Sequence number the next appended message gets (one more than the last committed message's).</summary>
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
                _file.File.SetLength(_committedLength); // throws again if the disk still refuses: nothing is appended
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
                _file.File.Write(buffer.AsSpan(0, at), _committedLength);
                _file.File.FlushToDisk();
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
                    AddToIndex(_index, next + i, offsets[i]);
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
            _file.File.SetLength(_committedLength);
        }
        catch (IOException)
        {
            _tailDirty = true; // the next append writes at the committed length anyway, and cuts first
        }
    }

    /// <summary>
    /// Reads committed messages from <paramref name="fromSequence"/> on (the first one is the first kept record at or after
    /// it): at most <paramref name="maxCount"/> and at most <paramref name="maxBytes"/> bytes of records — but always at
    /// least one message when one is there.
    /// </summary>
    public List<RawMessage> Read(long fromSequence, int maxCount, int maxBytes = int.MaxValue)
    {
        long end, indexed, indexedSequence;
        FileLease file;
        (long Sequence, long Offset, FileLease? File) cursor;
        lock (_sync)
        {
            if (fromSequence >= _count || fromSequence < 0) return [];
            end = _committedLength;
            (indexedSequence, indexed) = Floor(_index, fromSequence);
            cursor = _cursor;
            file = _file;
            file.Readers++;
        }
        try
        {
            var start = cursor.File == file && cursor.Sequence == fromSequence ? cursor.Offset : Seek(file.File, indexed, fromSequence, end);
            if (start >= end) return [];
            var buffer = new byte[Math.Min(end - start, Math.Max(maxBytes, LogRecord.HeaderSize))];
            ReadExactly(file.File, buffer, start);
            var messages = new List<RawMessage>(Math.Min(maxCount, 4096));
            var at = 0;
            var previous = fromSequence - 1;
            while (messages.Count < maxCount && at + LogRecord.HeaderSize <= buffer.Length)
            {
                var length = CheckedHeader(buffer.AsSpan(at), start + at, previous, end, out var sequence, out var enqueued);
                if (at + LogRecord.HeaderSize + length > buffer.Length) break;
                messages.Add(new RawMessage(buffer.AsMemory(at + LogRecord.HeaderSize, length), sequence, enqueued));
                previous = sequence;
                at += LogRecord.HeaderSize + length;
            }
            if (messages.Count == 0)
            {
                // One record larger than maxBytes: read it alone (bounded by LogRecord.MaxBodyBytes and the file).
                var header = new byte[LogRecord.HeaderSize];
                ReadExactly(file.File, header, start);
                var length = CheckedHeader(header, start, fromSequence - 1, end, out var sequence, out var enqueued);
                var body = new byte[length];
                ReadExactly(file.File, body, start + LogRecord.HeaderSize);
                messages.Add(new RawMessage(body, sequence, enqueued));
                at = LogRecord.HeaderSize + length;
            }
            lock (_sync)
            {
                if (_file == file) _cursor = (messages[^1].SequenceNumber + 1, start + at, file);
            }
            return messages;
        }
        finally
        {
            Release(file);
        }
    }

    /// <summary>Completes when a message with this sequence number (or later) is committed.</summary>
    public Task WaitForAsync(long sequenceNumber, CancellationToken cancellationToken)
    {
        var signal = Volatile.Read(ref _committed).Task;
        return NextSequenceNumber > sequenceNumber ? Task.CompletedTask : signal.WaitAsync(cancellationToken);
    }

    /// <summary>
    /// Rewrites the file without the committed records <paramref name="select"/> picks (sequence numbers kept; appends
    /// wait only for the final copy; the last record always kept) and returns what it removed; one at a time.
    /// Cost: docs/internals.md#local-event-log.
    /// </summary>
    public async Task<(int Removed, long BytesFreed)> CompactAsync(Func<long, ReadOnlyMemory<byte>, bool> select, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(select);
        await _compactLock.WaitAsync(cancellationToken);
        FileLease old;
        long end, last;
        lock (_sync)
        {
            old = _file;
            old.Readers++;
            end = _committedLength;
            last = _count - 1;
        }
        bool IsRemoved(long sequence, ReadOnlyMemory<byte> body) => sequence < last && select(sequence, body);
        ILogFile? fresh = null;
        try
        {
            // Selection: the first removed record's offset (everything before it is copied as it is).
            long firstRemoved = -1;
            var removed = 0;
            ScanRecords(old.File, 0, end, (sequence, offset, record) =>
            {
                if (!IsRemoved(sequence, record[LogRecord.HeaderSize..])) return true;
                if (firstRemoved < 0) firstRemoved = offset;
                removed++;
                return true;
            }, cancellationToken);
            if (removed == 0) return (0, 0);

            if (File.Exists(CompactPath)) File.Delete(CompactPath);
            fresh = _open(CompactPath);
            var index = new List<(long Sequence, long Offset)>();
            var written = CopyRange(old.File, fresh, 0, firstRemoved, 0);
            ScanRecords(old.File, 0, firstRemoved, (sequence, offset, _) => { AddToIndex(index, sequence, offset); return true; }, cancellationToken);
            var kept = new List<(long Sequence, long Offset)>();
            var pending = new MemoryStream();
            ScanRecords(old.File, firstRemoved, end, (sequence, _, record) =>
            {
                if (IsRemoved(sequence, record[LogRecord.HeaderSize..])) return true;
                AddToIndex(index, sequence, written + pending.Length);
                pending.Write(record.Span);
                if (pending.Length >= ScanChunk)
                {
                    fresh.Write(pending.GetBuffer().AsSpan(0, (int)pending.Length), written);
                    written += pending.Length;
                    pending.SetLength(0);
                }
                return true;
            }, cancellationToken);
            fresh.Write(pending.GetBuffer().AsSpan(0, (int)pending.Length), written);
            written += pending.Length;

            await _appendLock.WaitAsync(cancellationToken);
            try
            {
                // The tail appended meanwhile, as it is (all after the records selected), then durable, then in place.
                long tailEnd;
                lock (_sync) tailEnd = _committedLength;
                ScanRecords(old.File, end, tailEnd, (sequence, offset, _) => { AddToIndex(index, sequence, written + (offset - end)); return true; }, cancellationToken);
                written += CopyRange(old.File, fresh, end, tailEnd, written);
                fresh.FlushToDisk();
                File.Move(CompactPath, _path, overwrite: true);
                var freed = tailEnd - written;
                lock (_sync)
                {
                    _file = new FileLease(fresh);
                    fresh = null;
                    _index = index;
                    _committedLength = written;
                    _cursor = default;
                    _tailDirty = false; // stray bytes after the committed length stayed behind in the old file
                    old.Retired = true;
                }
                return (removed, freed);
            }
            finally
            {
                _appendLock.Release();
            }
        }
        finally
        {
            fresh?.Dispose();
            if (fresh is not null && File.Exists(CompactPath)) File.Delete(CompactPath);
            Release(old);
            _compactLock.Release();
        }
    }

    /// <summary>Visits every committed record (sequence number and body; the body is valid only during the call).</summary>
    public void Scan(Action<long, ReadOnlyMemory<byte>> visit, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(visit);
        FileLease file;
        long end;
        lock (_sync)
        {
            file = _file;
            file.Readers++;
            end = _committedLength;
        }
        try
        {
            ScanRecords(file.File, 0, end, (sequence, _, record) => { visit(sequence, record[LogRecord.HeaderSize..]); return true; }, cancellationToken);
        }
        finally
        {
            Release(file);
        }
    }

    /// <summary>Visits every record in [from, end) with its sequence number, offset and bytes (header and body); the
    /// bytes are valid only during the call. Stops when the visitor returns false.</summary>
    private void ScanRecords(ILogFile file, long from, long end, Func<long, long, ReadOnlyMemory<byte>, bool> visit, CancellationToken cancellationToken)
    {
        var buffer = new byte[ScanChunk];
        var offset = from;
        long previous = -1;
        while (offset < end)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var n = (int)Math.Min(buffer.Length, end - offset);
            ReadExactly(file, buffer.AsSpan(0, n), offset);
            var at = 0;
            while (at + LogRecord.HeaderSize <= n)
            {
                var length = CheckedHeader(buffer.AsSpan(at), offset + at, previous, end, out var sequence, out _);
                var size = LogRecord.HeaderSize + length;
                if (at + size > n)
                {
                    if (at > 0) break;
                    var record = new byte[size]; // one record larger than the chunk
                    ReadExactly(file, record, offset);
                    if (!visit(sequence, offset, record)) return;
                    at = size;
                    previous = sequence;
                    break;
                }
                if (!visit(sequence, offset + at, buffer.AsMemory(at, size))) return;
                previous = sequence;
                at += size;
            }
            if (at == 0) throw new InvalidDataException($"partition {PartitionId}: {end - offset} bytes at offset {offset} are not a record");
            offset += at;
        }
    }

    private static long CopyRange(ILogFile from, ILogFile to, long start, long end, long at)
    {
        var chunk = new byte[ScanChunk];
        for (var read = start; read < end; read += chunk.Length)
        {
            var n = (int)Math.Min(chunk.Length, end - read);
            ReadExactly(from, chunk.AsSpan(0, n), read);
            to.Write(chunk.AsSpan(0, n), at + (read - start));
        }
        return end - start;
    }

    private static void AddToIndex(List<(long Sequence, long Offset)> index, long sequence, long offset)
    {
        if (index.Count == 0 || sequence / IndexStride > index[^1].Sequence / IndexStride) index.Add((sequence, offset));
    }

    /// <summary>The last indexed record at or before <paramref name="sequence"/> (the first record when none is).</summary>
    private static (long Sequence, long Offset) Floor(List<(long Sequence, long Offset)> index, long sequence)
    {
        int lo = 0, hi = index.Count - 1;
        while (lo < hi)
        {
            var mid = (lo + hi + 1) / 2;
            if (index[mid].Sequence <= sequence) lo = mid; else hi = mid - 1;
        }
        return index[lo];
    }

    private void Release(FileLease file)
    {
        lock (_sync)
        {
            file.Readers--;
            if (file.Retired && file.Readers == 0) file.File.Dispose();
        }
    }

    /// <summary>Walks record headers from an indexed record to the first at or after the wanted sequence number (at most
    /// IndexStride headers).</summary>
    private long Seek(ILogFile file, long offset, long wanted, long end)
    {
        var header = new byte[LogRecord.HeaderSize];
        long previous = -1;
        while (offset < end)
        {
            ReadExactly(file, header, offset);
            var length = CheckedHeader(header, offset, previous, end, out var sequence, out _);
            if (sequence >= wanted) break;
            offset += LogRecord.HeaderSize + length;
            previous = sequence;
        }
        return offset;
    }

    private int CheckedHeader(ReadOnlySpan<byte> header, long offset, long previousSequence, long end, out long sequence, out DateTimeOffset enqueued)
    {
        if (!LogRecord.TryReadHeader(header, out var length, out sequence, out enqueued, out _)
            || sequence <= previousSequence || offset + LogRecord.HeaderSize + length > end)
        {
            throw new InvalidDataException($"partition {PartitionId}: corrupt record at offset {offset} (expected a sequence number after {previousSequence})");
        }
        return length;
    }

    private static void ReadExactly(ILogFile file, Span<byte> buffer, long offset)
    {
        var read = 0;
        while (read < buffer.Length)
        {
            var n = file.Read(buffer[read..], offset + read);
            if (n == 0) throw new IOException($"log ended early at {offset + read}");
            read += n;
        }
    }

    private void Recover()
    {
        var file = _file.File;
        var fileLength = file.Length;
        long position = 0, next = 0;
        var header = new byte[LogRecord.HeaderSize];
        while (position < fileLength)
        {
            if (IsRecordAt(position, next, fileLength, header, out var length, out var sequence))
            {
                AddToIndex(_index, sequence, position);
                position += LogRecord.HeaderSize + length;
                next = sequence + 1;
                continue;
            }
            var found = FindRecord(position + 1, next, fileLength, header);
            if (found < 0)
            {
                RecoveryNote = $"cut a torn tail of {fileLength - position} bytes at offset {position} (never acknowledged)";
                file.SetLength(position);
                fileLength = position;
                break;
            }
            // Damaged bytes between acknowledged records: move everything after them down, keep every record.
            MoveDown(found, position, fileLength);
            RecoveryNote = $"removed {found - position} damaged bytes at offset {position}; records from sequence number {next} on were kept";
            fileLength -= found - position;
            file.SetLength(fileLength);
            file.FlushToDisk();
        }
        _count = next;
        _committedLength = position;
    }

    /// <summary>Whether a valid record (header, CRC) with a sequence number of at least <paramref name="next"/> starts at <paramref name="position"/>.</summary>
    private bool IsRecordAt(long position, long next, long fileLength, byte[] header, out int length, out long sequence)
    {
        length = 0;
        sequence = -1;
        if (position + LogRecord.HeaderSize > fileLength) return false;
        ReadExactly(_file.File, header, position);
        if (!LogRecord.TryReadHeader(header, out length, out sequence, out _, out var crc) || sequence < next
            || position + LogRecord.HeaderSize + length > fileLength)
        {
            return false;
        }
        var body = ArrayPool<byte>.Shared.Rent(Math.Max(length, 1));
        try
        {
            ReadExactly(_file.File, body.AsSpan(0, length), position + LogRecord.HeaderSize);
            return System.IO.Hashing.Crc32.HashToUInt32(body.AsSpan(0, length)) == crc;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(body);
        }
    }

    /// <summary>The offset of the next valid record with a sequence number of at least <paramref name="next"/> at or after <paramref name="from"/>, or -1.</summary>
    private long FindRecord(long from, long next, long fileLength, byte[] header)
    {
        var chunk = new byte[ScanChunk];
        for (var start = from; start + LogRecord.HeaderSize <= fileLength; start += ScanChunk - 1)
        {
            var n = (int)Math.Min(chunk.Length, fileLength - start);
            ReadExactly(_file.File, chunk.AsSpan(0, n), start);
            var at = 0;
            while (at < n - 1)
            {
                var hit = chunk.AsSpan(at, n - at).IndexOf("TH"u8); // the header's magic, 0x4854 little-endian
                if (hit < 0) break;
                if (IsRecordAt(start + at + hit, next, fileLength, header, out _, out _)) return start + at + hit;
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
            ReadExactly(_file.File, chunk.AsSpan(0, n), read);
            _file.File.Write(chunk.AsSpan(0, n), to + (read - from));
        }
    }

    public void Dispose()
    {
        _file.File.Dispose();
        _appendLock.Dispose();
        _compactLock.Dispose();
    }

    /// <summary>The file reads go to, and how many reads are on it: a file a compaction replaced is closed when its last read ends.</summary>
    private sealed class FileLease(ILogFile file)
    {
        public ILogFile File { get; } = file;
        public int Readers { get; set; }
        public bool Retired { get; set; }
    }
}
