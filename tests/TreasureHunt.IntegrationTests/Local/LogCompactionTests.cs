using System.Collections.Concurrent;
using System.Text;
using TreasureHunt.Core.Erasure;
using TreasureHunt.Core.Events;
using TreasureHunt.Local.EventLog;

namespace TreasureHunt.IntegrationTests.Local;

/// <summary>
/// The local event log's compaction after erasures (<see cref="LogPartition.CompactAsync"/>, <see cref="ErasureCompaction"/>):
/// what it removes and keeps, sequence numbers kept with gaps, reads across the gaps, a concurrent reader and appender,
/// and the files a crash can leave. No emulators; the SIGKILL of a compacting process is <c>LogCompactionCrashTests</c>.
/// </summary>
public sealed class LogCompactionTests : IDisposable
{
    private static readonly DateTimeOffset Enqueued = new(2026, 12, 7, 13, 0, 0, TimeSpan.Zero);
    private readonly string _dir = Directory.CreateTempSubdirectory("th-compact-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string PathOf(string name = "p0.log") => Path.Combine(_dir, name);

    private static ReadOnlyMemory<byte> Event(string user, int n) => Encoding.UTF8.GetBytes($"{{\"userId\":\"{user}\",\"n\":{n}}}");

    private static ReadOnlyMemory<byte> Erase(string user) => EraseControlMessage.Encode(new EraseRequest(Guid.NewGuid().ToString("N"), user, Enqueued));

    private static string UserOf(RawMessage m) => UserIdReader.TryRead(m.Body.Span, out var user) ? user : "";

    private static string Text(RawMessage m) => Encoding.UTF8.GetString(m.Body.Span);

    private static List<RawMessage> ReadAll(LogPartition partition)
    {
        var all = new List<RawMessage>();
        for (var next = 0L; ;)
        {
            var read = partition.Read(next, 97);
            if (read.Count == 0) return all;
            all.AddRange(read);
            next = read[^1].SequenceNumber + 1;
        }
    }

    [Fact]
    public async Task An_erasure_removes_only_the_users_earlier_records_and_kept_records_keep_their_bytes_and_sequence_numbers()
    {
        using var partition = new LogPartition("0", PathOf());
        // 0..2999: users a, b, victim in turn, and a message without a user; an earlier erasure of the victim at 1500.
        var bodies = new List<ReadOnlyMemory<byte>>();
        for (var i = 0; i < 3000; i++)
        {
            bodies.Add(i == 1500 ? Erase("victim") : (i % 4) switch { 0 => Event("a", i), 1 => Event("b", i), 2 => Event("victim", i), _ => "not json"u8.ToArray() });
        }
        await partition.AppendAsync(bodies, Enqueued, default);
        await partition.AppendAsync([Erase("victim")], Enqueued, default); // 3000
        await partition.AppendAsync([Event("victim", 3001), Event("a", 3002)], Enqueued, default);
        await partition.AppendAsync([Erase("b")], Enqueued, default); // 3003: not processed yet
        var before = ReadAll(partition);
        var length = partition.CommittedLength;

        // Processed through 3002: the victim's erasure counts, b's does not.
        var result = await ErasureCompaction.CompactAsync(partition, processedThrough: 3002, default);

        var expected = before.Where(m => !(UserOf(m) == "victim" && m.SequenceNumber < 3000)).ToList();
        Assert.Equal((1, 751), (result.Erasures, result.Removed)); // 750 events and the earlier erasure
        var after = ReadAll(partition);
        Assert.Equal(expected.Select(m => (m.SequenceNumber, Text(m), m.EnqueuedTime)), after.Select(m => (m.SequenceNumber, Text(m), m.EnqueuedTime)));
        Assert.Equal(length - result.BytesFreed, partition.CommittedLength);
        Assert.Equal(3004, partition.NextSequenceNumber);
        Assert.True(EraseControlMessage.IsControl(Assert.Single(after, m => m.SequenceNumber == 3000).Body.Span)); // the erasure stays

        // Reads that start in a gap or on a kept record, across the index's strides.
        foreach (var from in new long[] { 0, 2, 3, 1022, 1024, 1025, 1500, 2046, 3000, 3001 })
        {
            Assert.Equal(expected.First(m => m.SequenceNumber >= from).SequenceNumber, partition.Read(from, 1)[0].SequenceNumber);
        }
        Assert.Equal(new ErasureCompaction.Result(1, 0, 0), await ErasureCompaction.CompactAsync(partition, 3002, default)); // nothing left to remove

        // Appends go on after the gaps; the file reopens (recovery accepts the gaps) with the same records; the other
        // process's reader sees the same.
        await partition.AppendAsync([Event("a", 3004)], Enqueued, default);
        expected.Add(partition.Read(3004, 1)[0]);
        partition.Dispose();
        using var reopened = new LogPartition("0", PathOf());
        Assert.Null(reopened.RecoveryNote);
        Assert.Equal(3005, reopened.NextSequenceNumber);
        Assert.Equal(expected.Select(m => (m.SequenceNumber, Text(m))), ReadAll(reopened).Select(m => (m.SequenceNumber, Text(m))));
        var history = new LocalEventLogHistorySource(_dir);
        var fromHistory = new List<RawMessage>();
        for (var after2 = -1L; ;)
        {
            var read = await history.ReadAsync("0", after2, 333, default);
            if (read.Count == 0) break;
            fromHistory.AddRange(read);
            after2 = read[^1].SequenceNumber;
        }
        Assert.Equal(expected.Select(m => (m.SequenceNumber, Text(m))), fromHistory.Select(m => (m.SequenceNumber, Text(m))));
    }

    [Fact]
    public async Task A_reader_and_an_appender_running_through_compactions_see_every_kept_record_once_unchanged()
    {
        File.WriteAllText(PathOf("meta.json"), """{"Partitions":1}""");
        using var partition = new LogPartition("0", PathOf());
        var original = new ConcurrentDictionary<long, string>();
        var victims = Enumerable.Range(0, 8).Select(v => $"victim-{v}").ToArray();
        var erasedAt = new ConcurrentDictionary<string, long>();
        var appending = Task.Run(async () =>
        {
            for (var round = 0; round < 40; round++)
            {
                var bodies = Enumerable.Range(0, 500).Select(i => Event(i % 5 == 0 ? victims[(round + i) % victims.Length] : $"u-{i % 37}", round * 500 + i)).ToList();
                if (round % 5 == 4) bodies.Add(Erase(victims[round / 5]));
                var first = partition.NextSequenceNumber;
                await partition.AppendAsync(bodies, Enqueued, default);
                for (var i = 0; i < bodies.Count; i++) original[first + i] = Encoding.UTF8.GetString(bodies[i].Span);
                if (round % 5 == 4) erasedAt[victims[round / 5]] = first + bodies.Count - 1;
                await Task.Delay(20); // a stream, not one burst: compactions run between the rounds
            }
        });
        using var done = new CancellationTokenSource();
        // The host's pump (LogPartition.Read) and another process's reader (the history source, by path).
        async Task<List<RawMessage>> ReadUntilDoneAsync(Func<long, Task<List<RawMessage>>> read)
        {
            var seen = new List<RawMessage>();
            var next = 0L;
            while (true)
            {
                var finished = done.IsCancellationRequested;
                var batch = await read(next);
                seen.AddRange(batch);
                if (batch.Count > 0) next = batch[^1].SequenceNumber + 1;
                else if (finished) return seen;
                else await Task.Delay(1);
            }
        }
        var history = new LocalEventLogHistorySource(_dir);
        var pump = Task.Run(() => ReadUntilDoneAsync(next => Task.FromResult(partition.Read(next, 61, 4096))));
        var other = Task.Run(() => ReadUntilDoneAsync(async next => (await history.ReadAsync("0", next - 1, 83, default)).ToList()));
        var compactions = 0;
        while (!appending.IsCompleted)
        {
            var result = await ErasureCompaction.CompactAsync(partition, partition.NextSequenceNumber - 1, default);
            if (result.Removed > 0) compactions++;
            await Task.Delay(5);
        }
        await appending;
        compactions += (await ErasureCompaction.CompactAsync(partition, partition.NextSequenceNumber - 1, default)).Removed > 0 ? 1 : 0;
        await done.CancelAsync();

        var kept = original.Where(o => !(UserIdReader.TryRead(Encoding.UTF8.GetBytes(o.Value), out var user) && erasedAt.TryGetValue(user, out var at) && o.Key < at))
            .OrderBy(o => o.Key).ToList();
        Assert.Equal(kept.Select(k => (k.Key, k.Value)), ReadAll(partition).Select(m => (m.SequenceNumber, Text(m))));
        Assert.True(compactions >= 2, $"{compactions} compactions removed records while the reader ran");
        foreach (var seen in new[] { await pump, await other })
        {
            // In order, each record once with its original bytes; every kept record among them (removed ones only if read before their compaction).
            Assert.Equal(seen.Select(m => m.SequenceNumber).Order(), seen.Select(m => m.SequenceNumber));
            Assert.Equal(seen.Count, seen.Select(m => m.SequenceNumber).Distinct().Count());
            Assert.All(seen, m => Assert.Equal(original[m.SequenceNumber], Text(m)));
            Assert.Empty(kept.Select(k => k.Key).Except(seen.Select(m => m.SequenceNumber)));
        }
    }

    [Fact]
    public async Task The_last_record_is_kept_so_a_reopened_log_never_gives_a_sequence_number_out_twice()
    {
        using (var partition = new LogPartition("0", PathOf()))
        {
            await partition.AppendAsync([Event("a", 0), Event("a", 1), Event("a", 2)], Enqueued, default);
            Assert.Equal(2, (await partition.CompactAsync((_, _) => true, default)).Removed);
        }
        using var reopened = new LogPartition("0", PathOf());
        Assert.Equal(3, reopened.NextSequenceNumber);
        Assert.Equal([2L], ReadAll(reopened).Select(m => m.SequenceNumber));
    }

    [Fact]
    public async Task A_compaction_that_never_reached_its_rename_leaves_the_old_file_and_its_leftover_is_deleted_on_open()
    {
        using (var partition = new LogPartition("0", PathOf()))
        {
            await partition.AppendAsync([Event("victim", 0), Event("a", 1), Erase("victim")], Enqueued, default);
        }
        var old = File.ReadAllBytes(PathOf());
        File.WriteAllBytes(PathOf("p0.log.compact"), old.AsSpan(0, old.Length / 2).ToArray()); // a torn new file
        using var reopened = new LogPartition("0", PathOf());
        Assert.False(File.Exists(PathOf("p0.log.compact")));
        Assert.Equal(old, File.ReadAllBytes(PathOf()));
        Assert.Equal(3, ReadAll(reopened).Count);
        Assert.Equal(1, (await ErasureCompaction.CompactAsync(reopened, 2, default)).Removed);
        Assert.False(File.Exists(PathOf("p0.log.compact")));
        Assert.Equal([1L, 2L], ReadAll(reopened).Select(m => m.SequenceNumber));
    }
}
