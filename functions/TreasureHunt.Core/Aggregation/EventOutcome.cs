namespace TreasureHunt.Core.Aggregation;

/// <summary>What applying one event to its user's aggregate did.</summary>
public enum EventOutcome : byte
{
    /// <summary>Counted now.</summary>
    Applied,
    /// <summary>Counted now, but its window was older than the window's retention (it still counts in totals and affinity).</summary>
    AppliedLate,
    /// <summary>Already counted by an earlier delivery of the same sequence number (redelivery); not counted again.</summary>
    AlreadyApplied,
    /// <summary>A producer duplicate (same eventId within the duplicate horizon); never counted.</summary>
    Duplicate,
}

public static class EventOutcomes
{
    /// <summary>Whether the event is part of the stream's ground truth (everything but producer duplicates).</summary>
    public static bool Counts(this EventOutcome outcome) => outcome != EventOutcome.Duplicate;
}
