using System.Buffers;
using TreasureHunt.Core.Aggregation;
using TreasureHunt.Core.Events;
using static TreasureHunt.Core.Tests.TestData;

namespace TreasureHunt.Core.Tests;

/// <summary>A parsed event keeps its id as bytes of the body when it can and as a string when it cannot: the id reads the same either way.</summary>
public class TreasureEventIdTests
{
    private static TreasureEvent Parse(ReadOnlyMemory<byte> body)
    {
        Assert.True(new EventParser().TryParse(new RawMessage(body, 1, Enqueued), "0", out var parsed, out var deadLetter), deadLetter?.Detail);
        return parsed!;
    }

    private static void AssertId(TreasureEvent e, string id)
    {
        Assert.Equal(DeliveryState.HashOf(id), e.EventIdHash());
        Assert.Equal(id, e.EventId);
        Assert.Equal(DeliveryState.HashOf(id), e.EventIdHash());
    }

    [Fact]
    public void An_id_in_a_slice_of_a_shared_array_reads_back()
    {
        var body = Utf8(Json(("eventId", Str(new string('e', 128)))));
        var slab = new byte[body.Length + 1000];
        body.CopyTo(slab, 1000);
        AssertId(Parse(slab.AsMemory(1000, body.Length)), new string('e', 128));
    }

    [Fact]
    public void An_id_beyond_the_packed_offset_is_materialized_and_reads_back()
    {
        var body = Utf8(Json(("eventId", "\"e-far\"")));
        var slab = new byte[(8 << 20) + body.Length];
        body.CopyTo(slab, 8 << 20);
        AssertId(Parse(slab.AsMemory(8 << 20, body.Length)), "e-far");
    }

    [Fact]
    public void An_id_in_memory_that_is_not_an_array_is_materialized_and_reads_back()
    {
        using var manager = new NativeLikeMemory(Utf8(Json(("eventId", "\"e-native\""))));
        AssertId(Parse(manager.Memory), "e-native");
    }

    /// <summary>Memory that <see cref="System.Runtime.InteropServices.MemoryMarshal.TryGetArray{T}"/> cannot see as an array.</summary>
    private sealed class NativeLikeMemory(byte[] bytes) : MemoryManager<byte>
    {
        public override Span<byte> GetSpan() => bytes;
        public override MemoryHandle Pin(int elementIndex = 0) => throw new NotSupportedException();
        public override void Unpin() { }
        protected override void Dispose(bool disposing) { }
    }
}
