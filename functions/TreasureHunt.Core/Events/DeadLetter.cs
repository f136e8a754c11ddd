using System.Text;

namespace TreasureHunt.Core.Events;

/// <summary>A rejected message: why, where it came from, and its payload truncated to <see cref="MaxPayloadBytes"/>.</summary>
public sealed record DeadLetter(
    DeadLetterReason Reason,
    string Detail,
    string PartitionId,
    long SequenceNumber,
    DateTimeOffset EnqueuedTime,
    string Payload,
    bool PayloadTruncated)
{
    public const int MaxPayloadBytes = 8 * 1024;

    public string ReasonCode => Reason.Code();

    public static DeadLetter Create(DeadLetterReason reason, string detail, string partitionId, in RawMessage message)
    {
        var body = message.Body.Span;
        var truncated = body.Length > MaxPayloadBytes;
        var slice = truncated ? body[..MaxPayloadBytes] : body;
        // Invalid UTF-8 (or a multi-byte char cut by the truncation) becomes U+FFFD: the row stays readable.
        return new DeadLetter(reason, detail, partitionId, message.SequenceNumber, message.EnqueuedTime,
            Encoding.UTF8.GetString(slice), truncated);
    }
}
