using System.Globalization;
using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Azure.Cosmos;
using TreasureHunt.Core.Aggregation;
using TreasureHunt.Core.Costs;
using TreasureHunt.Core.Events;
using TreasureHunt.Core.Features;
using TreasureHunt.Storage.Cosmos;
using TreasureHunt.Testing;
using TreasureHunt.Testing.Reference;
using Xunit.Abstractions;

namespace TreasureHunt.IntegrationTests.Storage;

/// <summary>
/// RU per user update on the emulator: (a) the product's ETag write — read + IfMatch replace, or replace only when the
/// writer cache holds the document — against (b) a Patch guarded by a FilterPredicate on the partition watermark
/// that does the increments in ≤ 10 operations. Prints the figures (charged by the emulator and estimated from
/// document sizes) and asserts what the comparison rests on: both are exactly-once, the patch cannot reproduce the
/// aggregate, and the patch's RU is billed on the whole resulting document. Numbers: docs/BENCHMARKS.md.
/// (a) runs on the product's schema-2 documents; (b) on the schema-1 shape (the reference <see cref="UserAggregate"/>),
/// where a patch came closest to feasible — schema 2 keeps its tiles and sketches in compact binary fields that a
/// patch cannot update at all.
/// </summary>
[Collection(EmulatorFixture.CollectionName)]
public sealed class CosmosWriteCostComparison(EmulatorFixture emulators, ITestOutputHelper output)
{
    private const string Partition = "0";
    private const int Updates = 40;
    private static readonly string[] Categories = ["maps", "coins", "gems", "keys", "scrolls", "potions"];

    /// <summary>A fresh user (first few events), a medium and a heavy one (weeks of history, a busy last two hours).</summary>
    public static TheoryData<string> Profiles => new() { "fresh", "medium", "heavy" };

