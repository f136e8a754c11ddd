using TreasureHunt.Core.Aggregation;
using TreasureHunt.Core.Events;
using TreasureHunt.Core.Features;
using static TreasureHunt.Core.Tests.TestData;

namespace TreasureHunt.Core.Tests;

/// <summary>The product's <see cref="UserDocument"/> with the default definitions and delivery rules, read in schema-1 terms (<see cref="Schema1View"/>).</summary>
public class UserDocumentTests
{
    private static readonly DateTimeOffset T = Utc("2026-11-27T12:00:00Z");

    [Fact]
    public void Totals_count_and_sum_per_type()
    {
        var aggregate = Aggregate(
        [
            Event("a", T, EventType.View), Event("b", T, EventType.View, value: 2.5), Event("c", T, EventType.Purchase, value: 99.99),
            Event("d", T, EventType.Claim, value: -1),
        ]);

        Assert.Equal(new long[] { 2, 0, 0, 1, 1 }, aggregate.Counts);
        Assert.Equal(new[] { 3.5, 0, 0, -1, 99.99 }, aggregate.Values);
        Assert.Equal(4, aggregate.TotalEvents);
    }

    [Fact]
    public void First_and_last_event_times_follow_event_time_not_arrival()
    {
        var aggregate = Aggregate([Event("a", T), Event("b", T.AddHours(-5)), Event("c", T.AddHours(2)), Event("d", T.AddHours(1))]);

        Assert.Equal(T.AddHours(-5), aggregate.FirstEventTime);
        Assert.Equal(T.AddHours(2), aggregate.LastEventTime);
    }

    [Fact]
    public void A_new_aggregate_is_empty()
    {
        var aggregate = NewDocument("u-9");
        Assert.Equal(("u-9", "u-9", UserDocument.SchemaVersion), (aggregate.Id, aggregate.UserId, aggregate.Schema));
        Assert.Equal(0, aggregate.TotalEvents);
        Assert.Null(aggregate.FirstEventTime);
        Assert.Empty(aggregate.Watermarks);

        Apply(aggregate, []);
        Assert.Empty(aggregate.Watermarks);
    }

    [Fact]
    public void Outcome_slots_must_cover_the_events()
    {
        var aggregate = NewDocument("u");
        Assert.Throws<ArgumentException>(() => aggregate.Apply([Seq(Event("a", T), 1)], "0", CompiledDefinitions.Default, DeliveryRules.Default, Span<EventOutcome>.Empty));
        Assert.True(EventOutcome.Applied.Counts());
        Assert.True(EventOutcome.AlreadyApplied.Counts());
        Assert.False(EventOutcome.Duplicate.Counts());
    }

    [Fact]
    public void Recent_items_keep_the_20_newest_distinct_items_newest_first()
    {
        var aggregate = Aggregate(Enumerable.Range(0, 25).Select(i => Event($"e{i}", T.AddMinutes(i), itemId: $"i-{i}")));

        Assert.Equal(Enumerable.Range(5, 20).Reverse().Select(i => $"i-{i}"), aggregate.RecentItems.Select(r => r.ItemId));
        Assert.Equal(T.AddMinutes(24), aggregate.RecentItems[0].Time);
    }

    [Fact]
    public void An_item_seen_again_moves_to_its_newest_time_and_is_listed_once()
    {
        var aggregate = Aggregate([Event("a", T, itemId: "x"), Event("b", T.AddMinutes(1), itemId: "y"), Event("c", T.AddMinutes(2), itemId: "x")]);
        Assert.Equal([("x", T.AddMinutes(2)), ("y", T.AddMinutes(1))], aggregate.RecentItems.Select(r => (r.ItemId, r.Time)));

        // An older event of a listed item changes nothing.
        Apply(aggregate, [Seq(Event("d", T.AddMinutes(-10), itemId: "y"), 10)]);
        Assert.Equal([("x", T.AddMinutes(2)), ("y", T.AddMinutes(1))], aggregate.RecentItems.Select(r => (r.ItemId, r.Time)));
    }

