using System.Text.Json.Nodes;
using FsCheck.Xunit;
using TreasureHunt.Core.Aggregation;
using TreasureHunt.Core.Events;
using static TreasureHunt.Core.Tests.TestData;

namespace TreasureHunt.Core.Tests;

/// <summary>
/// Properties of the product's <see cref="UserDocument"/> (default definitions and delivery rules unless a test varies
/// them) over random event sets. FsCheck draws the seed (and reports it on failure); everything else is derived from
/// it with <see cref="Random"/>, so a failing case replays exactly.
/// </summary>
public class AggregatePropertyTests
{
    private const int Cases = 150;

    [Property(MaxTest = Cases)]
    public void Any_permutation_of_the_events_across_batches_gives_the_same_aggregate(int seed)
    {
        var rng = new Random(seed);
        var events = RandomStreams.Events(rng, rng.Next(1, 160));
        var expected = ExpectedAggregate.Of(events);
        UserDocument? first = null;
        for (var run = 0; run < 4; run++)
        {
            var order = run == 0 ? events : RandomStreams.Shuffle(rng, events);
            var aggregate = NewDocument();
            var seq = 0L;
            foreach (var batch in RandomStreams.Batches(rng, order))
            {
                var outcomes = Apply(aggregate, batch.Select(e => Seq(e, ++seq, RandomStreams.Origin.AddSeconds(seq))).ToList());
                Assert.All(outcomes, o => Assert.True(o is EventOutcome.Applied or EventOutcome.AppliedLate, $"{o}"));
            }

            expected.AssertMatches(aggregate);
            Assert.Equal(events.Count, aggregate.TotalEvents);
            if (first is null)
            {
                first = aggregate;
                continue;
            }
            // Run against run: windows and recent items identical, affinity within 1e-9 relative.
            Assert.Equal(ToJson(first.Minute), ToJson(aggregate.Minute));
            Assert.Equal(ToJson(first.Hour), ToJson(aggregate.Hour));
            Assert.Equal(ToJson(first.Day), ToJson(aggregate.Day));
            Assert.Equal(ToJson(first.RecentItems), ToJson(aggregate.RecentItems));
            foreach (var (category, score) in first.Affinity)
            {
                Close(score, aggregate.Affinity[category], scale: expected.Affinity[category].Scale, what: category);
            }
        }
    }

    [Property(MaxTest = Cases)]
    public void Events_spread_over_several_partitions_in_any_order_give_the_same_aggregate(int seed)
    {
        var rng = new Random(seed);
        var events = RandomStreams.Events(rng, rng.Next(1, 100));
        var expected = ExpectedAggregate.Of(events);
        var aggregate = NewDocument();
        // After a repartition a user's events can come from more than one partition, each with its own sequence numbers.
        var byPartition = RandomStreams.Shuffle(rng, events).GroupBy(_ => rng.Next(3).ToString(System.Globalization.CultureInfo.InvariantCulture)).ToList();
        var queues = byPartition.Select(g => (Partition: g.Key, Batches: RandomStreams.Batches(rng, g.ToList(), 5))).ToList();
        var next = queues.ToDictionary(q => q.Partition, _ => 0);
        while (queues.Any(q => next[q.Partition] < q.Batches.Count))
        {
            var (partition, batches) = queues.Where(q => next[q.Partition] < q.Batches.Count).ElementAt(rng.Next(queues.Count(q => next[q.Partition] < q.Batches.Count)));
            var batch = batches[next[partition]++];
            var offset = batches.Take(next[partition] - 1).Sum(b => b.Count);
            Apply(aggregate, batch.Select((e, i) => Seq(e, 1000 + offset + i, RandomStreams.Origin)).ToList(), partition: partition);
        }

        expected.AssertMatches(aggregate);
        Assert.Equal(byPartition.Count, aggregate.Watermarks.Count);
    }

    [Property(MaxTest = Cases)]
    public void Redelivering_any_applied_range_changes_nothing(int seed)
    {
        var rng = new Random(seed);
        var deliveries = RandomStreams.Deliveries(rng, rng.Next(1, 160));
        var aggregate = NewDocument();
        var original = new List<EventOutcome>();
        foreach (var batch in RandomStreams.Batches(rng, deliveries))
        {
            original.AddRange(Apply(aggregate, batch));
        }
        var json = ToJson(aggregate);

        for (var round = 0; round < 4; round++)
        {
            // A prefix in the first round, then any range, then everything again.
            var from = round == 0 ? 0 : rng.Next(deliveries.Count);
            var to = round == 3 ? deliveries.Count : rng.Next(from, deliveries.Count) + 1;
            if (round == 3) from = 0;
            var again = new List<EventOutcome>();
            foreach (var batch in RandomStreams.Batches(rng, deliveries[from..to]))
            {
                again.AddRange(Apply(aggregate, batch));
            }

            Assert.Equal(json, ToJson(aggregate));
            for (var i = from; i < to; i++)
            {
                var outcome = again[i - from];
                if (original[i] == EventOutcome.Duplicate)
                {
                    // A producer duplicate stays uncounted: reported as a duplicate again while its original is still remembered.
                    Assert.True(outcome is EventOutcome.Duplicate or EventOutcome.AlreadyApplied, $"seq {i + 1}: {outcome}");
                }
                else
                {
                    Assert.True(outcome == EventOutcome.AlreadyApplied, $"seq {i + 1} was {original[i]}, redelivered as {outcome}");
                }
            }
        }
    }