    [Theory]
    [MemberData(nameof(Profiles))]
    public async Task Etag_replace_and_filtered_patch_cost_per_user_update(string profile)
    {
        await using var cosmos = await CosmosHarness.CreateAsync(emulators, "rucompare", estimateRequestUnits: true);
        var documents = cosmos.UserDocuments();
        var schema1 = cosmos.Schema1Documents();
        var (history, now) = History(profile);
        var seedSize = Size(Build("size", history));

        // Each measured update is one single-event batch (the patch's best case) in the user's newest minute window,
        // on its own user seeded with the profile's document and warmed up by one unmeasured update (fills the cache).
        SequencedEvent UpdateEvent(string userId, int n) => Event(userId, history.Count + n - 1, now.AddSeconds(n), n);
        UserDocument Expected(string userId)
        {
            var expected = BuildDocument(userId, history);
            expected.Apply([UpdateEvent(userId, 1), UpdateEvent(userId, 2)], Partition, CompiledDefinitions.Default, DeliveryRules.Default, new EventOutcome[2]);
            return expected;
        }

        UserAggregate ExpectedSchema1(string userId)
        {
            var expected = Build(userId, history);
            expected.Apply([UpdateEvent(userId, 1), UpdateEvent(userId, 2)], Partition, AggregationRules.Default, new EventOutcome[2]);
            return expected;
        }

        var rows = new List<string>();

        // (a) the product's store: read + IfMatch replace (no cache), and replace only (writer cache).
        foreach (var cache in new[] { false, true })
        {
            var store = new CosmosUserDocumentStore(documents, CompiledDefinitions.Default, cache ? CosmosHarness.NewCache() : null);
            double charged = 0, estimated = 0;
            long calls = 0, written = 0;
            for (var k = 0; k < Updates; k++)
            {
                var userId = $"{(cache ? "cached" : "etag")}-{k}";
                await documents.UpsertAsync(Sealed(BuildDocument(userId, history)), userId, userId, default);
                Assert.True((await TestEvents.ApplyAsync(store, userId, Partition, [UpdateEvent(userId, 1)])).Changed);
                InvocationUsage usage;
                using (InvocationUsage.Begin(out usage))
                {
                    Assert.True((await TestEvents.ApplyAsync(store, userId, Partition, [UpdateEvent(userId, 2)])).Changed);
                }
                charged += usage.ChargedRequestUnits;
                estimated += usage.RequestUnits;
                calls += usage.StoreReads + usage.StoreWrites;
                var stored = await store.GetAsync(userId, default);
                Assert.Equal(CosmosHarness.Serialize(Expected(userId)), CosmosHarness.Serialize(stored)); // the exact aggregate
                written += SizeOf(stored!);
            }
            rows.Add(Row(profile, written, cache ? "(a) ETag replace only (writer cache hit)" : "(a) ETag read + replace", calls, charged, estimated));
        }

        // (b) Patch with a FilterPredicate on the watermark: the increments as ≤ 10 blind operations.
        {
            double charged = 0, estimated = 0;
            long written = 0;
            for (var k = 0; k < Updates; k++)
            {
                var userId = $"patch-{k}";
                var seed = Build(userId, history);
                await schema1.UpsertAsync(seed, userId, userId, default);
                foreach (var n in new[] { 1, 2 })
                {
                    var (operations, filter) = PatchFor(seed, UpdateEvent(userId, n));
                    Assert.True(operations.Count <= 10);
                    using var response = await cosmos.Users.PatchItemStreamAsync(userId, new PartitionKey(userId), operations,
                        new PatchItemRequestOptions { FilterPredicate = filter, EnableContentResponseOnWrite = false });
                    Assert.Equal(HttpStatusCode.OK, response.StatusCode);
                    if (n == 1) continue;
                    charged += response.Headers.RequestCharge;
                    // Billed like a write of the resulting document: its size, as the product serializes it (RequestUnitEstimator).
                    var (after, _) = await schema1.ReadAsync(userId, userId, default);
                    written += Size(after!);
                    estimated += RequestUnitEstimator.Write(Size(after!));
                }
            }
            rows.Add(Row(profile, written, "(b) Patch + FilterPredicate (≤ 10 ops)", Updates, charged, estimated));

            // Exactly-once too: the same patch again is refused by its filter (412) and changes nothing.
            var last = $"patch-{Updates - 1}";
            var (before, etagBefore) = await schema1.ReadAsync(last, last, default);
            var (replayOps, replayFilter) = PatchFor(Build(last, history), UpdateEvent(last, 2));
            using (var replay = await cosmos.Users.PatchItemStreamAsync(last, new PartitionKey(last), replayOps,
                       new PatchItemRequestOptions { FilterPredicate = replayFilter, EnableContentResponseOnWrite = false }))
            {
                Assert.Equal(HttpStatusCode.PreconditionFailed, replay.StatusCode);
            }
            var (unchanged, etagAfter) = await schema1.ReadAsync(last, last, default);
            Assert.Equal(etagBefore, etagAfter);
            Assert.Equal(CosmosHarness.Serialize(before), CosmosHarness.Serialize(unchanged));

            // The increments are right, but the aggregate is not: affinity is not rescaled, recent items are not
            // deduplicated or trimmed, remembered ids are not pruned, the derived total is stale.
            var expected = ExpectedSchema1(last);
            Assert.Equal(expected.Counts, unchanged!.Counts);
            Assert.Equal(expected.Values, unchanged.Values);
            Assert.Equal(expected.Watermarks, unchanged.Watermarks);
            Assert.Equal(expected.LastEventTime, unchanged.LastEventTime);
            Assert.NotEqual(CosmosHarness.Serialize(expected), CosmosHarness.Serialize(unchanged));
        }

        // What one real update changes, as patch operations (minimal edit script: add / remove / set / increment).
        var current = Build("diff", history);
        var next = Build("diff", history);
        next.Apply([Event("diff", history.Count, MinuteStart(now).AddMinutes(1).AddSeconds(5), 3)], Partition, AggregationRules.Default, new EventOutcome[1]);
        var a = JsonSerializer.SerializeToNode(current, CosmosHarness.Json)!.AsObject();
        var b = JsonSerializer.SerializeToNode(next, CosmosHarness.Json)!.AsObject();
        var fieldOps = a.Select(p => p.Key).Union(b.Select(p => p.Key))
            .Select(k => (Field: k, Ops: Ops(a[k], b[k]))).Where(f => f.Ops > 0).ToList();
        var totalOps = fieldOps.Sum(f => f.Ops);
        output.WriteLine($"{profile}: seed document {seedSize} B; one event in a new minute changes {fieldOps.Count} top-level fields, " +
            $"{totalOps} fine-grained patch operations: {string.Join(", ", fieldOps.Select(f => $"{f.Field} {f.Ops}"))}");
        Assert.True(totalOps > 10, $"{profile}: {totalOps} operations");

        // And Cosmos refuses more than 10 operations in one patch.
        using (var tooMany = await cosmos.Users.PatchItemStreamAsync("patch-0", new PartitionKey("patch-0"),
                   Enumerable.Range(0, 11).Select(i => PatchOperation.Increment($"/counts/{i % 5}", 0)).ToList()))
        {
            Assert.Equal(HttpStatusCode.BadRequest, tooMany.StatusCode);
        }

        output.WriteLine($"{Updates} updates per write path:");
        output.WriteLine("| profile | document written | write path | calls / update | charged RU / update (emulator) | estimated RU / update |");
        output.WriteLine("| --- | ---: | --- | ---: | ---: | ---: |");
        foreach (var row in rows)
        {
            output.WriteLine(row);
        }
    }

