namespace TreasureHunt.Core.Events;

/// <summary>A partition batch after validation: valid events grouped by user (each group in sequence order) and the dead letters.</summary>
public sealed class ParsedBatch
{
    public ParsedBatch(string partitionId, Dictionary<string, List<SequencedEvent>> byUser, List<DeadLetter> deadLetters, int messageCount, long firstSequenceNumber, long lastSequenceNumber)
    {
        PartitionId = partitionId;
        ByUser = byUser;
        DeadLetters = deadLetters;
        MessageCount = messageCount;
        FirstSequenceNumber = firstSequenceNumber;
        LastSequenceNumber = lastSequenceNumber;
    }

    public string PartitionId { get; }
    public Dictionary<string, List<SequencedEvent>> ByUser { get; }
    public List<DeadLetter> DeadLetters { get; }
    public int MessageCount { get; }
    public long FirstSequenceNumber { get; }
    public long LastSequenceNumber { get; }
    public int ValidEventCount => MessageCount - DeadLetters.Count;
}

/// <summary>Validates every message of a batch; a bad message becomes a dead letter and never stops the rest.</summary>
public sealed class BatchParser(EventParser parser)
{
    private readonly EventParser _parser = parser;

    /// <summary>A batch parser for the default definitions' event types.</summary>
    public BatchParser() : this(new EventParser())
    {
    }

    /// <param name="skipThrough">Messages at or below this sequence number are left out (already fully processed).</param>
    public ParsedBatch Parse(PartitionBatch batch, long skipThrough = long.MinValue)
    {
        ArgumentNullException.ThrowIfNull(batch);
        var byUser = new Dictionary<string, List<SequencedEvent>>(StringComparer.Ordinal);
        var deadLetters = new List<DeadLetter>();
        var count = 0;
        long first = -1, last = -1;
        foreach (var message in batch.Messages)
        {
            if (message.SequenceNumber <= skipThrough)
            {
                continue;
            }
            if (count++ == 0) first = message.SequenceNumber;
            last = message.SequenceNumber;
            if (_parser.TryParse(message, batch.PartitionId, out var parsed, out var deadLetter))
            {
                if (!byUser.TryGetValue(parsed!.UserId, out var list))
                {
                    byUser[parsed.UserId] = list = new List<SequencedEvent>(1); // most users have one event in a batch
                }
                list.Add(new SequencedEvent(parsed, message.SequenceNumber, message.EnqueuedTime));
            }
            else
            {
                deadLetters.Add(deadLetter!);
            }
        }
        return new ParsedBatch(batch.PartitionId, byUser, deadLetters, count, first, last);
    }
}
