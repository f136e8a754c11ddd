namespace TreasureHunt.Core.Events;

/// <summary>A validated event of the contract (see README, "Event contract").</summary>
public sealed record TreasureEvent(
    string EventId,
    string UserId,
    string ItemId,
    string Category,
    EventType Type,
    double Value,
    DateTimeOffset Timestamp)
{
    public const string DefaultCategory = "uncategorized";
}
