using TreasureHunt.Core.Aggregation;
using TreasureHunt.Core.Events;

namespace TreasureHunt.Core.Tests;

/// <summary>Seeded random event sets for the property tests, and a brute-force model of what an aggregate must hold.</summary>
internal static class RandomStreams
{
    public static readonly DateTimeOffset Origin = new(2026, 11, 27, 0, 0, 0, TimeSpan.Zero);

    /// <summary>
    /// Events with unique ids whose times mix a dense three hours (minute windows, equal timestamps), three days
    /// (hour windows) and sixty days (day windows and events past every retention); 30 items, 5 categories.
    /// </summary>
    public static List<TreasureEvent> Events(Random rng, int count, string userId = "u-1")
    {
        var events = new List<TreasureEvent>(count);
        for (var i = 0; i < count; i++)
        {
            var time = events.Count > 0 && rng.Next(10) == 0
                ? events[rng.Next(events.Count)].Timestamp // an exact tie
                : RandomTime(rng);
            events.Add(new TreasureEvent($"e-{i}", userId, $"i-{rng.Next(30)}", $"c{rng.Next(5)}", (EventType)rng.Next(EventTypes.Count), RandomValue(rng), time));
        }
        return events;
    }

    /// <summary>
    /// A partition's deliveries for one user: sequence numbers 1..count, enqueue times rising by 0–90 s, event times up to
    /// ten minutes before enqueue (sometimes much older), and about one event in five reusing the id of one of the 40
    /// before it (a producer duplicate, within or beyond the 15-minute horizon).
    /// </summary>
    public static List<SequencedEvent> Deliveries(Random rng, int count, string userId = "u-1")
    {
        var deliveries = new List<SequencedEvent>(count);
        var enqueued = Origin.AddHours(12);
        for (var i = 0; i < count; i++)
        {
            enqueued = enqueued.AddSeconds(rng.Next(91));
            var id = i > 0 && rng.Next(5) == 0 ? deliveries[Math.Max(0, i - 1 - rng.Next(40))].Event.EventId : $"e-{i}";
            var time = rng.Next(8) == 0 ? enqueued.AddHours(-rng.Next(1, 24 * 40)) : enqueued.AddSeconds(-rng.Next(600));
            var e = new TreasureEvent(id, userId, $"i-{rng.Next(30)}", $"c{rng.Next(5)}", (EventType)rng.Next(EventTypes.Count), RandomValue(rng), time);
            deliveries.Add(new SequencedEvent(e, i + 1, enqueued));
        }
        return deliveries;
    }

    /// <summary>Splits a list into consecutive batches of 1..maxBatch.</summary>
    public static List<List<T>> Batches<T>(Random rng, IReadOnlyList<T> items, int maxBatch = 20)
    {
        var batches = new List<List<T>>();
        for (var i = 0; i < items.Count;)
        {
            var size = Math.Min(rng.Next(1, maxBatch + 1), items.Count - i);
            batches.Add(items.Skip(i).Take(size).ToList());
            i += size;
        }
        return batches;
    }

    public static List<T> Shuffle<T>(Random rng, IEnumerable<T> items)
    {
        var list = items.ToList();
        for (var i = list.Count - 1; i > 0; i--)
        {
            var j = rng.Next(i + 1);
            (list[i], list[j]) = (list[j], list[i]);
        }
        return list;
    }

    private static DateTimeOffset RandomTime(Random rng) => rng.Next(10) switch
    {
        < 5 => Origin.AddSeconds(rng.Next(3 * 3600)),
        < 8 => Origin.AddSeconds(-rng.Next(3 * 86400)),
        _ => Origin.AddSeconds(-rng.Next(60 * 86400)),
    };

    private static double RandomValue(Random rng) => rng.Next(10) switch
    {
        < 7 => 1,
        < 9 => rng.Next(0, 100_000) / 100.0,
        _ => -rng.Next(1, 5_000) / 10.0,
    };
}