    private static int Size(UserAggregate aggregate) => JsonSerializer.SerializeToUtf8Bytes(aggregate, CosmosHarness.Json).Length;

    private static int SizeOf(UserDocument document) => JsonSerializer.SerializeToUtf8Bytes(Sealed(document), CosmosHarness.Json).Length;

    private static UserDocument Sealed(UserDocument document)
    {
        return document;
    }

    private static UserDocument BuildDocument(string userId, List<SequencedEvent> history)
    {
        var document = UserDocument.Create(userId, CompiledDefinitions.Default);
        document.Apply(history, Partition, CompiledDefinitions.Default, DeliveryRules.Default, new EventOutcome[history.Count]);
        return document;
    }

    private static string Row(string profile, long bytesWritten, string path, long calls, double charged, double estimated) =>
        string.Create(CultureInfo.InvariantCulture,
            $"| {profile} | {bytesWritten / Updates} B | {path} | {(double)calls / Updates:F2} | {charged / Updates:F2} | {estimated / Updates:F2} |");

    /// <summary>
    /// The best a patch can do without reading the document: increment the type's count and value, the newest minute,
    /// hour and day windows (their indexes known from the mirror of the seed), set the watermark and the last event
    /// time, add the affinity contribution without rescaling, and prepend the item and append the event id.
    /// </summary>
    private static (List<PatchOperation> Operations, string Filter) PatchFor(UserAggregate mirror, SequencedEvent e)
    {
        var t = (int)e.Event.Type;
        var operations = new List<PatchOperation>
        {
            PatchOperation.Increment($"/counts/{t}", 1),
            PatchOperation.Increment($"/values/{t}", e.Event.Value),
            PatchOperation.Increment($"/minute/{mirror.Minute.Count - 1}/counts/{t}", 1),
            PatchOperation.Increment($"/hour/{mirror.Hour.Count - 1}/counts/{t}", 1),
            PatchOperation.Increment($"/day/{mirror.Day.Count - 1}/counts/{t}", 1),
            PatchOperation.Set($"/watermarks/{Partition}", e.SequenceNumber),
            PatchOperation.Set("/lastEventTime", e.Event.Timestamp),
            PatchOperation.Increment($"/affinity/{e.Event.Category}", AggregationRules.Default.Weights[t] * e.Event.Value),
            PatchOperation.Add("/recentItems/0", new RecentItem { ItemId = e.Event.ItemId, Time = e.Event.Timestamp }),
            PatchOperation.Add("/seen/-", new SeenEvent { EventId = e.Event.EventId, PartitionId = Partition, SequenceNumber = e.SequenceNumber, EnqueuedTime = e.EnqueuedTime }),
        };
        return (operations, $"FROM c WHERE c.watermarks[\"{Partition}\"] < {e.SequenceNumber.ToString(CultureInfo.InvariantCulture)}");
    }

