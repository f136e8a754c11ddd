using TreasureHunt.Capacity;
using TreasureHunt.Core.Costs;
using TreasureHunt.Core.Features;
using TreasureHunt.Core.Groups;
using Xunit.Abstractions;

namespace TreasureHunt.Core.Tests;

/// <summary>The capacity model's pricing of keyed groups and declared leaderboards (<see cref="KeyedGroupCapacity"/>,
/// <see cref="ItemDocumentRollupDesign"/>): the keyed-group targets at the reference point with the example definitions,
/// growth with a group's cardinality, the errors of <c>--keys</c>, and a plan without keyed groups left as it was.</summary>
public sealed class KeyedGroupCapacityTests(ITestOutputHelper output)
{
    private static readonly CapacityModel Model = new(MeasuredFigures.Default, new PriceTable());
    private static readonly string ExamplePath = Path.Combine(AppContext.BaseDirectory, "Examples", "keyed-groups.json");
    private static readonly Lazy<CompiledDefinitions> Example = new(() => FeatureDefinitionsReader.Load(ExamplePath));

    /// <summary>The reference point of docs/data-model.md's arithmetic (./th plan --events-per-second 50000 --users 10000000 --items 1000000 --partitions 32).</summary>
    private static CapacityInputs Reference => new() { EventsPerSecond = 50_000, Users = 10_000_000, Items = 1_000_000, Partitions = 32 };

    private static readonly Dictionary<string, long> ExampleKeys = new(StringComparer.Ordinal) { ["category"] = 1_000, ["itemCountry"] = 3_000_000, ["channel"] = 20 };

    private static CapacityPlan Plan(IReadOnlyDictionary<string, long> keys)
    {
        return Model.Plan(KeyedGroupCapacity.WithGroups(Reference, Example.Value, keys));
    }

    private static readonly Lazy<CapacityPlan> ReferencePlan = new(() => Plan(ExampleKeys));

