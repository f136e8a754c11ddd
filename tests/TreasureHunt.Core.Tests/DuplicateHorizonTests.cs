using TreasureHunt.Core.Aggregation;
using TreasureHunt.Core.Events;
using static TreasureHunt.Core.Tests.Schema1View;
using static TreasureHunt.Core.Tests.TestData;

namespace TreasureHunt.Core.Tests;

/// <summary>Producer duplicates in the product's <see cref="UserDocument"/>: the horizon, redeliveries and the per-user cap of remembered ids.</summary>
public class DuplicateHorizonTests
{
    private static readonly DateTimeOffset T = Utc("2026-11-27T12:00:00Z");

    private static SequencedEvent Copy(string eventId, long seq, TimeSpan enqueuedAfter, EventType type = EventType.View) =>
        Seq(Event(eventId, T, type), seq, T + enqueuedAfter);

    [Theory]
    [InlineData(0)]
    [InlineData(60)]
    [InlineData(14 * 60)]
    [InlineData(15 * 60)]
    public void A_copy_with_another_sequence_number_within_15_minutes_is_a_duplicate(int secondsLater)
    {
        var aggregate = NewDocument();
        Apply(aggregate, [Copy("e-1", 1, TimeSpan.Zero, EventType.Purchase)]);

        var outcomes = Apply(aggregate, [Copy("e-1", 2, TimeSpan.FromSeconds(secondsLater), EventType.Purchase)]);

        Assert.Equal([EventOutcome.Duplicate], outcomes);
        Assert.Equal(1, aggregate.TotalEvents);
        Assert.Equal(10.0, aggregate.Affinity["caves"]);
        Assert.Equal(2, aggregate.Watermarks[Partition]);
    }

    [Fact]
    public void A_redelivered_duplicate_stays_a_duplicate_after_its_original_was_forgotten()
    {
        var aggregate = NewDocument();
        Apply(aggregate, [Copy("e-1", 1, TimeSpan.Zero)]);
        // The copy arrives a minute later; a later event in the same batch moves the horizon past the original,
        // so the original's id is forgotten when the batch ends.
        SequencedEvent[] batch = [Copy("e-1", 2, TimeSpan.FromMinutes(1)), Copy("e-2", 3, TimeSpan.FromMinutes(20))];
        Assert.Equal([EventOutcome.Duplicate, EventOutcome.Applied], Apply(aggregate, batch));
        Assert.DoesNotContain(aggregate.Seen, s => s.Hash == Hash("e-1") && s.SequenceNumber == 1);

        // The batch is redelivered (a crash before its checkpoint): the copy must not turn into "already counted".
        Assert.Equal([EventOutcome.Duplicate, EventOutcome.AlreadyApplied], Apply(aggregate, batch));
        Assert.Equal(2, aggregate.TotalEvents);
    }

    [Fact]
    public void A_copy_in_the_same_batch_is_a_duplicate()
    {
        var aggregate = NewDocument();
        var outcomes = Apply(aggregate, [Copy("e-1", 1, TimeSpan.Zero), Copy("e-2", 2, TimeSpan.Zero), Copy("e-1", 3, TimeSpan.FromSeconds(1))]);

        Assert.Equal([EventOutcome.Applied, EventOutcome.Applied, EventOutcome.Duplicate], outcomes);
        Assert.Equal(2, aggregate.TotalEvents);
    }

    [Fact]
    public void A_copy_beyond_the_horizon_is_counted_again()
    {
        var aggregate = NewDocument();
        Apply(aggregate, [Copy("e-1", 1, TimeSpan.Zero)]);

        var outcomes = Apply(aggregate, [Copy("e-1", 2, TimeSpan.FromMinutes(15).Add(TimeSpan.FromTicks(1)))]);

        Assert.Equal([EventOutcome.Applied], outcomes);
        Assert.Equal(2, aggregate.TotalEvents);
    }

    [Fact]
    public void A_copy_beyond_the_horizon_in_the_same_batch_is_counted_again()
    {
        var aggregate = NewDocument();
        var outcomes = Apply(aggregate, [Copy("e-1", 1, TimeSpan.Zero), Copy("e-1", 2, TimeSpan.FromMinutes(20)), Copy("e-1", 3, TimeSpan.FromMinutes(21))]);

        // The second copy is counted and replaces the remembered one, so the third (a minute after it) is its duplicate.
        Assert.Equal([EventOutcome.Applied, EventOutcome.Applied, EventOutcome.Duplicate], outcomes);
    }

