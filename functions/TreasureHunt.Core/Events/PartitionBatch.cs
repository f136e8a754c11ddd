namespace TreasureHunt.Core.Events;

/// <summary>A batch of messages from one Event Hubs partition, in sequence-number order.</summary>
public sealed class PartitionBatch
{
    public PartitionBatch(string partitionId, IReadOnlyList<RawMessage> messages)
    {
        ArgumentException.ThrowIfNullOrEmpty(partitionId);
        ArgumentNullException.ThrowIfNull(messages);
        for (var i = 1; i < messages.Count; i++)
        {
            if (messages[i].SequenceNumber <= messages[i - 1].SequenceNumber)
            {
                throw new ArgumentException(
                    $"Messages of partition {partitionId} are not in increasing sequence order at index {i} " +
                    $"({messages[i - 1].SequenceNumber} then {messages[i].SequenceNumber}).", nameof(messages));
            }
        }
        PartitionId = partitionId;
        Messages = messages;
    }

    public string PartitionId { get; }

    public IReadOnlyList<RawMessage> Messages { get; }

    public long FirstSequenceNumber => Messages.Count == 0 ? -1 : Messages[0].SequenceNumber;

    public long LastSequenceNumber => Messages.Count == 0 ? -1 : Messages[^1].SequenceNumber;
}