    /// <summary>The seed history of a profile and the start of its newest minute (updates land in that minute).</summary>
    private static (List<SequencedEvent> Events, DateTimeOffset Now) History(string profile)
    {
        var now = new DateTimeOffset(2026, 3, 2, 18, 0, 0, TimeSpan.Zero);
        var times = new List<DateTimeOffset>();
        if (profile == "fresh")
        {
            times.AddRange([now.AddSeconds(-50), now.AddSeconds(-20), now]);
        }
        else
        {
            var heavy = profile == "heavy";
            for (var minutes = (heavy ? 30 : 12) * 24 * 60; minutes > 120; minutes -= 53) times.Add(now.AddMinutes(-minutes)); // days of history
            for (var minutes = 120; minutes > 15; minutes -= heavy ? 3 : 10) times.Add(now.AddMinutes(-minutes));               // the last 2 hours
            for (var seconds = 15 * 60; seconds >= 0; seconds -= heavy ? 90 : 300) times.Add(now.AddSeconds(-seconds));        // the last 15 minutes
        }
        return (times.Select((time, i) => Event("seed", i, time, i)).ToList(), now);
    }

    private static SequencedEvent Event(string userId, long seq, DateTimeOffset time, long variant) => new(
        new TreasureEvent($"{userId}-{seq}", userId, $"item-{variant * 7 % 41}", Categories[variant % Categories.Length],
            (EventType)(variant % EventTypes.Count), 1 + variant % 5, time),
        seq, time.AddSeconds(1));

    private static UserAggregate Build(string userId, List<SequencedEvent> history)
    {
        var aggregate = UserAggregate.Create(userId);
        aggregate.Apply(history, Partition, AggregationRules.Default, new EventOutcome[history.Count]);
        return aggregate;
    }

    private static DateTimeOffset MinuteStart(DateTimeOffset t) => DateTimeOffset.FromUnixTimeSeconds(WindowSize.Minute.StartOf(t));

    /// <summary>Fewest patch operations that turn <paramref name="a"/> into <paramref name="b"/>: per object key a set /
    /// add / remove or the nested operations; per array an edit script (insert, remove, or the nested operations of an element).</summary>
    private static int Ops(JsonNode? a, JsonNode? b)
    {
        if (JsonNode.DeepEquals(a, b)) return 0;
        if (a is JsonObject oa && b is JsonObject ob)
        {
            return oa.Select(p => p.Key).Union(ob.Select(p => p.Key))
                .Sum(k => !oa.ContainsKey(k) || !ob.ContainsKey(k) ? 1 : Ops(oa[k], ob[k]));
        }
        if (a is JsonArray xa && b is JsonArray xb)
        {
            var cost = new int[xa.Count + 1, xb.Count + 1];
            for (var i = 0; i <= xa.Count; i++) cost[i, 0] = i;
            for (var j = 0; j <= xb.Count; j++) cost[0, j] = j;
            for (var i = 1; i <= xa.Count; i++)
            {
                for (var j = 1; j <= xb.Count; j++)
                {
                    cost[i, j] = Math.Min(Math.Min(cost[i - 1, j] + 1, cost[i, j - 1] + 1), cost[i - 1, j - 1] + Ops(xa[i - 1], xb[j - 1]));
                }
            }
            return cost[xa.Count, xb.Count];
        }
        return 1;
    }
}
