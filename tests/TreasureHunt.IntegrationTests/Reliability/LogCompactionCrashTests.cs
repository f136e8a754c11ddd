using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using TreasureHunt.Core.Erasure;
using TreasureHunt.Core.Events;
using TreasureHunt.Local.EventLog;
using TreasureHunt.Storage.Tables;
using TreasureHunt.Testing;
using Xunit.Abstractions;

namespace TreasureHunt.IntegrationTests.Reliability;

/// <summary>
/// A compaction of the local event log killed with SIGKILL: <c>th erasures compact-log</c> (a child process) rewriting
/// a 1-partition log of about 115 MB is killed as soon as its new file is being written. The log opened again is the
/// old file, whole (the rename is the compaction's last step), or the new one — never torn, and no other user's record
/// is lost; a second run completes the compaction. Azurite holds the partition's checkpoint, which bounds what is compacted.
/// </summary>
[Collection(EmulatorFixture.CollectionName)]
public sealed class LogCompactionCrashTests(EmulatorFixture fixture, ITestOutputHelper output)
{
    private const int Records = 500_000;
    private const string Victim = "victim";
    private static readonly DateTimeOffset Enqueued = new(2026, 12, 7, 13, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task A_compaction_killed_mid_write_leaves_the_old_log_whole_and_a_second_run_completes_it()
    {
        await using var host = new HostProcess(fixture, output, "compactkill", new Dictionary<string, string> { ["Local__Partitions"] = "1" });
        var logDir = Path.Combine(host.StateDir, "log");
        var pad = new string('x', 150);
        long erasure;
        using (var log = new LocalEventLog(logDir, 1))
        {
            // The victim's events early and late, everyone else's between; its erasure after all of them.
            for (var start = 0; start < Records; start += 10_000)
            {
                var batch = Enumerable.Range(start, 10_000)
                    .Select(i => (ReadOnlyMemory<byte>)Encoding.UTF8.GetBytes($"{{\"userId\":\"{(i % 1000 == 7 ? Victim : $"u-{i % 5000}")}\",\"n\":{i},\"pad\":\"{pad}\"}}"))
                    .ToList();
                await log.AppendAsync(batch, Enqueued, default);
            }
            await log.AppendAsync([EraseControlMessage.Encode(new EraseRequest(Guid.NewGuid().ToString("N"), Victim, Enqueued))], Enqueued, default);
            erasure = log.Partitions[0].NextSequenceNumber - 1;
        }
        var path = Path.Combine(logDir, "p0.log");
        var compactPath = path + ".compact";
        var oldHash = Hash(path);
        var table = fixture.CreateTableServiceClient().GetTableClient(host.Name + "ckpt");
        await table.CreateIfNotExistsAsync();
        await new TableCheckpointStore(table).SetAsync("aggregator", "0", erasure, default); // the pipeline processed everything

        var clock = Stopwatch.StartNew();
        var first = host.StartCli("compact1.log", "erasures", "compact-log");
        while (!(File.Exists(compactPath) && new FileInfo(compactPath).Length > 1 << 20))
        {
            Assert.False(first.HasExited, $"compact-log ended before it could be killed mid-write (exit {(first.HasExited ? first.ExitCode : 0)}):\n{host.LogTail("compact1.log")}");
            Assert.True(clock.Elapsed < TimeSpan.FromMinutes(2), "compact-log never started writing");
            await Task.Delay(2);
        }
        first.Kill(entireProcessTree: true); // SIGKILL
        await first.WaitForExitAsync();
        var torn = File.Exists(compactPath) ? new FileInfo(compactPath).Length : 0;
        output.WriteLine($"killed {clock.ElapsedMilliseconds} ms after the start, the new file at {torn:N0} bytes");

        // Opened again: the partial new file is deleted and the old log is whole — every record, byte for byte.
        Assert.True(torn > 0, "the kill came after the rename: this run proves nothing about a torn compaction");
        using (var reopened = new LogPartition("0", path))
        {
            Assert.False(File.Exists(compactPath));
            Assert.Null(reopened.RecoveryNote);
            Assert.Equal(oldHash, Hash(path));
            Assert.Equal(Records + 1, CountAndCheck(reopened, victimRemoved: false));
        }

        var second = host.StartCli("compact2.log", "erasures", "compact-log");
        await second.WaitForExitAsync();
        Assert.True(second.ExitCode == 0, host.LogTail("compact2.log"));
        Assert.Contains($"{Records / 1000:N0} records removed", host.LogTail("compact2.log").Replace('\n', ' '), StringComparison.Ordinal);
        Assert.False(File.Exists(compactPath));
        using var compacted = new LogPartition("0", path);
        Assert.Null(compacted.RecoveryNote);
        Assert.Equal(Records + 1 - Records / 1000, CountAndCheck(compacted, victimRemoved: true));
        Assert.Equal(erasure + 1, compacted.NextSequenceNumber);
    }

    /// <summary>Reads the whole partition: every record is the one written at its sequence number; the victim's only
    /// where <paramref name="victimRemoved"/> is false (the erasure itself always).</summary>
    private static int CountAndCheck(LogPartition partition, bool victimRemoved)
    {
        var count = 0;
        var expected = 0L;
        for (var next = 0L; ;)
        {
            var read = partition.Read(next, 10_000);
            if (read.Count == 0) return count;
            foreach (var message in read)
            {
                while (victimRemoved && expected < Records && expected % 1000 == 7) expected++; // removed: a gap
                Assert.Equal(expected, message.SequenceNumber);
                if (expected < Records)
                {
                    Assert.True(UserIdReader.TryRead(message.Body.Span, out var user));
                    Assert.Equal(expected % 1000 == 7 ? Victim : $"u-{expected % 5000}", user);
                    Assert.Contains($"\"n\":{expected},", Encoding.UTF8.GetString(message.Body.Span), StringComparison.Ordinal);
                }
                else
                {
                    Assert.True(EraseControlMessage.IsControl(message.Body.Span));
                }
                expected++;
                count++;
            }
            next = read[^1].SequenceNumber + 1;
        }
    }

    private static string Hash(string path)
    {
        using var stream = File.OpenRead(path);
        return Convert.ToHexString(SHA256.HashData(stream));
    }
}
