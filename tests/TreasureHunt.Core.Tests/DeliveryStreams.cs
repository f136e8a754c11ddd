using System.Globalization;
using TreasureHunt.Core.Aggregation;
using TreasureHunt.Core.Events;
using TreasureHunt.Testing.Reference;

namespace TreasureHunt.Core.Tests;

/// <summary>
/// Random delivery histories for comparing <see cref="DeliveryState"/> with the schema-1 <see cref="UserAggregate"/>:
/// one to three source partitions whose enqueue clocks drift apart (out of order across partitions, sometimes a step
/// back within one), event ids reused within and beyond the horizon (producer duplicates, also across partitions),
/// redeliveries of a partition's latest batch (alone or followed by new events, as after a crash before the
/// checkpoint) and of earlier batches.
/// </summary>
internal sealed class DeliveryStreams
{
    private readonly Random _rng;
    private readonly int _partitions;
    private readonly long[] _nextSequence;
    private readonly DateTimeOffset[] _clock;
    private readonly List<List<SequencedEvent>>[] _history;
    private readonly List<string> _ids = [];
    private readonly TimeSpan _horizon;
    private int _nextId;

    public DeliveryStreams(Random rng, TimeSpan horizon)
    {
        _rng = rng;
        _horizon = horizon;
        _partitions = rng.Next(1, 4);
        _nextSequence = new long[_partitions];
        _clock = new DateTimeOffset[_partitions];
        _history = new List<List<SequencedEvent>>[_partitions];
        for (var p = 0; p < _partitions; p++)
        {
            _nextSequence[p] = rng.Next(0, 3) * 1000;
            _clock[p] = RandomStreams.Origin.AddMinutes(rng.Next(0, 40));
            _history[p] = [];
        }
    }

    /// <summary>The next batch: a partition and its messages in sequence order.</summary>
    public (string Partition, List<SequencedEvent> Batch) Next()
    {
        var p = _rng.Next(_partitions);
        var history = _history[p];
        var roll = _rng.Next(10);
        List<SequencedEvent> batch;
        if (history.Count > 0 && roll == 0)
        {
            batch = [.. history[_rng.Next(history.Count)]]; // an earlier batch (behind the checkpoint) redelivered
        }
        else if (history.Count > 0 && roll <= 2)
        {
            batch = [.. history[^1]]; // the latest batch redelivered ...
            if (_rng.Next(2) == 0) batch.AddRange(NewEvents(p)); // ... with the events that followed it
            history.Add(batch);
        }
        else
        {
            batch = NewEvents(p);
            history.Add(batch);
        }
        return (p.ToString(CultureInfo.InvariantCulture), batch);
    }

    private List<SequencedEvent> NewEvents(int p)
    {
        var count = _rng.Next(1, 9);
        var events = new List<SequencedEvent>(count);
        var step = _horizon > TimeSpan.Zero ? _horizon.Ticks / 6 : TimeSpan.TicksPerSecond;
        for (var i = 0; i < count; i++)
        {
            // Mostly forward by up to a sixth of the horizon, sometimes the same instant, rarely a step back.
            _clock[p] = _rng.Next(12) switch
            {
                0 => _clock[p],
                1 => _clock[p].AddTicks(-_rng.NextInt64(step)),
                _ => _clock[p].AddTicks(_rng.NextInt64(step)),
            };
            string id;
            if (_ids.Count > 0 && _rng.Next(3) == 0)
            {
                id = _ids[Math.Max(0, _ids.Count - 1 - _rng.Next(30))];
            }
            else
            {
                id = $"e-{_nextId++}";
                _ids.Add(id);
            }
            var e = new TreasureEvent(id, "u-1", "i-1", "c", EventType.View, 1, _clock[p]);
            events.Add(new SequencedEvent(e, ++_nextSequence[p], _clock[p]));
        }
        return events;
    }

    public static DeliveryDecision ToDecision(EventOutcome outcome) => outcome switch
    {
        EventOutcome.Applied or EventOutcome.AppliedLate => DeliveryDecision.New,
        EventOutcome.AlreadyApplied => DeliveryDecision.AlreadyApplied,
        _ => DeliveryDecision.Duplicate,
    };

    public static DeliveryDecision[] Decide(DeliveryState state, string partition, IReadOnlyList<SequencedEvent> batch, AggregationRules rules)
    {
        var decisions = new DeliveryDecision[batch.Count];
        state.Begin(partition, rules.DuplicateHorizon, rules.MaxRememberedEventIds);
        for (var i = 0; i < batch.Count; i++)
        {
            decisions[i] = state.Decide(batch[i].Event.EventId, batch[i].SequenceNumber, batch[i].EnqueuedTime);
        }
        state.End();
        return decisions;
    }

    /// <summary>The state's remembered ids, duplicates and watermarks equal the aggregate's (ids by hash).</summary>
    public static void AssertSame(UserAggregate expected, DeliveryState actual)
    {
        Assert.Equal(expected.Watermarks.OrderBy(w => w.Key, StringComparer.Ordinal), actual.Watermarks.OrderBy(w => w.Key, StringComparer.Ordinal));
        Assert.Equal(
            expected.Seen.Select(s => (DeliveryState.HashOf(s.EventId), s.PartitionId, s.SequenceNumber, s.EnqueuedTime.UtcTicks)),
            actual.Entries.ToArray().Select(e => (e.Hash, actual.Partitions[e.Partition], e.Sequence, e.Ticks)));
        Assert.Equal(
            expected.Duplicates.Select(d => (d.PartitionId, d.SequenceNumber, d.EnqueuedTime.UtcTicks)),
            actual.Duplicates.ToArray().Select(d => (actual.Partitions[d.Partition], d.Sequence, d.Ticks)));
    }
}
