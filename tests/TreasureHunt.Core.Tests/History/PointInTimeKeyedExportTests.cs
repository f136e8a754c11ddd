using System.Globalization;
using System.Text;
using System.Text.Json;
using TreasureHunt.Core.Aggregation;
using TreasureHunt.Core.Erasure;
using TreasureHunt.Core.Events;
using TreasureHunt.Core.Features;
using TreasureHunt.Core.Groups;
using TreasureHunt.Pipeline.Export;
using TreasureHunt.Pipeline.Queries;

namespace TreasureHunt.Core.Tests.History;

/// <summary>
/// Point-in-time export of keyed groups against brute force: for every label row (a key, time T), a fresh key state fed
/// exactly the events of the key known at T (enqueued and stamped at or before T; producer duplicates dropped per user in
/// merge order), in availability order, answered by the group route's code. Random streams over several partitions with
/// late, future-stamped, duplicate and bad messages, a stepping-back clock and erasures (which keyed groups keep).
/// </summary>
public sealed class PointInTimeKeyedExportTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 27, 0, 0, 0, TimeSpan.Zero);
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private static readonly CompiledDefinitions Definitions = Compile();

    private static CompiledDefinitions Compile()
    {
        var d = FeatureDefinitionsReader.ReadDefault();
        d.Groups =
        [
            new GroupDefinition
            {
                Name = "category", Key = ["category"], Features =
                [
                    new FeatureDefinition { Name = "views", Aggregation = "count", Types = ["view"], Windows = ["lifetime", "hour:48"] },
                    new FeatureDefinition { Name = "buyers", Aggregation = "approxDistinct", Of = "userId", Types = ["purchase"], Windows = ["lifetime", "hour:48"] },
                    new FeatureDefinition { Name = "revenue", Aggregation = "sum", Of = "value", Types = ["purchase"], Windows = ["lifetime", "hour:48"] },
                    new FeatureDefinition { Name = "lastPrice", Aggregation = "last", Of = "value", Types = ["purchase"] },
                ],
            },
            new GroupDefinition { Name = "itemType", Key = ["itemId", "type"], Features = [new FeatureDefinition { Name = "n", Aggregation = "count", Windows = ["lifetime", "hour:48"] }] },
        ];
        return FeatureDefinitionsReader.Compile(d, "keyed export test");
    }

    private static byte[] Body(string eventId, string userId, string type, double value, DateTimeOffset timestamp, string item, string category) =>
        Encoding.UTF8.GetBytes(
            $"{{\"eventId\":\"{eventId}\",\"userId\":\"{userId}\",\"itemId\":\"{item}\",\"category\":\"{category}\",\"type\":\"{type}\"," +
            $"\"value\":{value.ToString(CultureInfo.InvariantCulture)},\"timestamp\":\"{timestamp.UtcDateTime:yyyy-MM-dd'T'HH:mm:ss.fff'Z'}\"}}");

    [Theory]
    [InlineData(1, "category", "lifetime")]
    [InlineData(2, "category", "last6h")]
    [InlineData(3, "itemType", "lifetime")]
    [InlineData(4, "itemType", "last2h")]
    [InlineData(5, "category", "last3h")]
    public async Task Keyed_export_equals_brute_force_on_random_streams(int seed, string groupName, string windowText)
    {
        var random = new Random(seed);
        var partitions = RandomStream(random, partitionCount: 3, messages: 700, out var end);
        var group = Definitions.Group(groupName)!;
        string[] types = ["view", "click", "purchase"];
        var labels = new List<KeyedLabelRow>();
        var allTimes = partitions.Values.SelectMany(p => p).Select(m => m.EnqueuedTime).ToArray();
        for (var i = 0; i < 120; i++)
        {
            var time = i % 4 == 0
                ? allTimes[random.Next(allTimes.Length)]
                : T0 + TimeSpan.FromSeconds(random.NextDouble() * (end - T0 + TimeSpan.FromMinutes(20)).TotalSeconds - 600);
            string[] key = groupName == "category"
                ? [random.Next(9) == 0 ? "c-silent" : $"c{random.Next(4)}"]
                : [$"t{random.Next(8)}", types[random.Next(types.Length)]];
            labels.Add(new KeyedLabelRow(i, key, time));
        }
        Assert.True(QueryWindow.TryParse(windowText, out var window));
        var features = group.Features.Where(f => window.IsLifetime ? f.Lifetime || f.Tumbling.Length == 0 : f.WindowOf(window.Unit!.Value) is not null).ToList();
        Assert.NotEmpty(features);

        var rules = new DeliveryRules(TimeSpan.FromMinutes(15), 2000);
        var result = await new PointInTimeKeyedExport(Definitions, rules).RunAsync(new ListHistorySource(partitions), group, labels, features, window, null, CancellationToken.None);

        var merged = MergeOrder(partitions);
        var answered = 0;
        foreach (var row in labels)
        {
            var expected = BruteForce(merged, group, row, features, window, rules);
            Assert.Equal(JsonSerializer.Serialize(expected, Json), JsonSerializer.Serialize(result.Values[row.Index], Json));
            if (expected.Any(v => v is not null)) answered++;
        }
        Assert.True(answered > labels.Count / 3, $"only {answered} rows have values");
        Assert.Empty(result.Withheld); // keyed groups keep an erased user's events
        Assert.True(result.Summary.PeakDocuments <= labels.Select(l => GroupKeys.DocumentId(group, l.Key)).Distinct().Count());
    }

    [Fact]
    public async Task An_event_after_the_label_time_never_counts()
    {
        var p0 = new List<RawMessage>
        {
            new(Body("a", "u1", "purchase", 10, T0.AddMinutes(1), "t-1", "caves"), 0, T0.AddMinutes(1)),
            new(Body("late", "u2", "purchase", 20, T0.AddMinutes(2), "t-1", "caves"), 1, T0.AddMinutes(30)), // known at minute 30
            new(Body("ahead", "u3", "purchase", 40, T0.AddMinutes(44), "t-1", "caves"), 2, T0.AddMinutes(40)), // counts from minute 44
        };
        var p1 = new List<RawMessage>
        {
            new(Body("a", "u1", "purchase", 10, T0.AddMinutes(1), "t-1", "caves"), 0, T0.AddMinutes(5)), // a producer retry: never twice
        };
        var source = new ListHistorySource(new Dictionary<string, List<RawMessage>> { ["0"] = p0, ["1"] = p1 });
        var times = new[] { T0, T0.AddMinutes(1), T0.AddMinutes(29), T0.AddMinutes(30), T0.AddMinutes(43), T0.AddMinutes(44) };
        var group = Definitions.Group("category")!;
        var labels = times.Select((t, i) => new KeyedLabelRow(i, ["caves"], t)).ToList();
        var result = await new PointInTimeKeyedExport(Definitions, DeliveryRules.Default)
            .RunAsync(source, group, labels, [group.Feature("revenue")!], QueryWindow.Lifetime, null, CancellationToken.None);
        Assert.Equal(new double?[] { null, 10, 10, 30, 30, 70 }, result.Values.Select(v => v[0] is null ? (double?)null : Convert.ToDouble(v[0], CultureInfo.InvariantCulture)).ToArray());
    }

    [Fact]
    public async Task Label_rows_are_refused_when_an_index_repeats_or_a_key_has_the_wrong_arity()
    {
        var source = new ListHistorySource(new Dictionary<string, List<RawMessage>> { ["0"] = [] });
        var group = Definitions.Group("category")!;
        var export = new PointInTimeKeyedExport(Definitions, DeliveryRules.Default);
        Task Run(params KeyedLabelRow[] labels) =>
            export.RunAsync(source, group, labels, [group.Feature("revenue")!], QueryWindow.Lifetime, null, CancellationToken.None);

        var repeated = await Assert.ThrowsAsync<ArgumentException>(() => Run(new KeyedLabelRow(0, ["caves"], T0), new KeyedLabelRow(0, ["caves"], T0.AddMinutes(1))));
        Assert.Contains("each once", repeated.Message, StringComparison.Ordinal);
        var outOfRange = await Assert.ThrowsAsync<ArgumentException>(() => Run(new KeyedLabelRow(1, ["caves"], T0)));
        Assert.Contains("0..0", outOfRange.Message, StringComparison.Ordinal);
        var arity = await Assert.ThrowsAsync<ArgumentException>(() => Run(new KeyedLabelRow(0, ["caves", "extra"], T0)));
        Assert.Contains("has 1 key fields", arity.Message, StringComparison.Ordinal);
    }

    private static Dictionary<string, List<RawMessage>> RandomStream(Random random, int partitionCount, int messages, out DateTimeOffset end)
    {
        var partitions = Enumerable.Range(0, partitionCount).ToDictionary(p => p.ToString(CultureInfo.InvariantCulture), _ => new List<RawMessage>());
        var clocks = Enumerable.Repeat(T0, partitionCount).ToArray();
        var sent = new List<byte[]>();
        string[] types = ["view", "click", "purchase"];
        end = T0;
        for (var i = 0; i < messages; i++)
        {
            var p = random.Next(partitionCount);
            clocks[p] = clocks[p].AddSeconds(random.Next(10) == 0 ? -random.Next(1, 20) : random.Next(0, 120));
            var enqueued = clocks[p];
            byte[] body;
            var roll = random.NextDouble();
            if (roll < 0.02)
            {
                body = EraseControlMessage.Encode(new EraseRequest($"x{i}", $"u{random.Next(8)}", enqueued));
            }
            else if (roll < 0.12 && sent.Count > 0)
            {
                body = sent[random.Next(Math.Max(0, sent.Count - 10), sent.Count)]; // a producer duplicate
            }
            else if (roll < 0.15)
            {
                body = Encoding.UTF8.GetBytes("{\"eventId\":");
            }
            else
            {
                var lateness = random.Next(5) switch
                {
                    0 => TimeSpan.FromSeconds(random.Next(0, 4 * 3600)),
                    1 => -TimeSpan.FromSeconds(random.Next(1, 290)),
                    _ => TimeSpan.FromSeconds(random.Next(0, 30)),
                };
                var type = types[random.Next(types.Length)];
                body = Body($"e{i}", $"u{random.Next(8)}", type, type == "purchase" ? random.Next(1, 60) : 1, enqueued - lateness, $"t{random.Next(8)}", $"c{random.Next(4)}");
                sent.Add(body);
            }
            var list = partitions[p.ToString(CultureInfo.InvariantCulture)];
            list.Add(new RawMessage(body, list.Count, enqueued));
            if (enqueued > end) end = enqueued;
        }
        return partitions;
    }

    private sealed record Merged(RawMessage Message, string PartitionId, long EffectiveTicks, long Order);

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

    /// <summary>The whole stream in merge order, duplicates decided per user (an erasure forgets the user's ids); the
    /// row's key's events available at its time fed to a fresh state in availability order.</summary>
    private static object?[] BruteForce(List<Merged> merged, CompiledGroup group, KeyedLabelRow row, IReadOnlyList<CompiledFeature> features, QueryWindow window, DeliveryRules rules)
    {
        var parser = new EventParser(Definitions);
        var delivery = new Dictionary<string, DeliveryState>(StringComparer.Ordinal);
        var counted = new List<(TreasureEvent Event, long Available, long Order)>();
        foreach (var m in merged)
        {
            if (EraseControlMessage.TryRead(m.Message.Body.Span, out var request, out _))
            {
                delivery.Remove(request!.UserId);
                continue;
            }
            if (!parser.TryParse(m.Message, m.PartitionId, out var e, out _)) continue;
            if (!delivery.TryGetValue(e!.UserId, out var state)) delivery[e.UserId] = state = DeliveryState.Create();
            state.Begin(m.PartitionId, rules.Horizon, rules.MaxRememberedIds);
            var decision = state.Decide(e.EventId, m.Message.SequenceNumber, m.Message.EnqueuedTime);
            state.End();
            if (decision == DeliveryDecision.Duplicate) continue;
            var key = group.Key.Select(k => GroupKeys.ValueOf(k, e)).ToArray();
            if (!key.SequenceEqual(row.Key)) continue;
            var available = Math.Max(m.EffectiveTicks, e.Timestamp.UtcTicks);
            if (available <= row.Time.UtcTicks) counted.Add((e, available, m.Order));
        }
        if (counted.Count == 0) return new object?[features.Count];
        var all = group.StoringAll;
        var keyed = new KeyedState();
        foreach (var (e, _, _) in counted.OrderBy(c => c.Available).ThenBy(c => c.Order)) keyed.Add(e, all, Definitions);
        return features.Select(f => FeatureAnswers.UserValue(f, keyed.Feature(f.Name), Definitions, window, row.Time)).ToArray();
    }
}