    [Fact]
    public void A_redelivery_of_the_original_is_not_a_duplicate()
    {
        var aggregate = NewDocument();
        Apply(aggregate, [Copy("e-1", 1, TimeSpan.Zero), Copy("e-1", 2, TimeSpan.FromMinutes(1))]);
        var json = ToJson(aggregate);

        Assert.Equal([EventOutcome.AlreadyApplied], Apply(aggregate, [Copy("e-1", 1, TimeSpan.Zero)]));
        Assert.Equal([EventOutcome.AlreadyApplied, EventOutcome.Duplicate], Apply(aggregate, [Copy("e-1", 1, TimeSpan.Zero), Copy("e-1", 2, TimeSpan.FromMinutes(1))]));
        Assert.Equal(json, ToJson(aggregate));
        Assert.Equal(1, aggregate.TotalEvents);
    }

    [Fact]
    public void A_redelivered_old_copy_does_not_replace_the_remembered_newer_copy()
    {
        // e-1 is counted at 0 min and again at 20 min (beyond the horizon). Redelivering the first copy must neither
        // change the aggregate nor make the remembered copy older: a third copy at 21 min is still a duplicate.
        var aggregate = NewDocument();
        Apply(aggregate, [Copy("e-1", 1, TimeSpan.Zero)]);
        Apply(aggregate, [Copy("e-1", 2, TimeSpan.FromMinutes(20))]);
        var json = ToJson(aggregate);

        Assert.Equal([EventOutcome.AlreadyApplied], Apply(aggregate, [Copy("e-1", 1, TimeSpan.Zero)]));
        Assert.Equal(json, ToJson(aggregate));
        Assert.Equal([EventOutcome.Duplicate], Apply(aggregate, [Copy("e-1", 3, TimeSpan.FromMinutes(21))]));
        Assert.Equal(2, aggregate.TotalEvents);
    }

    [Fact]
    public void A_copy_from_another_partition_within_the_horizon_is_a_duplicate()
    {
        var aggregate = NewDocument();
        Apply(aggregate, [Copy("e-1", 7, TimeSpan.Zero)], partition: "0");
        Assert.Equal([EventOutcome.Duplicate], Apply(aggregate, [Copy("e-1", 7, TimeSpan.FromMinutes(2))], partition: "1"));
    }

    [Fact]
    public void Remembered_ids_older_than_the_horizon_are_forgotten()
    {
        var aggregate = NewDocument();
        Apply(aggregate, [Copy("e-1", 1, TimeSpan.Zero), Copy("e-2", 2, TimeSpan.FromMinutes(10))]);
        Assert.Equal(Hashes("e-1", "e-2"), aggregate.Seen.Select(s => s.Hash));

        Apply(aggregate, [Copy("e-3", 3, TimeSpan.FromMinutes(20))]);

        Assert.Equal(Hashes("e-2", "e-3"), aggregate.Seen.Select(s => s.Hash)); // e-1 is 20 minutes older than the newest
        Assert.Equal(("0", 2L, T.AddMinutes(10)), (aggregate.Seen[0].PartitionId, aggregate.Seen[0].SequenceNumber, aggregate.Seen[0].EnqueuedTime));
        Assert.Equal([EventOutcome.Applied], Apply(aggregate, [Copy("e-1", 4, TimeSpan.FromMinutes(21))]));
    }

    [Fact]
    public void The_horizon_is_configurable()
    {
        var rules = DocumentRules.With(duplicateHorizonMinutes: 1);
        var aggregate = NewDocument();
        Apply(aggregate, [Copy("e-1", 1, TimeSpan.Zero)], rules);

        Assert.Equal([EventOutcome.Duplicate], Apply(aggregate, [Copy("e-1", 2, TimeSpan.FromSeconds(60))], rules));
        Assert.Equal([EventOutcome.Applied], Apply(aggregate, [Copy("e-1", 3, TimeSpan.FromSeconds(61))], rules));
        Assert.Equal(TimeSpan.FromMinutes(1), rules.DuplicateHorizon);
        Assert.Equal(TimeSpan.FromMinutes(15), DeliveryRules.Default.Horizon);
    }

    [Fact]
    public void A_zero_horizon_still_recognises_an_identical_copy()
    {
        var rules = DocumentRules.With(duplicateHorizonMinutes: 0);
        var aggregate = NewDocument();
        Assert.Equal([EventOutcome.Applied, EventOutcome.Duplicate, EventOutcome.Applied],
            Apply(aggregate, [Copy("e-1", 1, TimeSpan.Zero), Copy("e-1", 2, TimeSpan.Zero), Copy("e-1", 3, TimeSpan.FromTicks(1))], rules));
    }