    [Fact]
    public void Reference_point_with_the_example_definitions_against_issue_24s_targets()
    {
        var plan = ReferencePlan.Value;
        var peak = plan.RollupsPeak;
        var keyed = peak.Keyed!.ToDictionary(k => k.Group);
        foreach (var k in peak.Keyed!)
        {
            output.WriteLine($"{k.Group}: {k.Keys:N0} keys, {k.KeysPerShardSeal:N1} per shard seal, {k.DocumentWritesPerSecond:N0} writes/s {k.DocumentRuPerSecond:N0} RU/s, " +
                $"document {k.TypicalDocumentBytes:N0} / {k.WorstDocumentBytes:N0} B, leaderboards {k.LeaderboardWritesPerSecond:N1}/s {k.LeaderboardRuPerSecond:N0} RU/s " +
                $"{k.TypicalLeaderboardBytes:N0} / {k.WorstLeaderboardBytes:N0} ({k.WorstLeaderboardBytesDuringReshard:N0}) B, storage {k.StorageBytes / 1e9:N2} GB");
        }
        foreach (var e in peak.Entities) output.WriteLine($"{e.Entity}: {e.StateBytes:N0} B, {e.OpsPerSecondPerInstance:N1} ops/s: {e.StateNote}");
        output.WriteLine($"signals/event {peak.SignalsPerEvent:F5}; items {plan.Cosmos.Containers.Single(c => c.Container == "items").PeakRuPerSecond:N0} RU/s, leaderboards {plan.Cosmos.Containers.Single(c => c.Container == "leaderboards").PeakRuPerSecond:N0} RU/s at peak; storage {plan.Cosmos.StorageGb:N1} GB");

        // Every group that stores something is priced; global's lifetime counts by type are the global totals.
        Assert.Equal(["item", "category", "itemCountry", "channel"], peak.Keyed!.Select(k => k.Group));

        // Met: entity operations, signals per event (keys reach no shard the items do not), one read per keyed read or leaderboard.
        Assert.All(peak.Entities, e => Assert.True(e.OpsPerSecondPerInstance <= AzureLimits.EntityOpsPerSecondPerInstance, $"{e.Entity}: {e.OpsPerSecondPerInstance:N1} ops/s"));
        Assert.InRange(peak.SignalsPerEvent, 0.004, AzureLimits.EntitySignalsPerEvent);
        var plain = Model.Plan(Reference);
        Assert.Equal(plain.RollupsPeak.SignalsPerEvent, peak.SignalsPerEvent, 9);
        Assert.Equal(plain.RollupsPeak.Entities[0].OpsPerSecondPerInstance, peak.Entities[0].OpsPerSecondPerInstance, 9);
        Assert.Equal(1, plan.Limits.Single(l => l.Name == "Documents read per keyed read or declared leaderboard").Demand);

        // Met: every keyed document within its bounds: a key's worst case under Cosmos DB's 2 MB, and every declared
        // leaderboard's worst case at the start-up check's 2 × ShardCount sections under its 1.5 MB budget.
        Assert.All(peak.Keyed!, k => Assert.True(k.WorstDocumentBytes <= AzureLimits.CosmosMaxItemBytes, k.Group));
        foreach (var board in Example.Value.Leaderboards)
        {
            Assert.True(KeyedLeaderboardDocument.WorstCaseBytes(board, 2 * plan.Inputs.RollupShardCount) <= KeyedLeaderboardDocument.MaxBytes, board.Name);
        }

        // Met with the default ItemFlushMaxItems of 1,900: an itemshard's state, whose buffer entries carry keyed partial
        // states (239 B per item delta, 187 B per itemCountry key) instead of 56 B item deltas (~1.02 MB at 2,000).
        var shard = peak.Entities.Single(e => e.Entity == "itemshard");
        Assert.Equal(1_900, plan.Inputs.ItemFlushMaxItems);
        Assert.InRange(shard.StateBytes, 0.9e6, AzureLimits.EntityStateBytes);
        Assert.False(plan.Limits.Single(l => l.Name == "Entity itemshard: state per instance").Exceeded);
        var atTwoThousand = Model.Plan(KeyedGroupCapacity.WithGroups(Reference with { ItemFlushMaxItems = 2_000 }, Example.Value, ExampleKeys));
        Assert.True(atTwoThousand.Limits.Single(l => l.Name == "Entity itemshard: state per instance").Exceeded);

        // Met by the reshard rule: the start-up check admits topRevenue and topBuyers (k = 100, item ids up to 128
        // characters) with at most 23 shards (2 × 23 sections: 1.496 MB), so the reshard modeled is 16 → 23, whose
        // 39 sections while the old layout drains reach 1.27 MB worst case. A 16 → 32 reshard (48 sections, 1.56 MB)
        // is refused at start-up and stays reported as exceeded when asked for.
        Assert.Equal(23, plan.Inputs.ReshardTarget);
        Assert.Equal(23, KeyedGroupCapacity.LargestAdmittedShardCount(Example.Value, 32));
        Assert.True(keyed["item"].WorstLeaderboardBytesDuringReshard <= KeyedLeaderboardDocument.MaxBytes);
        Assert.True(keyed["category"].WorstLeaderboardBytesDuringReshard <= KeyedLeaderboardDocument.MaxBytes);
        Assert.DoesNotContain(plan.Limits, l => l.Name.Contains("leaderboard document, worst case while resharding", StringComparison.Ordinal) && l.Exceeded);
        var toThirtyTwo = Model.Plan(KeyedGroupCapacity.WithGroups(Reference with { ReshardShardCount = 32 }, Example.Value, ExampleKeys));
        Assert.InRange(toThirtyTwo.RollupsPeak.Keyed!.Single(k => k.Group == "item").WorstLeaderboardBytesDuringReshard, 1.5e6, AzureLimits.CosmosMaxItemBytes);
        Assert.True(toThirtyTwo.Limits.Single(l => l.Name == "Keyed group item: leaderboard document, worst case while resharding 16 → 32").Exceeded);

        // Missed, the model's honest figures (docs/data-model.md, "Keyed groups at the reference point"):
        // - the item documents carry the item group's 'buyers' (a HyperLogLog per day tile, dense for the items written
        //   most): ~28.6 KB typical as written, so the items container needs ~1.39 M RU/s at peak (over the 1 M autoscale
        //   maximum of one container) and an item-stats read is over the rollup design's 8 KB;
        Assert.InRange(keyed["item"].TypicalDocumentBytes, 20_000, 35_000);
        Assert.InRange(plan.Cosmos.Containers.Single(c => c.Container == "items").PeakRuPerSecond, 1.2e6, 1.5e6);

        // - a partition's progress document carries the keys' partial states in its pending delta: 1.36 MB in the
        //   sealing write, under Cosmos DB's 2 MB but 6 × the 226 KB without the groups.
        Assert.InRange(plan.Cosmos.ProgressDocument!.SealedBytes, 1.2e6, 1.5e6);
        Assert.True(plan.Cosmos.ProgressDocument.SealedBytes > 5 * plain.Cosmos.ProgressDocument!.SealedBytes);

        // The groups' own documents: itemCountry's 3 M keys are written most (one per distinct key per seal).
        Assert.Equal(0, keyed["item"].DocumentWritesPerSecond);
        // The item group's cost is what its state adds to the item documents' RU (plus its leaderboards): the items
        // container less the groups' own documents and the item writes at the item document's size without the group.
        var itemsWith = plan.Cosmos.Containers.Single(c => c.Container == "items").PeakRuPerSecond;
        var itemWrites = peak.Cosmos!.ItemWritesPerSecond - peak.Keyed!.Sum(k => k.DocumentWritesPerSecond);
        var bare = (long)ItemDocumentRollupDesign.ItemDocumentBytes(plan.Inputs);
        var bareRu = itemWrites * (RequestUnitEstimator.Read(bare) + RequestUnitEstimator.Write(bare));
        Assert.Equal(itemsWith - peak.Keyed!.Sum(k => k.DocumentRuPerSecond) - bareRu, keyed["item"].ItemDocumentAddedRuPerSecond, 0);
        Assert.True(keyed["item"].ItemDocumentAddedRuPerSecond > 0);
        Assert.True(keyed["itemCountry"].DocumentWritesPerSecond > keyed["category"].DocumentWritesPerSecond);
        Assert.True(keyed["category"].DocumentWritesPerSecond > keyed["channel"].DocumentWritesPerSecond);
        Assert.InRange(keyed["channel"].KeysPerShardSeal, 0.5, 20.0 / plan.Inputs.RollupShardCount);
    }

