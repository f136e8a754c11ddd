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

    /// <summary>
    /// The stated bound of a back-filled version's key document (<see cref="GroupDocument.BackfilledWorstCaseBytes"/>:
    /// the group's worst case plus one entry per event partition) holds for a key written from 1,024 partitions (Event
    /// Hubs' largest count), each twice, with sequence numbers of 19 digits and the key at its longest. The light group's
    /// document is mostly partition entries: it exceeds the group's worst case without them, so a bound that left them
    /// out, or entries that were added instead of replaced, fail here.
    /// </summary>
    [Theory]
    [InlineData("light")]
    [InlineData("category")]
    public void A_key_written_from_every_partition_stays_within_its_stated_bound(string groupName)
    {
        var d = FeatureDefinitionsReader.ReadDefault();
        d.Groups =
        [
            new GroupDefinition { Name = "light", Key = ["category"], Features = [new FeatureDefinition { Name = "n", Aggregation = "count", Windows = ["lifetime"] }] },
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
        var definitions = FeatureDefinitionsReader.Compile(d, "shadow key bound test");
        var group = definitions.Group(groupName)!.StoringAll;
        Assert.True(definitions.TryGetType("view", out var view));
        Assert.True(definitions.TryGetType("purchase", out var purchase));
        var category = new string('c', ContractLimits.MaxCategoryLength);
        var key = new[] { category };
        var partitions = Enumerable.Range(0, 1024).Select(p => p.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToList();
        var document = new GroupDocument { Id = GroupKeys.DocumentId(group, key) };
        var t0 = new DateTimeOffset(2026, 12, 1, 0, 0, 0, TimeSpan.Zero);
        // The heavy group filled towards its worst case: every hour tile of 48 and every day tile of 8 hold events, and each
        // day's distinct buyers are many (dense sketches); the light group gets a few events per partition.
        var perPartition = groupName == "light" ? 2 : 24;
        var n = 0;
        for (var round = 0; round < 2; round++)
        {
            foreach (var partition in partitions)
            {
                var batch = new List<SequencedEvent>();
                for (var i = 0; i < perPartition; i++, n++)
                {
                    var time = t0.AddMinutes(n * 17 % (8 * 24 * 60));
                    var e = new TreasureEvent($"e{n}", $"user-{n}", "item-1", category, n % 2 == 0 ? view : purchase, 1_000_000 + n, time);
                    batch.Add(new SequencedEvent(e, long.MaxValue - 10_000 + round * perPartition + i, t0));
                }
                Assert.True(document.ApplyEvents(partition, batch, key, group, definitions));
            }
        }

        var bytes = JsonSerializer.SerializeToUtf8Bytes(document, new JsonSerializerOptions(JsonSerializerDefaults.Web)).Length;
        var bound = GroupDocument.BackfilledWorstCaseBytes(group, partitions);
        Assert.Equal(partitions.Count, document.Flushes.Count);
        Assert.Equal(n, document.State.Events);
        Assert.True(bytes <= bound, $"{groupName}: {bytes:N0} bytes over the stated bound {bound:N0}");
        if (groupName == "light")
        {
            var withoutPartitions = GroupDocument.BackfilledWorstCaseBytes(group, []);
            Assert.True(bytes > withoutPartitions, $"the partition entries ({bytes:N0} bytes) must be what the bound's partition term covers (without it: {withoutPartitions:N0})");
        }
    }
}
