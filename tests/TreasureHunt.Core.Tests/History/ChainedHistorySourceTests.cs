using TreasureHunt.Core.Events;
using TreasureHunt.Core.History;

namespace TreasureHunt.Core.Tests.History;

/// <summary>Capture files, then the hub's retained tail: one history, every message once, in order.</summary>
public sealed class ChainedHistorySourceTests
{
    private static RawMessage Message(long sequence) =>
        new(new byte[] { (byte)sequence }, sequence, DateTimeOffset.UnixEpoch.AddSeconds(sequence));

    private static List<RawMessage> Range(long from, long to) => [.. Enumerable.Range((int)from, (int)(to - from + 1)).Select(i => Message(i))];

    [Fact]
    public async Task Reading_to_the_end_gives_the_archive_then_the_tail_without_a_gap_or_a_repeat()
    {
        // The archive (Capture) holds 0..49 of partition 0 and 0..9 of partition 1; the hub retains 30..79 and 5..12:
        // they overlap, as a hub's retention overlaps what Capture already wrote.
        var archive = new ListHistorySource(new Dictionary<string, List<RawMessage>> { ["0"] = Range(0, 49), ["1"] = Range(0, 9) });
        var tail = new ListHistorySource(new Dictionary<string, List<RawMessage>> { ["0"] = Range(30, 79), ["1"] = Range(5, 12), ["2"] = Range(0, 3) });
        var history = new ChainedHistorySource(archive, tail);

        Assert.Equal(["0", "1", "2"], await history.PartitionsAsync(default));
        foreach (var (partition, last) in new[] { ("0", 79L), ("1", 12L), ("2", 3L) })
        {
            var read = new List<long>();
            var after = -1L;
            while (true)
            {
                var batch = await history.ReadAsync(partition, after, 7, default);
                if (batch.Count == 0) break;
                read.AddRange(batch.Select(m => m.SequenceNumber));
                after = batch[^1].SequenceNumber;
            }
            Assert.Equal(Enumerable.Range(0, (int)last + 1).Select(i => (long)i), read);
        }
        Assert.Equal("memory, then memory", history.Description);
    }

    [Fact]
    public async Task The_tail_is_read_only_after_the_archive_has_nothing_more()
    {
        var archive = new ListHistorySource(new Dictionary<string, List<RawMessage>> { ["0"] = Range(0, 9) });
        var tail = new ListHistorySource(new Dictionary<string, List<RawMessage>> { ["0"] = Range(0, 20) });
        var history = new ChainedHistorySource(archive, tail);

        var first = await history.ReadAsync("0", -1, 100, default);
        Assert.Equal(10, first.Count);
        Assert.Equal(0, tail.Reads);
        var next = await history.ReadAsync("0", 9, 100, default);
        Assert.Equal(Range(10, 20).Select(m => m.SequenceNumber), next.Select(m => m.SequenceNumber));
        Assert.Equal(1, tail.Reads);
    }
}