    [Fact]
    public void A_groups_cost_grows_with_its_cardinality()
    {
        KeyedGroupLoad? previous = null;
        CapacityPlan? previousPlan = null;
        foreach (var n in new long[] { 10, 1_000, 100_000, 10_000_000 })
        {
            var plan = Plan(new Dictionary<string, long>(ExampleKeys, StringComparer.Ordinal) { ["itemCountry"] = n });
            var group = plan.RollupsPeak.Keyed!.Single(k => k.Group == "itemCountry");
            if (previous is not null)
            {
                Assert.True(group.KeysPerShardSeal > previous.KeysPerShardSeal, $"{n}: keys per seal");
                Assert.True(group.DocumentWritesPerSecond > previous.DocumentWritesPerSecond, $"{n}: writes/s");
                Assert.True(group.DocumentRuPerSecond > previous.DocumentRuPerSecond * 0.999, $"{n}: RU/s");
                Assert.True(group.StorageBytes > previous.StorageBytes, $"{n}: storage");
                Assert.True(group.UsdPerMonthAtServerlessPrice(0.25m) > previous.UsdPerMonthAtServerlessPrice(0.25m), $"{n}: $ per month");
                // The shard's buffers hold ItemFlushMaxItems items and keys together: more keys seal them sooner (more
                // Cosmos operations per second), not bigger (smaller keys may even displace larger item deltas).
                Assert.True(plan.RollupsPeak.ItemShard!.CosmosOperationsPerSecond >= previousPlan!.RollupsPeak.ItemShard!.CosmosOperationsPerSecond * 0.999, $"{n}: shard Cosmos operations");
                Assert.True(plan.Cosmos.Containers.Single(c => c.Container == "items").PeakRuPerSecond > previousPlan.Cosmos.Containers.Single(c => c.Container == "items").PeakRuPerSecond, $"{n}: items RU/s");
            }
            previous = group;
            previousPlan = plan;
        }
    }

    [Fact]
    public void Definitions_without_keyed_features_leave_the_plan_unchanged()
    {
        var inputs = Reference;
        var keyed = KeyedGroupCapacity.From(CompiledDefinitions.Default, new Dictionary<string, long>(), inputs);
        Assert.Empty(keyed);
        var with = Model.Plan(inputs with { KeyedGroups = keyed });
        var without = Model.Plan(inputs);
        Assert.Null(with.RollupsPeak.Keyed);
        Assert.Equal(without.Cosmos.Containers.Select(c => c.PeakRuPerSecond), with.Cosmos.Containers.Select(c => c.PeakRuPerSecond));
        Assert.Equal(without.RollupsPeak.Entities.Select(e => e.StateBytes), with.RollupsPeak.Entities.Select(e => e.StateBytes));
        Assert.Equal(without.Cosmos.StorageGb, with.Cosmos.StorageGb);
        Assert.Equal(without.Limits.Count, with.Limits.Count);
    }