/// <summary>What an aggregate of a set of events must hold, computed from scratch from all the events at once.</summary>
internal sealed class ExpectedAggregate
{
    public required long[] Counts { get; init; }
    public required double[] Values { get; init; }
    public required double[] ValueScales { get; init; }
    public required Dictionary<WindowSize, List<(long Start, string Counts)>> Windows { get; init; }
    public required Dictionary<string, (double Score, double Scale)> Affinity { get; init; }
    public required List<(string ItemId, DateTimeOffset Time)> Recent { get; init; }
    public required DateTimeOffset First { get; init; }
    public required DateTimeOffset Last { get; init; }

    public static ExpectedAggregate Of(IReadOnlyCollection<TreasureEvent> events, DocumentRules? rules = null)
    {
        rules ??= DocumentRules.Default;
        var last = events.Max(e => e.Timestamp);
        var windows = new Dictionary<WindowSize, List<(long, string)>>();
        foreach (var size in Enum.GetValues<WindowSize>())
        {
            var newest = size.StartOf(last);
            windows[size] = events
                .GroupBy(e => size.StartOf(e.Timestamp))
                .Where(g => g.Key > newest - rules.KeepOf(size) * size.Seconds())
                .OrderBy(g => g.Key)
                .Select(g => (g.Key, CountsOf(g)))
                .ToList();
        }
        return new ExpectedAggregate
        {
            Counts = Enumerable.Range(0, EventTypes.Count).Select(t => (long)events.Count(e => (int)e.Type == t)).ToArray(),
            Values = Enumerable.Range(0, EventTypes.Count).Select(t => events.Where(e => (int)e.Type == t).Sum(e => e.Value)).ToArray(),
            ValueScales = Enumerable.Range(0, EventTypes.Count).Select(t => events.Where(e => (int)e.Type == t).Sum(e => Math.Abs(e.Value))).ToArray(),
            Windows = windows,
            Affinity = events.GroupBy(e => e.Category).ToDictionary(g => g.Key, g =>
            {
                var terms = g.Select(e => rules.Weights[(int)e.Type] * e.Value * Math.Pow(0.5, (last - e.Timestamp).TotalSeconds / rules.HalfLifeSeconds)).ToList();
                return (terms.Sum(), terms.Sum(Math.Abs));
            }),
            Recent = events.GroupBy(e => e.ItemId)
                .Select(g => (ItemId: g.Key, Time: g.Max(e => e.Timestamp)))
                .OrderByDescending(r => r.Time).ThenBy(r => r.ItemId, StringComparer.Ordinal)
                .Take(rules.RecentItems)
                .ToList(),
            First = events.Min(e => e.Timestamp),
            Last = last,
        };
    }

    private static string CountsOf(IEnumerable<TreasureEvent> events)
    {
        var counts = new long[EventTypes.Count];
        foreach (var e in events) counts[(int)e.Type]++;
        return string.Join(",", counts);
    }

    /// <summary>Counts, windows, times and recent items exactly; sums and affinity within 1e-9 relative (the document read
    /// through <see cref="Schema1View"/>).</summary>
    public void AssertMatches(UserDocument actual)
    {
        Assert.Equal(Counts, actual.Counts);
        for (var t = 0; t < EventTypes.Count; t++)
        {
            TestData.Close(Values[t], actual.Values[t], scale: ValueScales[t], what: $"value sum of {(EventType)t}");
        }
        foreach (var (size, windows) in Windows)
        {
            Assert.Equal(windows, actual.Windows(size).Select(w => (w.Start, string.Join(",", w.Counts))));
        }
        Assert.Equal(Affinity.Keys.Order(StringComparer.Ordinal), actual.Affinity.Keys.Order(StringComparer.Ordinal));
        foreach (var (category, (score, scale)) in Affinity)
        {
            TestData.Close(score, actual.Affinity[category], scale: scale, what: $"affinity of {category}");
        }
        Assert.Equal(Recent, actual.RecentItems.Select(r => (r.ItemId, r.Time)));
        Assert.Equal(First, actual.FirstEventTime);
        Assert.Equal(Last, actual.LastEventTime);
    }
}