    [Property(MaxTest = Cases)]
    public void A_batch_overlapping_what_was_applied_counts_only_its_new_events(int seed)
    {
        var rng = new Random(seed);
        var deliveries = RandomStreams.Deliveries(rng, rng.Next(2, 160));
        var applied = rng.Next(1, deliveries.Count);
        var state = NewDocument();
        foreach (var batch in RandomStreams.Batches(rng, deliveries[..applied]))
        {
            Apply(state, batch);
        }

        var overlapping = Clone(state);
        var from = rng.Next(applied + 1);
        var overlappingOutcomes = Apply(overlapping, deliveries[from..]);
        var fresh = Clone(state);
        var freshOutcomes = Apply(fresh, deliveries[applied..]);

        // The redelivery bookkeeping (duplicate deliveries of the latest batch) may keep more entries when the batch
        // reached back further; everything the aggregate reports is identical.
        Assert.Equal(WithoutDuplicates(fresh), WithoutDuplicates(overlapping));
        Assert.Equal(freshOutcomes, overlappingOutcomes[(applied - from)..]);
        Assert.All(overlappingOutcomes[..(applied - from)], o => Assert.True(o is EventOutcome.AlreadyApplied or EventOutcome.Duplicate));
    }

    [Property(MaxTest = Cases)]
    public void Producer_duplicates_within_the_horizon_are_counted_once(int seed)
    {
        var rng = new Random(seed);
        var deliveries = RandomStreams.Deliveries(rng, rng.Next(1, 160));
        var aggregate = NewDocument();
        var outcomes = new List<EventOutcome>();
        foreach (var batch in RandomStreams.Batches(rng, deliveries))
        {
            outcomes.AddRange(Apply(aggregate, batch));
        }

        // Model: an id counts again only when its last counted copy was enqueued more than the horizon before.
        var lastCounted = new Dictionary<string, DateTimeOffset>();
        var counted = new List<TreasureEvent>();
        for (var i = 0; i < deliveries.Count; i++)
        {
            var d = deliveries[i];
            var isDuplicate = lastCounted.TryGetValue(d.Event.EventId, out var at) && d.EnqueuedTime - at <= TimeSpan.FromMinutes(15);
            Assert.Equal(isDuplicate, outcomes[i] == EventOutcome.Duplicate);
            if (!isDuplicate)
            {
                lastCounted[d.Event.EventId] = d.EnqueuedTime;
                counted.Add(d.Event);
            }
        }
        ExpectedAggregate.Of(counted).AssertMatches(aggregate);
    }

    [Property(MaxTest = Cases)]
    public void A_long_lived_aggregate_behaves_exactly_like_one_reloaded_before_every_batch(int seed)
    {
        // The duplicate index is kept with the document between batches; a reloaded document rebuilds it. Small caps and
        // horizons, several partitions and enqueue times that go back and forth exercise every pruning path.
        var rng = new Random(seed);
        var rules = DocumentRules.With(
            maxRememberedEventIds: rng.Next(1, 40),
            duplicateHorizonMinutes: rng.Next(0, 30),
            recentItems: rng.Next(1, 25));
        var deliveries = RandomStreams.Deliveries(rng, rng.Next(1, 200));
        var partitions = Enumerable.Range(0, rng.Next(1, 4)).Select(p => p.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToArray();
        var batches = RandomStreams.Batches(rng, deliveries)
            .Select(batch => (Partition: partitions[rng.Next(partitions.Length)],
                Events: batch.Select(d => d with { EnqueuedTime = d.EnqueuedTime.AddMinutes(rng.Next(-20, 3)) }).ToList()))
            .ToList();
        // Replay some batches (redeliveries) too.
        batches.AddRange(batches.Where(_ => rng.Next(4) == 0).ToList());

        var live = NewDocument(rules: rules);
        var reloaded = NewDocument(rules: rules);
        foreach (var (partition, events) in batches)
        {
            var liveOutcomes = Apply(live, events, rules, partition);
            reloaded = Clone(reloaded, rules);
            var reloadedOutcomes = Apply(reloaded, events, rules, partition);

            Assert.Equal(reloadedOutcomes, liveOutcomes);
            Assert.Equal(ToJson(reloaded), ToJson(live));
            Assert.True(live.Seen.Count <= rules.MaxRememberedEventIds);
            Assert.Equal(live.Seen.Count, live.Seen.Select(x => x.Hash).Distinct().Count());
        }
    }

    /// <summary>The document's JSON without the latest batch's duplicate decisions (<c>delivery.duplicates</c>).</summary>
    private static string WithoutDuplicates(UserDocument document)
    {
        var json = JsonNode.Parse(ToJson(document))!;
        json["delivery"]!.AsObject().Remove("duplicates");
        return json.ToJsonString();
    }
}
