using System.Text;
using TreasureHunt.Core.Events;
using TreasureHunt.Local.EventLog;
using TreasureHunt.Local.Hosting;

using TreasureHunt.Pipeline.Api;

namespace TreasureHunt.IntegrationTests.Local;

/// <summary>The ingest route's splitting, caps and partition key, and the key check. No emulators.</summary>
public sealed class IngestParsingTests
{
    private static readonly IngestLimits Limits = new(MaxMessagesPerRequest: 5, MaxMessageBytes: 100);

    private static byte[] Bytes(params object[] parts) =>
        parts.SelectMany(p => p is string s ? Encoding.UTF8.GetBytes(s) : (byte[])p).ToArray();

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("text/plain")]
    [InlineData("application/xml")]
    public void A_wrong_or_missing_content_type_is_415(string? contentType) =>
        Assert.Equal(415, IngestRequestReader.TrySplit("{}\n"u8.ToArray(), contentType, Limits, out _)!.StatusCode);

    [Fact]
    public void More_messages_than_allowed_is_413_and_the_limit_itself_is_fine()
    {
        Assert.Null(IngestRequestReader.TrySplit(Bytes(string.Concat(Enumerable.Repeat("1\n", 5))), "application/x-ndjson", Limits, out var five));
        Assert.Equal(5, five.Count);
        var problem = IngestRequestReader.TrySplit(Bytes(string.Concat(Enumerable.Repeat("1\n", 6))), "application/x-ndjson", Limits, out _);
        Assert.Equal(413, problem!.StatusCode);
        Assert.Contains("Local:MaxMessagesPerRequest", problem.Body);
        Assert.Equal(413, IngestRequestReader.TrySplit(Bytes("[1,2,3,4,5,6]"), "application/json", Limits, out _)!.StatusCode);
    }

    [Fact]
    public void A_message_over_the_size_cap_is_413()
    {
        var big = "{\"pad\":\"" + new string('x', 100) + "\"}";
        Assert.Equal(413, IngestRequestReader.TrySplit(Bytes("{}\n" + big + "\n"), "application/x-ndjson", Limits, out _)!.StatusCode);
        Assert.Equal(413, IngestRequestReader.TrySplit(Bytes("[{}," + big + "]"), "application/json", Limits, out _)!.StatusCode);
    }

    [Theory]
    [InlineData("""{"userId":"u-\ud800"}""")]            // lone surrogate (escaped)
    [InlineData("""{"userId":"u-\udc00x","eventId":"e"}""")]
    public void A_lone_surrogate_in_userId_does_not_throw_and_has_no_partition_key(string message)
    {
        Assert.False(UserIdReader.TryRead(Encoding.UTF8.GetBytes(message), out _));
        var parser = new EventParser();
        Assert.False(parser.TryParse(new RawMessage(Encoding.UTF8.GetBytes(message), 0, DateTimeOffset.UtcNow), "0", out _, out var dead));
        Assert.NotNull(dead);
    }

    [Fact]
    public void Invalid_utf8_in_userId_does_not_throw_and_is_not_json_for_the_parser()
    {
        var message = Bytes("{\"userId\":\"u-", new byte[] { 0xC3, 0x28 }, "\"}");
        Assert.False(UserIdReader.TryRead(message, out _));
        Assert.False(new EventParser().TryParse(new RawMessage(message, 0, DateTimeOffset.UtcNow), "0", out _, out var dead));
        Assert.Equal(DeadLetterReason.NotJson, dead!.Reason);
    }

    [Theory]
    [InlineData("""{"userId":null,"userId":"u-5"}""")]
    [InlineData("""{"userId":"u-5","userId":null}""")]
    [InlineData("""{"userId":"u-5","\u0075serId":"u-6"}""")]
    public void A_userId_named_twice_has_no_partition_key_and_is_duplicate_field(string fields)
    {
        var message = Encoding.UTF8.GetBytes(fields[..^1] + ""","eventId":"e-1","itemId":"t-1","type":"view","timestamp":"2026-11-27T13:00:00Z"}""");
        Assert.False(UserIdReader.TryRead(message, out _));
        Assert.False(new EventParser().TryParse(new RawMessage(message, 0, new DateTimeOffset(2026, 11, 27, 13, 1, 0, TimeSpan.Zero)), "0", out _, out var dead));
        Assert.Equal(DeadLetterReason.DuplicateField, dead!.Reason);
    }

    [Fact]
    public void The_partitioner_agrees_with_the_parser_on_accepted_messages()
    {
        var message = Encoding.UTF8.GetBytes("""{"eventId":"e-1","user\u0069d":"x","userId":"u\u002d7","itemId":"t-1","type":"view","timestamp":"2026-11-27T13:00:00Z"}""");
        Assert.True(new EventParser().TryParse(new RawMessage(message, 0, new DateTimeOffset(2026, 11, 27, 13, 1, 0, TimeSpan.Zero)), "0", out var parsed, out _));
        Assert.True(UserIdReader.TryRead(message, out var userId));
        Assert.Equal(parsed!.UserId, userId);
    }

    [Fact]
    public void The_key_check_matches_only_the_exact_key()
    {
        var check = ApiKeyCheck.Create("s3cret");
        Assert.True(check.Matches("s3cret"));
        Assert.False(check.Matches("s3cre"));
        Assert.False(check.Matches("s3cret "));
        Assert.False(check.Matches(""));
        Assert.False(check.Matches(null));
        Assert.False(ApiKeyCheck.Create("").Matches(""));
    }
}
