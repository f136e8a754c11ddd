using System.Globalization;
using System.Text.Json;
using TreasureHunt.Core.Aggregation;
using TreasureHunt.Core.Events;
using TreasureHunt.Core.Features;
using TreasureHunt.Core.Groups;
using TreasureHunt.Core.Rollups;
using static TreasureHunt.Core.Tests.TestData;

namespace TreasureHunt.Core.Tests.Groups;

/// <summary>
/// Keyed groups rolled up as the pipeline does — per-batch deltas, merged in each partition's progress, sealed at random
/// points, sent as shard signals (JSON round-tripped, redelivered, out of order across partitions), merged in the shard
/// states, written to the documents by buffers written twice — equal the brute force: each key's events in one state
/// and, for counts and sums, the raw events added up. Every feature of the example definitions, every window kind.
/// </summary>
public sealed class KeyedGroupRollupTests
{
    private static readonly string ExamplePath = Path.Combine(AppContext.BaseDirectory, "Examples", "keyed-groups.json");
    private static readonly JsonSerializerOptions Wire = new(JsonSerializerDefaults.Web);
    private static readonly DateTimeOffset Now = SampleTime;

    [Fact]
    public void The_keyed_groups_example_compiles_with_its_groups_and_leaderboards()
    {
        var d = FeatureDefinitionsReader.Load(ExamplePath);
        Assert.Equal(["item", "category", "itemCountry", "channel", "global"], d.Groups.Select(g => g.Name));
        Assert.Equal(["itemId", "country"], d.Group("itemCountry")!.KeyNames);
        Assert.Empty(d.Group("global")!.Key);
        Assert.Equal(["topRevenue", "trendingCategories", "topBuyers"], d.Leaderboards.Select(l => l.Name));
        Assert.Equal(EventField.UserId, d.ItemGroup!.Feature("buyers")!.Field);
        Assert.Equal(48, d.ItemHourWindows);
        // The per-type counters answer the item group's 'events' and the global group: they add nothing to the keyed states.
        Assert.Equal(["views", "revenue", "buyers", "avgPrice"], d.ItemGroup!.Stored.Select(f => f.Name));
        Assert.Empty(d.Group("global")!.Stored);
        Assert.Empty(CompiledDefinitions.Default.Groups.SelectMany(g => g.Stored));
        // docs/data-model.md quotes the example's largest worst case: the item group's.
        var worst = d.Groups.Max(g => g.Stored.Sum(FeatureDefinitionsReader.WorstCaseBytes));
        Assert.Equal(d.ItemGroup!.Stored.Sum(FeatureDefinitionsReader.WorstCaseBytes), worst);
        Assert.InRange(worst, 30_000, 50_000);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void Rolled_up_keys_equal_the_brute_force_under_redelivery_late_events_and_random_seals(int seed)
    {
        var d = FeatureDefinitionsReader.Load(ExamplePath);
        var rng = new Random(seed);
        var events = Stream(d, rng, 1500);
        var documents = RollUp(d, rng, events, partitions: 3, shardCount: 4);

        foreach (var group in d.Groups.Where(g => g.Stored.Length > 0))
        {
            var expected = Testing.Reference.KeyedGroupBruteForce.Of(group, events, d);
            Assert.NotEmpty(expected);
            foreach (var (id, (key, reference, raw)) in expected)
            {
                Assert.True(documents.TryGetValue(id, out var actual), $"{group.Name} {id} was not written");
                actual!.Bind(group);
                Assert.Equal(raw.Count, actual.Events);
                foreach (var feature in group.Stored)
                {
                    foreach (var window in Windows(feature))
                    {
                        AssertSame(feature.Aggregator.Answer(reference.Feature(feature.Name)!, feature, window, Now, d.TypeNames),
                            feature.Aggregator.Answer(actual.Feature(feature.Name)!, feature, window, Now, d.TypeNames), $"{group.Name} {id} {feature.Name} {window}");
                    }
                }
                // Brute force from the raw events, independent of any aggregator: counts and sums, lifetime.
                if (group.Feature("revenue") is { } revenue && revenue.Lifetime)
                {
                    var sum = raw.Where(e => d.TypeNames[(int)e.Type] == "purchase").Sum(e => e.Value);
                    Assert.Equal(sum, (double)revenue.Aggregator.Answer(actual.Feature("revenue")!, revenue, QueryWindow.Lifetime, Now, d.TypeNames)!, 6);
                }
                if (group.Feature("purchases") is { } purchases)
                {
                    var count = raw.Count(e => d.TypeNames[(int)e.Type] == "purchase");
                    Assert.Equal((long)count, purchases.Aggregator.Answer(actual.Feature("purchases")!, purchases, QueryWindow.Lifetime, Now, d.TypeNames));
                }
            }
            Assert.Equal(expected.Count, documents.Keys.Count(k => group.IsItem ? !k.Contains('~', StringComparison.Ordinal) : k.StartsWith(group.Name + "~", StringComparison.Ordinal)));
        }
    }

    /// <summary>Lifetime when kept, every sliding window up to the tiles kept, and the tumbling tile of each of the last hours/days.</summary>
    private static IEnumerable<QueryWindow> Windows(CompiledFeature feature)
    {
        if (feature.Lifetime) yield return QueryWindow.Lifetime;
        foreach (var w in feature.Tumbling)
        {
            foreach (var n in new[] { 1, 2, 7, w.Keep }.Where(n => n <= w.Keep).Distinct()) yield return new QueryWindow(w.Unit, n);
            for (var back = 0; back < Math.Min(w.Keep, 5); back++) yield return QueryWindow.TileAt(w.Unit!.Value, Now.AddSeconds(-back * w.Unit!.Value.Seconds()));
        }
    }

    private static void AssertSame(object? expected, object? actual, string what)
    {
        var e = JsonSerializer.Serialize(expected);
        var a = JsonSerializer.Serialize(actual);
        if (e == a) return;
        // Sums may differ in the last bits: the same values added in another order.
        if (expected is double x && actual is double y && Math.Abs(x - y) <= 1e-9 * Math.Max(1, Math.Abs(x))) return;
        Assert.Fail($"{what}: expected {e}, got {a}");
    }

    /// <summary>Events over three days before <see cref="Now"/>, shuffled (late ones included), parsed from JSON as the hosts parse them.</summary>
    private static List<TreasureEvent> Stream(CompiledDefinitions d, Random rng, int count)
    {
        var parser = new EventParser(d);
        var channels = new[] { "search", "social", "email", "tv / radio", "." };
        var countries = new[] { "DE", "FR", "US", ".." };
        var categories = new[] { "books", "games", "home.garden", "a:b@c", "..x" };
        var events = new List<TreasureEvent>();
        for (var i = 0; i < count; i++)
        {
            var type = d.TypeNames[rng.Next(10) < 6 ? 0 : rng.Next(d.TypeCount)];
            var time = Now.AddSeconds(-rng.Next(3 * 86400));
            var fields = new List<(string, string?)>
            {
                ("eventId", Str($"e-{i}")), ("userId", Str($"u-{rng.Next(60)}")), ("itemId", Str($"i-{rng.Next(25)}")),
                ("category", Str(categories[rng.Next(categories.Length)])), ("type", Str(type)),
                ("value", (rng.Next(1, 20000) / 100.0).ToString(CultureInfo.InvariantCulture)),
                ("timestamp", Str(time.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture))),
            };
            if (rng.Next(10) > 0) fields.Add(("channel", Str(channels[rng.Next(channels.Length)])));
            if (rng.Next(10) > 0) fields.Add(("country", Str(countries[rng.Next(countries.Length)])));
            Assert.True(parser.TryParse(Message(Json([.. fields]), i + 1, Now), Partition, out var parsed, out var deadLetter), deadLetter?.Detail);
            events.Add(parsed!);
        }
        return events;
    }

