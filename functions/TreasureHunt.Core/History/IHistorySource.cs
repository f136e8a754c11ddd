using TreasureHunt.Core.Events;

namespace TreasureHunt.Core.History;

/// <summary>
/// The durable history of the event stream, read partition by partition in sequence-number order: the local event
/// log, or Event Hubs Capture files (Avro) in Blob storage. Back-fill and point-in-time export read through it, and
/// feed what they read to the same processing code as the live path.
/// </summary>
public interface IHistorySource
{
    /// <summary>A short description for progress lines and errors (for example the folder or the container URL).</summary>
    string Description { get; }

    /// <summary>The partitions of the history.</summary>
    Task<IReadOnlyList<string>> PartitionsAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Up to <paramref name="maxMessages"/> messages of <paramref name="partitionId"/> with a sequence number greater
    /// than <paramref name="afterSequence"/> (-1: from the start), in increasing sequence order; empty at the end of
    /// what the history holds now.
    /// </summary>
    Task<IReadOnlyList<RawMessage>> ReadAsync(string partitionId, long afterSequence, int maxMessages, CancellationToken cancellationToken);
}
