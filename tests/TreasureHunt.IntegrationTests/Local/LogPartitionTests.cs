using System.Text;
using TreasureHunt.Local.EventLog;

namespace TreasureHunt.IntegrationTests.Local;

/// <summary>The local event log's partition file under I/O failures (injected through <see cref="ILogFile"/>) and damage. No emulators.</summary>
public sealed class LogPartitionTests : IDisposable
{
    private static readonly DateTimeOffset Enqueued = new(2026, 11, 27, 13, 0, 0, TimeSpan.Zero);
    private readonly string _dir = Directory.CreateTempSubdirectory("th-log-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string PathOf(string name = "p0.log") => Path.Combine(_dir, name);

    private static List<ReadOnlyMemory<byte>> Messages(int from, int count, int pad = 0) =>
        Enumerable.Range(from, count).Select(i => (ReadOnlyMemory<byte>)Encoding.UTF8.GetBytes($"{{\"n\":{i}{(pad > 0 ? $",\"pad\":\"{new string('x', pad)}\"" : "")}}}")).ToList();

    private static List<string> Texts(IEnumerable<TreasureHunt.Core.Events.RawMessage> messages) => messages.Select(m => Encoding.UTF8.GetString(m.Body.Span)).ToList();

    /// <summary>A real file that fails on demand: a write that stores only part of its bytes and then throws (disk full), or a failing fsync/truncate.</summary>
    private sealed class FaultyFile(string path) : ILogFile
    {
        private readonly LogFile _inner = new(path);
        public bool FailNextWriteHalfway { get; set; }
        public bool FailFlush { get; set; }
        public int FailSetLength { get; set; }

        public long Length => _inner.Length;
        public int Read(Span<byte> buffer, long offset) => _inner.Read(buffer, offset);

        public void Write(ReadOnlySpan<byte> buffer, long offset)
        {
            if (FailNextWriteHalfway)
            {
                FailNextWriteHalfway = false;
                _inner.Write(buffer[..(buffer.Length / 2)], offset);
                throw new IOException("No space left on device");
            }
            _inner.Write(buffer, offset);
        }

        public void FlushToDisk()
        {
            if (FailFlush) throw new IOException("Input/output error");
            _inner.FlushToDisk();
        }

        public void SetLength(long length)
        {
            if (FailSetLength > 0) { FailSetLength--; throw new IOException("Input/output error"); }
            _inner.SetLength(length);
        }

        public void Dispose() => _inner.Dispose();
    }

    [Fact]
    public async Task A_failed_append_is_rolled_back_to_the_last_good_record_and_later_appends_and_reads_are_clean()
    {
        var file = new FaultyFile(PathOf());
        using (var partition = new LogPartition("0", PathOf(), _ => file))
        {
            await partition.AppendAsync(Messages(0, 10), Enqueued, default);
            var good = partition.CommittedLength;

            file.FailNextWriteHalfway = true;
            await Assert.ThrowsAsync<IOException>(() => partition.AppendAsync(Messages(10, 10), Enqueued, default));
            Assert.Equal(good, new FileInfo(PathOf()).Length); // truncated to the pre-append length
            Assert.Equal(10, partition.NextSequenceNumber);

            file.FailFlush = true;
            await Assert.ThrowsAsync<IOException>(() => partition.AppendAsync(Messages(10, 10), Enqueued, default));
            file.FailFlush = false;
            Assert.Equal(good, new FileInfo(PathOf()).Length);

            // Even the truncate fails: the stray bytes are cut before the next append.
            file.FailNextWriteHalfway = true;
            file.FailSetLength = 1;
            await Assert.ThrowsAsync<IOException>(() => partition.AppendAsync(Messages(10, 10), Enqueued, default));
            Assert.True(new FileInfo(PathOf()).Length > good);

            await partition.AppendAsync(Messages(10, 5), Enqueued, default);
            Assert.Equal(15, partition.NextSequenceNumber);
            Assert.Equal(Enumerable.Range(0, 15).Select(i => $"{{\"n\":{i}}}"), Texts(partition.Read(0, 100)));
        }
        // Start-up recovery keeps all 15 acknowledged records.
        using var reopened = new LogPartition("0", PathOf());
        Assert.Null(reopened.RecoveryNote);
        Assert.Equal(15, reopened.NextSequenceNumber);
        Assert.Equal(Enumerable.Range(0, 15).Select(i => $"{{\"n\":{i}}}"), Texts(reopened.Read(0, 100)));
    }

    [Fact]
    public async Task Recovery_cuts_only_an_unacknowledged_torn_tail()
    {
        using (var partition = new LogPartition("0", PathOf()))
        {
            await partition.AppendAsync(Messages(0, 3), Enqueued, default);
        }
        var length = new FileInfo(PathOf()).Length;
        await using (var stream = new FileStream(PathOf(), FileMode.Append))
        {
            stream.Write([0x54, 0x48, 1, 0, 0xFF, 0xFF, 0xFF, 0x7F, 3, 0, 0, 0]); // a torn header claiming 2 GB
        }
        using var reopened = new LogPartition("0", PathOf());
        Assert.Equal(3, reopened.NextSequenceNumber);
        Assert.Equal(length, new FileInfo(PathOf()).Length);
        Assert.Contains("torn tail", reopened.RecoveryNote);
    }

    [Fact]
    public async Task Recovery_never_drops_acknowledged_records_after_damaged_bytes()
    {
        using (var partition = new LogPartition("0", PathOf()))
        {
            await partition.AppendAsync(Messages(0, 3), Enqueued, default);
        }
        // Stray bytes between records, as an append that failed without a rollback used to leave them.
        var good = File.ReadAllBytes(PathOf());
        var tail = PathOf("tail.log");
        using (var other = new LogPartition("0", tail))
        {
            await other.AppendAsync(Messages(0, 3), Enqueued, default);
            await other.AppendAsync(Messages(3, 4), Enqueued, default);
        }
        var all = File.ReadAllBytes(tail);
        var damaged = good.Concat(Encoding.ASCII.GetBytes("TH garbage, not a record")).Concat(all[good.Length..]).ToArray();
        File.WriteAllBytes(PathOf(), damaged);

        using var reopened = new LogPartition("0", PathOf());
        Assert.Equal(7, reopened.NextSequenceNumber);
        Assert.Equal(Enumerable.Range(0, 7).Select(i => $"{{\"n\":{i}}}"), Texts(reopened.Read(0, 100)));
        Assert.Contains("damaged", reopened.RecoveryNote);
        Assert.Equal(all, File.ReadAllBytes(PathOf()));
    }

    [Fact]
    public async Task Reads_are_bounded_by_bytes_and_a_larger_message_is_read_alone()
    {
        using var partition = new LogPartition("0", PathOf());
        await partition.AppendAsync(Messages(0, 100, pad: 1000), Enqueued, default);
        await partition.AppendAsync(Messages(100, 1, pad: 50_000), Enqueued, default);
        await partition.AppendAsync(Messages(101, 5), Enqueued, default);

        var first = partition.Read(0, 1000, maxBytes: 10_000);
        Assert.Equal(9, first.Count); // 9 × (28 + ~1,010) bytes ≤ 10,000
        Assert.True(first.Sum(m => m.Body.Length + 28) <= 10_000);
        Assert.Equal(Enumerable.Range(0, 9).Select(i => (long)i), first.Select(m => m.SequenceNumber));

        var large = partition.Read(100, 1000, maxBytes: 10_000);
        Assert.Equal(100, Assert.Single(large).SequenceNumber);
        Assert.Equal(101, partition.Read(101, 1000, maxBytes: 10_000)[0].SequenceNumber);
        Assert.Equal(5, partition.Read(101, 1000, maxBytes: 10_000).Count);
        Assert.Equal(3, partition.Read(10, 3).Count);
    }

    [Fact]
    public async Task Offsets_are_indexed_sparsely_and_any_sequence_number_is_found()
    {
        using var partition = new LogPartition("0", PathOf());
        for (var i = 0; i < 5; i++)
        {
            await partition.AppendAsync(Messages(i * 1000, 1000), Enqueued, default);
        }
        foreach (var from in new[] { 0, 1, 1023, 1024, 1025, 2047, 3333, 4999 })
        {
            var read = partition.Read(from, 2);
            Assert.Equal($"{{\"n\":{from}}}", Encoding.UTF8.GetString(read[0].Body.Span));
            Assert.Equal(from, read[0].SequenceNumber);
        }
        Assert.Empty(partition.Read(5000, 10));
    }
}
