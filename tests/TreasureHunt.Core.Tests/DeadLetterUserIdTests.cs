using TreasureHunt.Core.Erasure;
using TreasureHunt.Core.Events;

namespace TreasureHunt.Core.Tests;

/// <summary>Which user a dead letter's payload names (the erasure index of the dead-letter store is keyed by it).</summary>
public sealed class DeadLetterUserIdTests
{
    [Theory]
    [InlineData("{\"eventId\":\"e1\",\"userId\":\"alice\",\"type\":\"bogus\"}", "alice")]
    [InlineData("{\"attrs\":{\"userId\":\"nested\"},\"userId\":\"bob\"}", "bob")]             // only the top level counts
    [InlineData("{\"eventId\":\"e1\",\"userId\":\"carol\",\"value\":12.5,\"item", "carol")]  // truncated after the id
    [InlineData("{\"userId\":\"dave\",\"value\":1e999999x}", "dave")]                     // malformed after the id
    public void The_top_level_user_id_is_read(string payload, string expected)
    {
        Assert.True(DeadLetterUserId.TryRead(payload, out var userId));
        Assert.Equal(expected, userId);
    }

    [Theory]
    [InlineData("")]
    [InlineData("[]")]
    [InlineData("not json")]
    [InlineData("{\"eventId\":\"e1\"}")]
    [InlineData("{\"userId\":42}")]
    [InlineData("{\"userId\":\"has space\"}")]                // not a valid id
    [InlineData("{\"eventId\":\"e1\",\"userId\":\"trunc")]     // the id itself cut by the 8 KB truncation
    [InlineData("{\"attrs\":{\"userId\":\"nested\"}}")]
    [InlineData("{\"eventId\":\"e1\",,\"userId\":\"late\"}")]  // malformed before the id
    [InlineData("{\"eventId\":\"e1\",\"userId\":\"u-\\ud800\"}")]  // an escaped lone surrogate: not text (the dead letter of the hostile-requests test)
    public void A_payload_without_a_readable_valid_id_names_nobody(string payload)
    {
        Assert.False(DeadLetterUserId.TryRead(payload, out _));
    }

    [Fact]
    public void A_payload_truncated_by_the_dead_letter_keeps_an_id_written_first()
    {
        var body = System.Text.Encoding.UTF8.GetBytes("{\"userId\":\"erin\",\"attrs\":{\"note\":\"" + new string('x', 20_000) + "\"}}");
        var letter = DeadLetter.Create(DeadLetterReason.MissingField, "too big", "0", new RawMessage(body, 7, DateTimeOffset.UnixEpoch));
        Assert.True(letter.PayloadTruncated);
        Assert.True(DeadLetterUserId.TryRead(letter.Payload, out var userId));
        Assert.Equal("erin", userId);
    }
}