    /// <summary>The pipeline's rollup path, with its failure modes, over <paramref name="events"/>: the written keyed states by document id.</summary>
    private static Dictionary<string, KeyedState> RollUp(CompiledDefinitions d, Random rng, List<TreasureEvent> events, int partitions, int shardCount)
    {
        var options = new RollupOptions { ShardCount = shardCount, ItemFlushMaxItems = 1 + rng.Next(40), ItemHourWindows = 48 };
        var progress = Enumerable.Range(0, partitions).Select(p => PartitionProgress.Create("g", p.ToString(CultureInfo.InvariantCulture))).ToArray();
        var sequence = new long[partitions];
        var inFlight = new List<(string Shard, string Json)>();
        var shards = new Dictionary<string, ItemShardState>(StringComparer.Ordinal);
        var documents = new Dictionary<string, string>(StringComparer.Ordinal); // id → stored JSON (a KeyedState, flushes apart)
        var flushes = new Dictionary<string, Dictionary<string, long>>(StringComparer.Ordinal);
        var byPartition = events.GroupBy(e => (int)(ShardRouting.StableHash(e.UserId) % (uint)partitions)).ToDictionary(g => g.Key, g => new Queue<TreasureEvent>(g));

        void SendSealed(int p)
        {
            var signals = RollupSignals.From(progress[p].PartitionId, progress[p].Sealed!, shardCount, progress[p].SentThrough);
            foreach (var (key, signal) in signals.Shards) inFlight.Add((key, JsonSerializer.Serialize(signal, Wire)));
            progress[p].ClearSealed(progress[p].Sealed!.ToSequence, signals);
        }
        void Deliver(int index)
        {
            var (shardKey, json) = inFlight[index];
            var signal = JsonSerializer.Deserialize<ItemShardSignal>(json, Wire)!;
            if (!shards.TryGetValue(shardKey, out var state)) shards[shardKey] = state = new ItemShardState();
            state.Apply(signal, Now, d);
            if (state.ShouldSeal(Now, options) || rng.Next(4) == 0 && state.Sealed is null && state.PendingCount > 0) state.Seal();
            Write(shardKey, state);
            shards[shardKey] = JsonSerializer.Deserialize<ItemShardState>(JsonSerializer.Serialize(state, Wire), Wire)!; // the entity's state is stored between batches
        }
        void Write(string shardKey, ItemShardState state)
        {
            if (state.Sealed is not { } flush) return;
            for (var attempt = 0; attempt < 2; attempt++) // a crash after writing: the same buffer is written again, a no-op
            {
                foreach (var (itemId, delta) in flush.Items) Apply(itemId, shardKey, flush.Number, delta.Keyed, d.ItemGroup!);
                foreach (var (id, delta) in flush.Keys ?? []) Apply(id, shardKey, flush.Number, delta.State, d.Group(delta.Group)!);
            }
            state.Written(flush.Number);
        }
        void Apply(string id, string shardKey, long number, KeyedState? delta, CompiledGroup group)
        {
            if (delta is null) return;
            if (!flushes.TryGetValue(id, out var written)) flushes[id] = written = new Dictionary<string, long>(StringComparer.Ordinal);
            if (written.TryGetValue(shardKey, out var last) && last >= number) return;
            var state = documents.TryGetValue(id, out var json) ? JsonSerializer.Deserialize<KeyedState>(json, Wire)! : new KeyedState();
            state.Merge(delta, group, d);
            documents[id] = JsonSerializer.Serialize(state, Wire);
            written[shardKey] = number;
        }

        while (byPartition.Values.Any(q => q.Count > 0) || progress.Any(p => p.Pending is { IsEmpty: false } || p.Sealed is not null) || inFlight.Count > 0)
        {
            var p = rng.Next(partitions);
            if (byPartition.TryGetValue(p, out var queue) && queue.Count > 0)
            {
                var builder = new RollupDeltaBuilder(shardCount, d);
                var first = sequence[p] + 1;
                for (var n = 1 + rng.Next(30); n > 0 && queue.Count > 0; n--)
                {
                    var e = queue.Dequeue();
                    builder.Add(Seq(e, ++sequence[p], Now), EventOutcome.Applied);
                }
                var stored = JsonSerializer.Deserialize<PartitionProgress>(JsonSerializer.Serialize(progress[p], Wire), Wire)!; // as read back from the store
                stored.Accumulate(builder.Build(first, sequence[p]), Now);
                progress[p] = stored;
            }
            if (progress[p].Sealed is null && progress[p].Pending is { IsEmpty: false } && (rng.Next(3) == 0 || queue is not { Count: > 0 })) progress[p].Seal();
            if (progress[p].Sealed is not null && rng.Next(2) == 0) SendSealed(p);
            if (inFlight.Count > 0 && rng.Next(2) == 0)
            {
                var index = rng.Next(inFlight.Count);
                Deliver(index);
                if (rng.Next(4) != 0) inFlight.RemoveAt(index); // else delivered again later: a redelivery
            }
        }
        foreach (var (key, state) in shards)
        {
            if (state.Sealed is not null) Write(key, state);
            if (state.PendingCount > 0) { state.Seal(); Write(key, state); }
        }
        return documents.ToDictionary(x => x.Key, x => JsonSerializer.Deserialize<KeyedState>(x.Value, Wire)!, StringComparer.Ordinal);
    }
}