    [Fact]
    public void At_most_the_configured_number_of_ids_is_remembered_per_user_newest_kept()
    {
        var rules = DocumentRules.With(maxRememberedEventIds: 3);
        var aggregate = NewDocument();
        Apply(aggregate, Enumerable.Range(1, 5).Select(i => Copy($"e-{i}", i, TimeSpan.FromSeconds(i))).ToList(), rules);

        Assert.Equal(Hashes("e-3", "e-4", "e-5"), aggregate.Seen.Select(s => s.Hash));
        // e-1 was forgotten (the cap), so a copy of it is counted; e-5 is remembered, so its copy is a duplicate.
        Assert.Equal([EventOutcome.Applied, EventOutcome.Duplicate], Apply(aggregate, [Copy("e-1", 6, TimeSpan.FromSeconds(6)), Copy("e-5", 7, TimeSpan.FromSeconds(7))], rules));
        Assert.Equal(3, aggregate.Seen.Count);
        Assert.Equal(6, aggregate.TotalEvents);
        Assert.Equal(2000, new AggregationOptions().MaxRememberedEventIdsPerUser);
        Assert.Equal(2000, DeliveryRules.Default.MaxRememberedIds);
    }

    [Fact]
    public void Remembered_ids_changed_outside_apply_are_taken_as_they_are()
    {
        var aggregate = NewDocument();
        Apply(aggregate, [Copy("e-1", 1, TimeSpan.Zero)]);

        aggregate.Delivery = DeliveryState.FromSchema1(aggregate.Watermarks, [], []); // for example a store that trims the document
        Assert.Equal([EventOutcome.Applied], Apply(aggregate, [Copy("e-1", 2, TimeSpan.FromMinutes(1))]));

        aggregate.Delivery = DeliveryState.FromSchema1(aggregate.Watermarks, [new SeenEvent { EventId = "e-9", PartitionId = "0", SequenceNumber = 1, EnqueuedTime = T }], []);
        Assert.Equal([EventOutcome.Duplicate, EventOutcome.Applied], Apply(aggregate, [Copy("e-9", 3, TimeSpan.FromMinutes(1)), Copy("e-1", 4, TimeSpan.FromMinutes(1))]));
        Assert.Equal(Hashes("e-9", "e-1"), aggregate.Seen.Select(s => s.Hash));
    }

    [Fact]
    public void Ids_remembered_out_of_enqueue_order_are_pruned_by_age_wherever_they_are()
    {
        var rules = DocumentRules.With(maxRememberedEventIds: 3);
        var aggregate = NewDocument();
        // Partition 1 lags behind partition 0 by 30 minutes of enqueue time.
        Apply(aggregate, [Copy("a", 1, TimeSpan.FromMinutes(30)), Copy("b", 2, TimeSpan.FromMinutes(31))], rules, partition: "0");
        Apply(aggregate, [Copy("c", 1, TimeSpan.FromMinutes(10))], rules, partition: "1");
        Assert.Equal(Hashes("a", "b"), aggregate.Seen.Select(s => s.Hash)); // c is older than the horizon behind b

        Apply(aggregate, [Copy("d", 2, TimeSpan.FromMinutes(29)), Copy("e", 3, TimeSpan.FromMinutes(28))], rules, partition: "1");
        // Over the cap of 3: the oldest by enqueue time (e at 28 min) goes, wherever it is in the list.
        Assert.Equal(Hashes("d", "a", "b"), aggregate.Seen.Select(s => s.Hash));
        Assert.Equal([EventOutcome.Applied, EventOutcome.Duplicate], Apply(aggregate, [Copy("e", 3, TimeSpan.FromMinutes(32)), Copy("d", 4, TimeSpan.FromMinutes(32))], rules, partition: "0"));
    }

    [Fact]
    public void Thousands_of_ids_stay_findable_while_remembered_and_are_forgotten_in_order()
    {
        // 5000 ids in batches of 100, 100 ms apart: all within the horizon, so the cap of 2000 decides.
        var aggregate = NewDocument();
        var seq = 0L;
        for (var b = 0; b < 50; b++)
        {
            Apply(aggregate, Enumerable.Range(0, 100).Select(i => Copy($"e-{b * 100 + i}", ++seq, TimeSpan.FromMilliseconds(100 * seq))).ToList());
        }
        Assert.Equal(2000, aggregate.Seen.Count);
        Assert.Equal(Hash("e-3000"), aggregate.Seen[0].Hash);

        var copies = new[] { 0, 2999, 3000, 3001, 4500, 4999 }.Select(i => Copy($"e-{i}", ++seq, TimeSpan.FromMilliseconds(100 * seq))).ToList();
        var reloaded = Clone(aggregate);
        var outcomes = Apply(aggregate, copies);

        Assert.Equal([EventOutcome.Applied, EventOutcome.Applied, EventOutcome.Duplicate, EventOutcome.Duplicate, EventOutcome.Duplicate, EventOutcome.Duplicate], outcomes);
        Assert.Equal(outcomes, Apply(reloaded, copies));
        Assert.Equal(ToJson(reloaded), ToJson(aggregate));
    }
}