    [Fact]
    public void Recent_items_tie_on_time_by_item_id()
    {
        var rules = DocumentRules.With(recentItems: 2);
        var aggregate = Aggregate([Event("a", T, itemId: "c"), Event("b", T, itemId: "a"), Event("c", T, itemId: "b")], rules);
        Assert.Equal(["a", "b"], aggregate.RecentItems.Select(r => r.ItemId));
    }

    [Fact]
    public void An_old_event_of_a_new_item_does_not_enter_a_full_list()
    {
        var rules = DocumentRules.With(recentItems: 3);
        var aggregate = Aggregate([Event("a", T, itemId: "a"), Event("b", T.AddMinutes(1), itemId: "b"), Event("c", T.AddMinutes(2), itemId: "c")], rules);
        Apply(aggregate, [Seq(Event("z", T.AddMinutes(-1), itemId: "z"), 10)], rules);
        Assert.Equal(["c", "b", "a"], aggregate.RecentItems.Select(r => r.ItemId));

        Apply(aggregate, [Seq(Event("y", T.AddSeconds(30), itemId: "y"), 11)], rules);
        Assert.Equal(["c", "b", "y"], aggregate.RecentItems.Select(r => r.ItemId));
    }

    [Fact]
    public void Watermarks_are_kept_per_source_partition()
    {
        var aggregate = NewDocument("u");
        Assert.Equal([EventOutcome.Applied, EventOutcome.Applied], Apply(aggregate, [Seq(Event("a", T), 5), Seq(Event("b", T), 9)], partition: "0"));
        Assert.Equal([EventOutcome.Applied], Apply(aggregate, [Seq(Event("c", T), 3)], partition: "1"));
        Assert.Equal([EventOutcome.AlreadyApplied], Apply(aggregate, [Seq(Event("a", T), 5)], partition: "0"));
        Assert.Equal([EventOutcome.AlreadyApplied, EventOutcome.Applied], Apply(aggregate, [Seq(Event("c", T), 3), Seq(Event("d", T), 4)], partition: "1"));

        Assert.Equal(new Dictionary<string, long> { ["0"] = 9, ["1"] = 4 }, aggregate.Watermarks);
        Assert.Equal(4, aggregate.TotalEvents);
    }

    [Fact]
    public void The_aggregate_survives_a_json_round_trip_and_keeps_applying_the_same_way()
    {
        // Every 4th event repeats the previous event id a minute later (a duplicate); every 20th repeats one from 19 minutes before (counted again).
        static string Id(int i) => i % 20 == 19 ? $"e{i - 19}" : i % 4 == 3 ? $"e{i - 1}" : $"e{i}";
        var events = Enumerable.Range(0, 60).Select(i => Seq(Event(Id(i), T.AddMinutes(i * 7), (EventType)(i % 5), $"i-{i % 23}", $"c{i % 3}", i), i + 1, T.AddMinutes(i))).ToList();
        var direct = NewDocument();
        var stored = NewDocument();
        var directOutcomes = new List<EventOutcome>();
        var storedOutcomes = new List<EventOutcome>();
        foreach (var batch in events.Chunk(7))
        {
            directOutcomes.AddRange(Apply(direct, batch));
            storedOutcomes.AddRange(Apply(stored, batch));
            stored = Clone(stored);
        }

        Assert.Equal(directOutcomes, storedOutcomes);
        Assert.Equal(ToJson(direct), ToJson(stored));
        Assert.Contains(EventOutcome.Duplicate, directOutcomes);
    }

    [Fact]
    public void The_document_shape_uses_the_documented_property_names()
    {
        var json = ToJson(Aggregate([Event("a", T)]));
        using var parsed = System.Text.Json.JsonDocument.Parse(json);
        var names = parsed.RootElement.EnumerateObject().Select(p => p.Name).ToList();
        foreach (var name in new[] { "id", "userId", "schema", "version", "types", "firstEventTime", "lastEventTime", "delivery", "features", "capsReached" })
        {
            Assert.Contains(name, names);
        }
        // The schema-1 members are read (to upgrade an old document) but never written.
        foreach (var name in new[] { "counts", "values", "minute", "hour", "day", "affinity", "recentItems", "watermarks", "seen", "duplicates" })
        {
            Assert.DoesNotContain(name, names);
        }
        Assert.DoesNotContain("ETag", json, StringComparison.Ordinal);
    }
}
