using System.Text.Json;
using TreasureHunt.Core.Events;
using TreasureHunt.Core.Features;
using TreasureHunt.Core.Groups;

namespace TreasureHunt.Core.Tests.Groups;

/// <summary>
/// A shadow version's key documents (<see cref="GroupDocument.ApplyEvents"/>): the events of several partitions, cut
/// into batches in two different ways and delivered twice over (a back-fill and a live host applying overlapping
/// ranges, a retried write), end in the same state as one pass over the events — each event once.
/// </summary>
public sealed class ShadowKeyDocumentTests
{
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
                    new FeatureDefinition { Name = "buyers", Aggregation = "approxDistinct", Of = "userId", Types = ["purchase"], Windows = ["lifetime", "day:8"] },
                    new FeatureDefinition { Name = "revenue", Aggregation = "sum", Of = "value", Types = ["purchase"] },
                ],
            },
        ];
        return FeatureDefinitionsReader.Compile(d, "shadow key test");
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void Overlapping_batches_of_several_partitions_count_each_event_once(int seed)
    {
        var random = new Random(seed);
        var group = Definitions.Group("category")!.StoringAll;
        Assert.True(Definitions.TryGetType("view", out var view));
        Assert.True(Definitions.TryGetType("purchase", out var purchase));
        var t0 = new DateTimeOffset(2026, 12, 1, 0, 0, 0, TimeSpan.Zero);
        var partitions = Enumerable.Range(0, 3).Select(p => Enumerable.Range(0, 200).Select(i => new SequencedEvent(
            new TreasureEvent($"e{p}-{i}", $"u{random.Next(20)}", "t-1", "caves", random.Next(2) == 0 ? view : purchase, random.Next(1, 30), t0.AddMinutes(random.Next(2000))),
            i, t0)).ToList()).ToList();

        var whole = new KeyedState();
        foreach (var e in partitions.SelectMany(p => p)) whole.Add(e.Event, group, Definitions);

        var document = new GroupDocument { Id = "category~caves" };
        // Per partition two cuttings (a back-fill and a live host), each in order, interleaved at random across both and
        // across partitions — every batch starts at most one past what was applied, as the shadow progress ensures —
        // and some batches written twice (a retried write).
        var cuttings = partitions.Select(events => new[] { 1 + random.Next(40), 1 + random.Next(40) }
            .Select(size => new Queue<List<SequencedEvent>>(events.Chunk(size).Select(c => c.ToList()))).ToArray()).ToArray();
        while (cuttings.Any(c => c.Any(q => q.Count > 0)))
        {
            var p = random.Next(cuttings.Length);
            var open = cuttings[p].Where(q => q.Count > 0).ToArray();
            if (open.Length == 0) continue;
            var batch = open[random.Next(open.Length)].Dequeue();
            var partition = p.ToString(System.Globalization.CultureInfo.InvariantCulture);
            document.ApplyEvents(partition, batch, ["caves"], group, Definitions);
            if (random.Next(5) == 0) Assert.False(document.ApplyEvents(partition, batch, ["caves"], group, Definitions));
        }

        whole.Bind(group);
        document.State.Bind(group);
        Assert.Equal(JsonSerializer.Serialize(whole.Features), JsonSerializer.Serialize(document.State.Features));
        Assert.Equal(partitions.Sum(p => p.Count), document.State.Events);
        Assert.Equal(3, document.Flushes.Count);
        Assert.All(document.Flushes.Values, v => Assert.Equal(199, v));
    }
}
