using System.Globalization;
using System.Text;
using System.Text.Json;
using TreasureHunt.Core.Aggregation;
using TreasureHunt.Core.Erasure;
using TreasureHunt.Core.Events;
using TreasureHunt.Core.Features;
using TreasureHunt.Pipeline.Export;
using TreasureHunt.Pipeline.Queries;

namespace TreasureHunt.Core.Tests.History;

/// <summary>
/// Point-in-time export against brute force: for every label row, a fresh document fed exactly the events that count at
/// the row's time (docs/data-model.md, "Point in time"), in availability order, answered by the features route's code.
/// Random streams over several partitions with late, future-stamped, duplicate and bad messages, a stepping-back clock and,
/// in some, erase control messages (a row before an erasure of its user is withheld; after it, only later events count).
/// </summary>
public sealed class PointInTimeExportTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 27, 0, 0, 0, TimeSpan.Zero);
    private static readonly CompiledDefinitions Definitions = CompiledDefinitions.Default;
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private static byte[] Body(string eventId, string userId, string type, double value, DateTimeOffset timestamp, string item = "t-1", string category = "caves") =>
        Encoding.UTF8.GetBytes(
            $"{{\"eventId\":\"{eventId}\",\"userId\":\"{userId}\",\"itemId\":\"{item}\",\"category\":\"{category}\",\"type\":\"{type}\"," +
            $"\"value\":{value.ToString(CultureInfo.InvariantCulture)},\"timestamp\":\"{timestamp.UtcDateTime:yyyy-MM-dd'T'HH:mm:ss.fff'Z'}\"}}");

    [Theory]
    [InlineData(1, "lifetime", 0.0)]
    [InlineData(2, "lifetime", 0.0)]
    [InlineData(3, "last90m", 0.0)]
    [InlineData(4, "last6h", 0.0)]
    [InlineData(5, "lifetime", 0.0)]
    [InlineData(6, "last2d", 0.0)]
    [InlineData(7, "lifetime", 0.008)]
    [InlineData(8, "last6h", 0.008)]
    [InlineData(9, "lifetime", 0.02)]
    [InlineData(10, "last90m", 0.02)]
    public async Task Export_equals_brute_force_on_random_streams(int seed, string windowText, double eraseShare)
    {
        var random = new Random(seed);
        var partitions = RandomStream(random, partitionCount: 3, messages: 600, out var end, eraseShare);
        var users = Enumerable.Range(0, 6).Select(i => $"u{i}").Append("u-silent").ToArray();
        var labels = new List<LabelRow>();
        var allTimes = partitions.Values.SelectMany(p => p).Select(m => m.EnqueuedTime).ToArray();
        for (var i = 0; i < 120; i++)
        {
            // Random times, and some exactly at an enqueue time (an event counts at its own time: "at or before").
            var time = i % 4 == 0
                ? allTimes[random.Next(allTimes.Length)]
                : T0 + TimeSpan.FromSeconds(random.NextDouble() * (end - T0 + TimeSpan.FromMinutes(20)).TotalSeconds - 600);
            labels.Add(new LabelRow(i, users[random.Next(users.Length)], time));
        }
        Assert.True(QueryWindow.TryParse(windowText, out var window));
        var features = Definitions.User.Where(f => window.IsLifetime ? f.Kind is not (AggregationKind.Count or AggregationKind.Sum) || f.Lifetime : f.WindowOf(window.Unit!.Value) is not null).ToList();
        Assert.NotEmpty(features);

        var rules = new DeliveryRules(TimeSpan.FromMinutes(15), 2000);
        var source = new ListHistorySource(partitions);
        var result = await new PointInTimeExport(Definitions, rules).RunAsync(source, labels, features, window, null, CancellationToken.None);

        var merged = MergeOrder(partitions);
        int withheld = 0, answeredAfterErasure = 0;
        foreach (var row in labels)
        {
            var expected = BruteForce(merged, row, features, window, rules, out var erasedLater, out var afterErasure);
            Assert.Equal(erasedLater, result.Withheld.Contains(row.Index));
            Assert.Equal(JsonSerializer.Serialize(expected, Json), JsonSerializer.Serialize(result.Values[row.Index], Json));
            if (erasedLater) withheld++;
            else if (afterErasure) answeredAfterErasure++;
        }
        Assert.Equal(withheld, result.Summary.ErasedRowsWithheld);
        if (eraseShare > 0)
        {
            Assert.True(withheld > 0, "rows before an erasure");
            Assert.True(answeredAfterErasure > 0, "rows after an erasure, answered from the fresh profile");
        }
        Assert.True(result.Summary.DeadLettered > 0, "the stream has bad messages");
        Assert.True(result.Summary.PeakDocuments <= users.Length);
    }

    [Fact]
    public async Task Late_future_stamped_and_duplicate_events_count_only_once_known()
    {
        var p0 = new List<RawMessage>
        {
            new(Body("a", "u1", "view", 1, T0.AddMinutes(1)), 0, T0.AddMinutes(1)),
            // late: happened at minute 2, enqueued at minute 30
            new(Body("late", "u1", "click", 1, T0.AddMinutes(2)), 1, T0.AddMinutes(30)),
            // stamped 4 minutes ahead of its enqueue time (allowed skew): counts from minute 44
            new(Body("ahead", "u1", "share", 1, T0.AddMinutes(44)), 2, T0.AddMinutes(40)),
        };
        var p1 = new List<RawMessage>
        {
            // a producer retry of "a" into another partition, within the duplicate horizon: never counted twice
            new(Body("a", "u1", "view", 1, T0.AddMinutes(1)), 0, T0.AddMinutes(5)),
            new(Encoding.UTF8.GetBytes("{not json"), 1, T0.AddMinutes(6)),
        };
        var source = new ListHistorySource(new Dictionary<string, List<RawMessage>> { ["0"] = p0, ["1"] = p1 });
        var times = new[] { T0, T0.AddMinutes(1), T0.AddMinutes(10), T0.AddMinutes(29), T0.AddMinutes(30), T0.AddMinutes(43), T0.AddMinutes(44) };
        var labels = times.Select((t, i) => new LabelRow(i, "u1", t)).ToList();
        var events = Definitions.UserFeature("events")!;

        var result = await new PointInTimeExport(Definitions, DeliveryRules.Default).RunAsync(source, labels, [events], QueryWindow.Lifetime, null, CancellationToken.None);

        long Total(int row) => result.Values[row][0] is IReadOnlyDictionary<string, object> counts ? counts.Values.Sum(v => Convert.ToInt64(v, CultureInfo.InvariantCulture)) : 0;
        Assert.Null(result.Values[0][0]);   // before anything
        Assert.Equal(1, Total(1));          // "a", at its own enqueue time
        Assert.Equal(1, Total(2));          // the retry of "a" is a duplicate
        Assert.Equal(1, Total(3));          // "late" is not known yet at minute 29
        Assert.Equal(2, Total(4));          // ... and is at minute 30
        Assert.Equal(2, Total(5));          // "ahead" was enqueued at 40 but is stamped 44
        Assert.Equal(3, Total(6));
        Assert.Equal(1, result.Summary.DeadLettered);
    }

    [Fact]
    public async Task Once_every_row_is_answered_only_erasures_are_looked_for()
    {
        var messages = Enumerable.Range(0, 50_000).Select(i => new RawMessage(Body($"e{i}", "u1", "view", 1, T0.AddSeconds(i)), i, T0.AddSeconds(i))).ToList();
        var source = new ListHistorySource(new Dictionary<string, List<RawMessage>> { ["0"] = messages });
        var result = await new PointInTimeExport(Definitions, DeliveryRules.Default).RunAsync(
            source, [new LabelRow(0, "u1", T0.AddSeconds(100))], [Definitions.UserFeature("events")!], QueryWindow.Lifetime, null, CancellationToken.None);

        Assert.Equal(50_000, result.Summary.MessagesRead); // to the end: an erasure there would withhold the row
        Assert.Equal(101, result.Summary.EventsApplied);   // ... but the events after the last row are not parsed
        Assert.Empty(result.Withheld);
        Assert.Equal(101L, Convert.ToInt64(((IReadOnlyDictionary<string, object>)result.Values[0][0]!)["view"], CultureInfo.InvariantCulture));
    }

    [Fact]
    public async Task An_erasure_withholds_the_earlier_rows_and_restarts_the_profile()
    {
        var p0 = new List<RawMessage>
        {
            new(Body("a", "u1", "view", 1, T0.AddMinutes(1)), 0, T0.AddMinutes(1)),
            new(Body("b", "u2", "view", 1, T0.AddMinutes(2)), 1, T0.AddMinutes(2)),
            // stamped ahead: would count from minute 14, but the erasure at minute 10 comes first and drops it
            new(Body("ahead", "u1", "click", 1, T0.AddMinutes(14)), 2, T0.AddMinutes(9)),
            new(EraseControlMessage.Encode(new EraseRequest("x1", "u1", T0.AddMinutes(10))), 3, T0.AddMinutes(10)),
            // a copy of "a" after the erasure counts: the fresh profile remembers no event ids
            new(Body("a", "u1", "view", 1, T0.AddMinutes(11)), 4, T0.AddMinutes(11)),
            new(Body("c", "u1", "share", 1, T0.AddMinutes(20)), 5, T0.AddMinutes(20)),
        };
        var source = new ListHistorySource(new Dictionary<string, List<RawMessage>> { ["0"] = p0 });
        LabelRow[] labels =
        [
            new(0, "u1", T0.AddMinutes(5)), new(1, "u2", T0.AddMinutes(5)), new(2, "u1", T0.AddMinutes(9)),
            new(3, "u1", T0.AddMinutes(10)), new(4, "u1", T0.AddMinutes(15)), new(5, "u1", T0.AddMinutes(30)),
        ];

        var result = await new PointInTimeExport(Definitions, DeliveryRules.Default).RunAsync(
            source, labels, [Definitions.UserFeature("events")!], QueryWindow.Lifetime, null, CancellationToken.None);

        IReadOnlyDictionary<string, object>? Counts(int row) => (IReadOnlyDictionary<string, object>?)result.Values[row][0];
        string Counted(int row) => string.Join(",", Counts(row)!.Where(c => Convert.ToInt64(c.Value, CultureInfo.InvariantCulture) > 0).Select(c => $"{c.Key}={c.Value}").Order(StringComparer.Ordinal));
        Assert.Equal([0, 2], result.Withheld.Order());
        Assert.Equal(2, result.Summary.ErasedRowsWithheld);
        Assert.Null(Counts(0));
        Assert.Null(Counts(2));
        Assert.NotNull(Counts(1));                          // another user's rows are untouched
        Assert.Null(Counts(3));                             // at the erasure: the fresh profile has no event yet
        Assert.Equal("view=1", Counted(4));                 // only what came after the erasure
        Assert.Equal("share=1,view=1", Counted(5));
        Assert.Equal([1, 3, 4, 5], result.AnsweredRows(labels).Select(r => r.Index));
        Assert.Equal(0, result.Summary.DeadLettered);       // the control message is not a dead letter
    }

    /// <summary>Partitions whose clocks advance (sometimes stepping back a little), with late, ahead-of-time, duplicate and bad messages.</summary>
    private static Dictionary<string, List<RawMessage>> RandomStream(Random random, int partitionCount, int messages, out DateTimeOffset end, double eraseShare = 0)
    {
        var partitions = Enumerable.Range(0, partitionCount).ToDictionary(p => p.ToString(CultureInfo.InvariantCulture), _ => new List<RawMessage>());
        var clocks = Enumerable.Repeat(T0, partitionCount).ToArray();
        var sent = new List<(byte[] Body, DateTimeOffset Enqueued)>();
        string[] types = ["view", "click", "share", "claim", "purchase"];
        end = T0;
        for (var i = 0; i < messages; i++)
        {
            var p = random.Next(partitionCount);
            var step = random.Next(10) == 0 ? -random.Next(1, 20) : random.Next(0, 120); // seconds; equal and stepping-back clocks too
            clocks[p] = clocks[p].AddSeconds(step);
            var enqueued = clocks[p];
            byte[] body;
            var roll = random.NextDouble();
            if (random.NextDouble() < eraseShare)
            {
                body = EraseControlMessage.Encode(new EraseRequest($"x{i}", $"u{random.Next(6)}", enqueued));
            }
            else if (roll < 0.12 && sent.Count > 0)
            {
                var original = sent[random.Next(Math.Max(0, sent.Count - 10), sent.Count)];
                body = original.Body; // a producer duplicate (usually within the 15-minute horizon, sometimes beyond)
            }
            else if (roll < 0.15)
            {
                body = Encoding.UTF8.GetBytes(random.Next(2) == 0 ? "{\"eventId\":" : "[]");
            }
            else
            {
                var lateness = random.Next(5) switch
                {
                    0 => TimeSpan.FromSeconds(random.Next(0, 4 * 3600)),     // late, sometimes past the minute tiles' retention
                    1 => -TimeSpan.FromSeconds(random.Next(1, 290)),         // stamped ahead (within the 5-minute skew)
                    _ => TimeSpan.FromSeconds(random.Next(0, 30)),
                };
                var type = types[random.Next(types.Length)];
                body = Body($"e{i}", $"u{random.Next(6)}", type, Math.Round(random.NextDouble() * 50, 2), enqueued - lateness,
                    item: $"t{random.Next(30)}", category: $"c{random.Next(4)}");
                sent.Add((body, enqueued));
            }
            partitions[p.ToString(CultureInfo.InvariantCulture)].Add(new RawMessage(body, partitions[p.ToString(CultureInfo.InvariantCulture)].Count, enqueued));
            if (enqueued > end) end = enqueued;
        }
        return partitions;
    }

    private sealed record Merged(RawMessage Message, string PartitionId, long EffectiveTicks, long Order);

    /// <summary>All messages in the documented merge order: (partition's running-max enqueue time, partition, sequence).</summary>
    private static List<Merged> MergeOrder(Dictionary<string, List<RawMessage>> partitions)
    {
        var all = new List<(RawMessage Message, string Partition, int PartitionIndex, long Effective)>();
        var ids = partitions.Keys.Order(StringComparer.Ordinal).ToList();
        for (var p = 0; p < ids.Count; p++)
        {
            var clock = long.MinValue;
            foreach (var m in partitions[ids[p]])
            {
                clock = Math.Max(clock, m.EnqueuedTime.UtcTicks);
                all.Add((m, ids[p], p, clock));
            }
        }
        return all.OrderBy(x => x.Effective).ThenBy(x => x.PartitionIndex).ThenBy(x => x.Message.SequenceNumber)
            .Select((x, i) => new Merged(x.Message, x.Partition, x.Effective, i)).ToList();
    }

    /// <summary>
    /// A fresh document fed the user's events available at the row's time that were merged after the user's last erasure
    /// before that time, one at a time in availability order; no values when the user is erased after the row's time.
    /// </summary>
    private static object?[] BruteForce(
        List<Merged> merged, LabelRow row, IReadOnlyList<CompiledFeature> features, QueryWindow window, DeliveryRules rules, out bool erasedLater, out bool afterErasure)
    {
        var parser = new EventParser(Definitions);
        var erasures = merged
            .Where(m => EraseControlMessage.TryRead(m.Message.Body.Span, out var request, out _) && request!.UserId == row.UserId)
            .ToList();
        erasedLater = erasures.Any(m => m.EffectiveTicks > row.Time.UtcTicks);
        var lastErasure = erasures.LastOrDefault(m => m.EffectiveTicks <= row.Time.UtcTicks);
        afterErasure = lastErasure is not null;
        if (erasedLater) return new object?[features.Count];
        var counted = new List<(TreasureEvent Event, Merged From, long Available)>();
        foreach (var m in merged)
        {
            if (lastErasure is not null && m.Order <= lastErasure.Order) continue;
            if (!parser.TryParse(m.Message, m.PartitionId, out var e, out _) || e!.UserId != row.UserId) continue;
            var available = Math.Max(m.EffectiveTicks, e.Timestamp.UtcTicks);
            if (available <= row.Time.UtcTicks) counted.Add((e, m, available));
        }
        if (counted.Count == 0) return new object?[features.Count];
        var document = UserDocument.Create(row.UserId, Definitions);
        var sequence = 0L;
        foreach (var (e, from, _) in counted.OrderBy(c => c.Available).ThenBy(c => c.From.Order))
        {
            document.Apply([new SequencedEvent(e, ++sequence, from.Message.EnqueuedTime)], from.PartitionId, Definitions, rules, new EventOutcome[1]);
        }
        return features.Select(f => FeatureAnswers.UserValue(f, document.Feature(f.Name), Definitions, window, row.Time)).ToArray();
    }
}
