using System.Buffers;
using System.Globalization;
using System.Text.Json;

namespace TreasureHunt.Tools.Nexmark;

/// <summary>
/// Nexmark events in our event contract (features/examples/nexmark.json): a bid is <c>type: "bid"</c> with the bidder as
/// <c>userId</c>, the auction as <c>itemId</c>, the auction's category as <c>category</c>, the price (cents) as
/// <c>value</c> and its channel as the declared attribute <c>channel</c>; an auction is <c>type: "auction"</c> with the
/// seller as <c>userId</c>, itself as <c>itemId</c>, its category and its initial bid as <c>value</c>; a person is
/// <c>type: "person"</c> with itself as <c>userId</c> and <c>p-&lt;id&gt;</c> as <c>itemId</c> (the contract requires an
/// item). Person names, e-mails, cities, auction texts and Nexmark's padding (<c>extra</c>) are left out: no query reads them.
/// </summary>
public static class NexmarkContract
{
    public static string UserIdOf(long personId) => "p-" + personId.ToString(CultureInfo.InvariantCulture);

    public static string ItemIdOf(long auctionId) => "a-" + auctionId.ToString(CultureInfo.InvariantCulture);

    public static string CategoryOf(long category) => "c-" + category.ToString(CultureInfo.InvariantCulture);

    public static string TypeOf(NexmarkKind kind) => kind switch
    {
        NexmarkKind.Person => "person",
        NexmarkKind.Auction => "auction",
        _ => "bid",
    };

    /// <summary>The item id an event counts under: the auction, or p-&lt;id&gt; for a person.</summary>
    public static string ItemOf(in NexmarkEvent e) => e.Kind == NexmarkKind.Person ? UserIdOf(e.PersonId) : ItemIdOf(e.AuctionId);

    /// <summary>The event's JSON (one NDJSON line without the newline); <paramref name="runTag"/> makes the event ids of a run unique.</summary>
    public static void Write(in NexmarkEvent e, string runTag, IBufferWriter<byte> output)
    {
        using var writer = new Utf8JsonWriter(output);
        writer.WriteStartObject();
        writer.WriteString("eventId"u8, $"nx-{runTag}-{e.EventId.ToString(CultureInfo.InvariantCulture)}");
        writer.WriteString("userId"u8, UserIdOf(e.PersonId));
        writer.WriteString("itemId"u8, ItemOf(e));
        if (e.Kind != NexmarkKind.Person) writer.WriteString("category"u8, CategoryOf(e.Category));
        writer.WriteString("type"u8, TypeOf(e.Kind));
        if (e.Kind != NexmarkKind.Person) writer.WriteNumber("value"u8, e.Price);
        writer.WriteString("timestamp"u8, e.Timestamp.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture));
        if (e.Channel is { } channel) writer.WriteString("channel"u8, channel);
        writer.WriteEndObject();
    }

    public static byte[] ToJson(in NexmarkEvent e, string runTag)
    {
        var buffer = new ArrayBufferWriter<byte>(200);
        Write(e, runTag, buffer);
        return buffer.WrittenSpan.ToArray();
    }
}
