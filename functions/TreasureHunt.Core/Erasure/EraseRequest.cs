namespace TreasureHunt.Core.Erasure;

/// <summary>A request to erase one user's data (GDPR Art. 17): what the erase control message carries.</summary>
public sealed record EraseRequest(string ErasureId, string UserId, DateTimeOffset RequestedAt);

/// <summary>An erase control message as it came out of a partition: the request and its position in the stream.</summary>
public readonly record struct SequencedErasure(EraseRequest Request, long SequenceNumber, DateTimeOffset EnqueuedTime);
