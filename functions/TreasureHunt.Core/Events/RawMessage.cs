namespace TreasureHunt.Core.Events;

/// <summary>One Event Hubs message as delivered: the body bytes exactly as sent, and its position in the partition.</summary>
public readonly record struct RawMessage(ReadOnlyMemory<byte> Body, long SequenceNumber, DateTimeOffset EnqueuedTime);
