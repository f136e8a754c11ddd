namespace TreasureHunt.Core.Events;

/// <summary>A validated event with its position in the source partition.</summary>
public readonly record struct SequencedEvent(TreasureEvent Event, long SequenceNumber, DateTimeOffset EnqueuedTime);
