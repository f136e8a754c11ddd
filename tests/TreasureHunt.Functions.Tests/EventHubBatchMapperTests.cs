using System.Text;
using System.Text.Json;
using TreasureHunt.Functions.Ingest;

namespace TreasureHunt.Functions.Tests;

public sealed class EventHubBatchMapperTests
{
    private static readonly Dictionary<string, object> Partition7 = new() { ["PartitionId"] = "7" };

    [Fact]
    public void Bodies_become_utf8_messages_with_their_sequence_numbers_and_enqueue_times()
    {
        var t0 = new DateTime(2026, 11, 27, 13, 0, 0, DateTimeKind.Utc);
        var batch = EventHubBatchMapper.ToPartitionBatch(["{\"a\":\"é\"}", "x"], [41, 42], [t0, t0.AddSeconds(1)], Partition7);

        Assert.Equal("7", batch.PartitionId);
        Assert.Equal(2, batch.Messages.Count);
        Assert.Equal(Encoding.UTF8.GetBytes("{\"a\":\"é\"}"), batch.Messages[0].Body.ToArray());
        Assert.Equal(41, batch.FirstSequenceNumber);
        Assert.Equal(42, batch.LastSequenceNumber);
        Assert.Equal(new DateTimeOffset(t0.AddSeconds(1)), batch.Messages[1].EnqueuedTime);
        Assert.Equal(TimeSpan.Zero, batch.Messages[1].EnqueuedTime.Offset);
    }

    [Fact]
    public void Enqueue_times_of_any_kind_are_read_as_utc()
    {
        var utc = new DateTime(2026, 11, 27, 13, 0, 0, DateTimeKind.Utc);
        var batch = EventHubBatchMapper.ToPartitionBatch(["a", "b"], [1, 2], [utc.ToLocalTime(), DateTime.SpecifyKind(utc, DateTimeKind.Unspecified)], Partition7);

        Assert.All(batch.Messages, m => Assert.Equal(new DateTimeOffset(utc), m.EnqueuedTime));
    }

    [Theory]
    [InlineData("""{"PartitionId":"12"}""")]
    [InlineData("""{"partitionId":"12"}""")]
    [InlineData("""{"PartitionId":12}""")]
    public void The_partition_id_is_read_from_the_partition_context_binding_data(string json)
    {
        var context = JsonSerializer.Deserialize<Dictionary<string, object>>(json)!;
        Assert.Equal("12", EventHubBatchMapper.PartitionIdOf(context));
    }

    [Fact]
    public void A_missing_partition_id_is_an_error()
    {
        var error = Assert.Throws<InvalidOperationException>(() => EventHubBatchMapper.ToPartitionBatch(["a"], [1], [DateTime.UtcNow], new Dictionary<string, object>()));
        Assert.Contains("PartitionId", error.Message);
        Assert.Throws<InvalidOperationException>(() => EventHubBatchMapper.PartitionIdOf(null));
    }

    [Fact]
    public void Arrays_of_different_lengths_are_an_error()
    {
        var now = DateTime.UtcNow;
        var error = Assert.Throws<InvalidOperationException>(() => EventHubBatchMapper.ToPartitionBatch(["a", "b"], [1, 2], [now], Partition7));
        Assert.Contains("2 events, 2 sequence numbers, 1 enqueued times", error.Message);
    }

    [Fact]
    public void Sequence_numbers_out_of_order_are_rejected_by_the_batch()
    {
        var now = DateTime.UtcNow;
        Assert.Throws<ArgumentException>(() => EventHubBatchMapper.ToPartitionBatch(["a", "b"], [2, 1], [now, now], Partition7));
    }
}