    [Fact]
    public void A_group_without_a_declared_cardinality_is_named()
    {
        var missing = Assert.Throws<ArgumentException>(() => KeyedGroupCapacity.From(Example.Value,
            new Dictionary<string, long> { ["category"] = 1_000, ["channel"] = 20 }, Reference));
        Assert.Contains("'itemCountry'", missing.Message, StringComparison.Ordinal);
        Assert.Contains("--keys itemCountry=N", missing.Message, StringComparison.Ordinal);
        var unknown = Assert.Throws<ArgumentException>(() => KeyedGroupCapacity.From(Example.Value,
            new Dictionary<string, long>(ExampleKeys) { ["brand"] = 5 }, Reference));
        Assert.Contains("no group 'brand'", unknown.Message, StringComparison.Ordinal);
        var item = Assert.Throws<ArgumentException>(() => KeyedGroupCapacity.From(Example.Value,
            new Dictionary<string, long>(ExampleKeys) { ["item"] = 5 }, Reference));
        Assert.Contains("--items", item.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_measured_state_grows_with_the_keys_rate_and_stays_within_the_worst_case()
    {
        var d = Example.Value;
        foreach (var group in d.Groups.Where(g => g.Stored.Length > 0))
        {
            var worst = GroupDefinitionsCompiler.WorstCaseBytes(group);
            var previous = 0.0;
            foreach (var rate in new[] { 1e-5, 1e-3, 0.1, 10 })
            {
                var bytes = KeyedGroupCapacity.MeasureState(group, d, rate);
                Assert.True(bytes >= previous, $"{group.Name} at {rate}/s: {bytes} < {previous}");
                Assert.True(bytes <= worst, $"{group.Name} at {rate}/s: {bytes} > worst case {worst}");
                previous = bytes;
            }
            Assert.True(KeyedGroupCapacity.MeasureDelta(group, d, 1) <= KeyedGroupCapacity.MeasureDelta(group, d, d.TypeCount), group.Name);
            output.WriteLine($"{group.Name}: delta of 1..{d.TypeCount} events {string.Join(", ", Enumerable.Range(1, d.TypeCount).Select(n => KeyedGroupCapacity.MeasureDelta(group, d, n)))} B; " +
                $"state at 0.001/0.1/10 events/s {KeyedGroupCapacity.MeasureState(group, d, 1e-3):N0} / {KeyedGroupCapacity.MeasureState(group, d, 0.1):N0} / {KeyedGroupCapacity.MeasureState(group, d, 10):N0} B, worst {worst:N0} B");
        }
    }

    [Fact]
    public void The_group_document_constant_matches_a_serialized_group_document()
    {
        // A category document with a typical key (12 characters), one flush number per shard generation and the state
        // the model measures: the model's size (without Cosmos DB's system properties) within 10 % of the serialized one.
        var d = Example.Value;
        var group = d.Group("category")!;
        var state = new KeyedState();
        state.Bind(group);
        state.Add(new Events.TreasureEvent("e1", "u1", "item1", "kitchenwares", Events.EventType.View, 0, DateTimeOffset.FromUnixTimeSeconds(1_800_000_000)), group, d);
        var document = new GroupDocument
        {
            Id = GroupKeys.DocumentId(group, ["kitchenwares"]), Group = group.Name, Key = ["kitchenwares"], DefinitionsVersion = 1, State = state,
            Flushes = new(StringComparer.Ordinal) { ["16-3"] = 1_234_567, ["32-17"] = 1_234_567 },
        };
        var wire = new System.Text.Json.JsonSerializerOptions(System.Text.Json.JsonSerializerDefaults.Web);
        var serialized = System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(document, wire).Length;
        var stateBytes = System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(state, wire).Length;
        var input = KeyedGroupCapacity.From(d, ExampleKeys, Reference).Single(g => g.Name == "category");
        var modeled = KeyedGroupInput.GroupDocumentFixedBytes + 2 * input.TypicalKeyBytes + stateBytes;
        output.WriteLine($"serialized {serialized} B, modeled {modeled} B");
        Assert.InRange(modeled, serialized * 0.9, serialized * 1.1);
    }
}
