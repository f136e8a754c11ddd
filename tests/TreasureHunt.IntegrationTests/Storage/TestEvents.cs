using TreasureHunt.Core.Aggregation;
using TreasureHunt.Core.Events;
using TreasureHunt.Core.Features;
using TreasureHunt.Core.Ports;

namespace TreasureHunt.IntegrationTests.Storage;

/// <summary>Deterministic events and the product's way of applying a user's events of one batch.</summary>
internal static class TestEvents
{
    public static readonly DateTimeOffset Origin = new(2026, 3, 2, 8, 0, 0, TimeSpan.Zero);

    private static readonly string[] Categories = ["maps", "coins", "gems", "keys", "scrolls", "potions"];

    /// <summary>
    /// Events seq <paramref name="from"/>..<paramref name="to"/> (inclusive) of one partition for one user: all five
    /// types, 37 items (more than the 20 recent items kept), six categories, 97 s apart (so minute windows get
    /// pruned), every 23rd event late (timestamp 3 h back, older than the minute retention) and producer duplicates:
    /// seq 101 repeats the eventId of seq 98 (across a piece boundary) and seq 118 that of seq 115.
    /// </summary>
    public static List<SequencedEvent> Range(string userId, string partitionId, long from, long to, double spacingSeconds = 97)
    {
        var events = new List<SequencedEvent>((int)(to - from + 1));
        for (var seq = from; seq <= to; seq++)
        {
            events.Add(At(userId, partitionId, seq, spacingSeconds));
        }
        return events;
    }

    public static SequencedEvent At(string userId, string partitionId, long seq, double spacingSeconds = 97)
    {
        var enqueued = Origin.AddSeconds(seq * spacingSeconds + 1);
        var timestamp = seq % 23 == 22 ? enqueued.AddHours(-3) : enqueued.AddSeconds(-1);
        var eventSeq = seq switch { 101 => 98, 118 => 115, _ => seq };
        var e = new TreasureEvent(
            EventId: $"{userId}-{partitionId}-{eventSeq}",
            UserId: userId,
            ItemId: $"item-{seq % 37}",
            Category: Categories[seq % Categories.Length],
            Type: (EventType)(seq % EventTypes.Count),
            Value: (seq % 7) + 0.5,
            Timestamp: timestamp);
        return new SequencedEvent(e, seq, enqueued);
    }

    /// <summary>Exactly what PartitionBatchProcessor does for one user of a batch.</summary>
    public static async Task<(bool Changed, EventOutcome[] Outcomes)> ApplyAsync(
        IUserDocumentStore store, string userId, string partitionId, IReadOnlyList<SequencedEvent> events, CancellationToken cancellationToken = default)
    {
        var slots = new EventOutcome[events.Count];
        var changed = await store.UpdateAsync(userId, aggregate =>
        {
            aggregate.Apply(events, partitionId, CompiledDefinitions.Default, DeliveryRules.Default, slots);
            return slots.Any(o => o is EventOutcome.Applied or EventOutcome.AppliedLate);
        }, cancellationToken);
        return (changed, slots);
    }

    /// <summary>The user document the events give when applied in memory, in one go.</summary>
    public static UserDocument Expected(string userId, params (string PartitionId, List<SequencedEvent> Events)[] batches)
    {
        var document = UserDocument.Create(userId, CompiledDefinitions.Default);
        foreach (var (partitionId, events) in batches)
        {
            document.Apply(events, partitionId, CompiledDefinitions.Default, DeliveryRules.Default, new EventOutcome[events.Count]);
        }
        return document;
    }
}
