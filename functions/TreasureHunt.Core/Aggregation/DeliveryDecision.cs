namespace TreasureHunt.Core.Aggregation;

/// <summary>What <see cref="DeliveryState.Decide"/> found about one delivered message.</summary>
public enum DeliveryDecision : byte
{
    /// <summary>Not applied before: apply it (<see cref="EventOutcome.Applied"/> or <see cref="EventOutcome.AppliedLate"/>).</summary>
    New,
    /// <summary>At or below the partition's watermark and not a recorded duplicate: an earlier delivery applied it.</summary>
    AlreadyApplied,
    /// <summary>A producer duplicate (same event id within the horizon), or the redelivery of one: never applied.</summary>
    Duplicate,
}
