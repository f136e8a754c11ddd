using TreasureHunt.Core.Events;
using static TreasureHunt.Core.Tests.TestData;

namespace TreasureHunt.Core.Tests;

public class BatchParserTests
{
    private static RawMessage Good(long seq, string user, string eventId) =>
        Message(Json(("eventId", Str(eventId)), ("userId", Str(user))), seq, Enqueued.AddMilliseconds(seq));

    private static RawMessage Bad(long seq, string json) => Message(json, seq, Enqueued.AddMilliseconds(seq));

    private static PartitionBatch MixedBatch() => new("3",
    [
        Good(100, "u-a", "e-1"),
        Bad(101, "not json"),
        Good(102, "u-b", "e-2"),
        Bad(103, "[]"),
        Good(104, "u-a", "e-3"),
        Message(new byte[] { 0x7B, 0xFF, 0x7D }, 105, Enqueued),
        Bad(106, Json(("type", "\"like\""))),
        Message(PaddedValidEvent(300 * 1024), 107, Enqueued),
        Bad(108, new string('{', 10_000)),
        Good(109, "u-c", "e-4"),
        Bad(110, Json(("timestamp", "\"2030-01-01T00:00:00Z\""))),
        Good(111, "u-a", "e-5"),
    ]);

    [Fact]
    public void Bad_messages_never_stop_the_rest_of_the_batch()
    {
        var parsed = new BatchParser().Parse(MixedBatch());

        Assert.Equal("3", parsed.PartitionId);
        Assert.Equal(12, parsed.MessageCount);
        Assert.Equal(5, parsed.ValidEventCount);
        Assert.Equal((100L, 111L), (parsed.FirstSequenceNumber, parsed.LastSequenceNumber));
        Assert.Equal(["u-a", "u-b", "u-c"], parsed.ByUser.Keys.Order(StringComparer.Ordinal));

        // Each user's events stay in sequence order, with their position in the partition.
        var a = parsed.ByUser["u-a"];
        Assert.Equal([100L, 104L, 111L], a.Select(e => e.SequenceNumber));
        Assert.Equal(["e-1", "e-3", "e-5"], a.Select(e => e.Event.EventId));
        Assert.Equal(Enqueued.AddMilliseconds(104), a[1].EnqueuedTime);

        Assert.Equal(
            [(101L, "not_json"), (103L, "not_object"), (105L, "not_json"), (106L, "unknown_type"), (107L, "too_large"), (108L, "not_json"), (110L, "future_timestamp")],
            parsed.DeadLetters.Select(d => (d.SequenceNumber, d.ReasonCode)));
        Assert.All(parsed.DeadLetters, d => Assert.Equal("3", d.PartitionId));
        Assert.True(parsed.DeadLetters.Single(d => d.SequenceNumber == 107).PayloadTruncated);
    }

    [Fact]
    public void Messages_at_or_below_skip_through_are_left_out()
    {
        var parsed = new BatchParser().Parse(MixedBatch(), skipThrough: 104);

        Assert.Equal(7, parsed.MessageCount);
        Assert.Equal((105L, 111L), (parsed.FirstSequenceNumber, parsed.LastSequenceNumber));
        Assert.Equal([109L, 111L], parsed.ByUser.Values.SelectMany(l => l).Select(e => e.SequenceNumber).Order());
        Assert.Equal(5, parsed.DeadLetters.Count);
    }

    [Fact]
    public void A_fully_processed_batch_parses_to_nothing()
    {
        var parsed = new BatchParser().Parse(MixedBatch(), skipThrough: 111);

        Assert.Equal(0, parsed.MessageCount);
        Assert.Empty(parsed.ByUser);
        Assert.Empty(parsed.DeadLetters);
        Assert.Equal((-1L, -1L), (parsed.FirstSequenceNumber, parsed.LastSequenceNumber));
    }

    [Fact]
    public void A_batch_of_only_bad_messages_is_all_dead_letters()
    {
        var batch = new PartitionBatch("0", Enumerable.Range(1, 50).Select(i => Bad(i, new string('x', i))).ToList());
        var parsed = new BatchParser().Parse(batch);

        Assert.Empty(parsed.ByUser);
        Assert.Equal(50, parsed.DeadLetters.Count);
        Assert.Equal(0, parsed.ValidEventCount);
    }

    [Fact]
    public void An_empty_batch_parses_to_nothing()
    {
        var batch = new PartitionBatch("0", []);
        Assert.Equal((-1L, -1L), (batch.FirstSequenceNumber, batch.LastSequenceNumber));
        Assert.Equal(0, new BatchParser().Parse(batch).MessageCount);
    }

    [Fact]
    public void A_partition_batch_requires_increasing_sequence_numbers()
    {
        Assert.Throws<ArgumentException>(() => new PartitionBatch("0", [Good(2, "u", "e"), Good(2, "u", "f")]));
        Assert.Throws<ArgumentException>(() => new PartitionBatch("0", [Good(3, "u", "e"), Good(2, "u", "f")]));
        Assert.Throws<ArgumentException>(() => new PartitionBatch("", [Good(1, "u", "e")]));
        var batch = new PartitionBatch("0", [Good(5, "u", "e"), Good(9, "u", "f")]);
        Assert.Equal((5L, 9L), (batch.FirstSequenceNumber, batch.LastSequenceNumber));
    }

    [Fact]
    public void A_parser_can_be_reused_across_batches()
    {
        var parser = new BatchParser();
        var first = parser.Parse(MixedBatch());
        var second = parser.Parse(MixedBatch());

        Assert.Equal(first.ValidEventCount, second.ValidEventCount);
        Assert.Equal(first.DeadLetters.Select(d => d.ReasonCode), second.DeadLetters.Select(d => d.ReasonCode));
    }
}
