using System.Text.Json;
using FsCheck.Xunit;
using TreasureHunt.Core.Aggregation;
using TreasureHunt.Core.Events;
using TreasureHunt.Testing.Reference;
using static TreasureHunt.Core.Tests.ReferenceData;
using static TreasureHunt.Core.Tests.TestData;

namespace TreasureHunt.Core.Tests;

/// <summary>
/// <see cref="DeliveryState"/> against the reference: the schema-1 <see cref="UserAggregate.Apply"/> decides every
/// delivery the same way and keeps the same remembered ids, duplicates and watermarks, batch by batch.
/// </summary>
public class DeliveryStateTests
{
    private const int Cases = 200;

    private static AggregationRules RandomRules(Random rng) => new(new ReferenceOptions
    {
        DuplicateHorizonMinutes = rng.Next(4) switch { 0 => 0, 1 => 1, _ => 15 },
        MaxRememberedEventIdsPerUser = rng.Next(3) == 0 ? 2000 : rng.Next(1, 40),
    });

    [Property(MaxTest = Cases)]
    public void Decisions_equal_the_schema1_aggregate_batch_by_batch_with_json_round_trips(int seed)
    {
        var rng = new Random(seed);
        var rules = RandomRules(rng);
        var streams = new DeliveryStreams(rng, rules.DuplicateHorizon);
        var reference = UserAggregate.Create("u-1");
        var state = DeliveryState.Create();
        var batches = rng.Next(1, 60);
        for (var b = 0; b < batches; b++)
        {
            var (partition, batch) = streams.Next();
            var expected = Apply(reference, batch, rules, partition).Select(DeliveryStreams.ToDecision).ToArray();
            var actual = DeliveryStreams.Decide(state, partition, batch, rules);

            Assert.Equal(expected, actual);
            DeliveryStreams.AssertSame(reference, state);
            // The reference is never reloaded: a live schema-1 instance counts the horizon back from the newest time it
            // has seen, a reloaded one from the newest it still remembers (they differ only after a remembered newest
            // id was replaced by an older copy from beyond the horizon). The state stores that time: reloaded or not,
            // it decides as the live instance.
            if (rng.Next(3) == 0) state = RoundTrip(state);
        }
    }

    [Property(MaxTest = Cases)]
    public void A_state_upgraded_from_a_schema1_document_decides_as_the_schema1_aggregate_continues(int seed)
    {
        var rng = new Random(seed);
        var rules = RandomRules(rng);
        var streams = new DeliveryStreams(rng, rules.DuplicateHorizon);
        var reference = UserAggregate.Create("u-1");
        for (var b = rng.Next(1, 30); b > 0; b--)
        {
            var (partition, batch) = streams.Next();
            Apply(reference, batch, rules, partition);
        }
        // Today's document as stored, read back; the state is built from its three delivery fields, and the schema-1
        // aggregate continues from the same document.
        reference = Clone(reference);
        var state = DeliveryState.FromSchema1(reference.Watermarks, reference.Seen, reference.Duplicates);
        DeliveryStreams.AssertSame(reference, state);
        for (var b = rng.Next(1, 30); b > 0; b--)
        {
            var (partition, batch) = streams.Next();
            var expected = Apply(reference, batch, rules, partition).Select(DeliveryStreams.ToDecision).ToArray();
            Assert.Equal(expected, DeliveryStreams.Decide(state, partition, batch, rules));
            if (rng.Next(3) == 0) state = RoundTrip(state);
        }
        DeliveryStreams.AssertSame(reference, state);
    }

    [Fact]
    public void A_redelivered_duplicate_stays_a_duplicate_after_its_original_was_forgotten()
    {
        var t = Utc("2026-11-27T12:00:00Z");
        var state = DeliveryState.Create();
        var horizon = TimeSpan.FromMinutes(15);
        Assert.Equal([DeliveryDecision.New], Decide(state, "0", horizon, ("e-1", 1, t)));
        (string, long, DateTimeOffset)[] batch = [("e-1", 2, t.AddMinutes(1)), ("e-2", 3, t.AddMinutes(20))];
        Assert.Equal([DeliveryDecision.Duplicate, DeliveryDecision.New], Decide(state, "0", horizon, batch));
        Assert.Equal(1, state.RememberedIds); // e-1 is forgotten: 20 minutes older than e-2
        state = RoundTrip(state);
        Assert.Equal([DeliveryDecision.Duplicate, DeliveryDecision.AlreadyApplied], Decide(state, "0", horizon, batch));
        Assert.Equal(3, state.Watermarks["0"]);
    }

    [Fact]
    public void The_cap_forgets_the_oldest_and_counts_them()
    {
        var t = Utc("2026-11-27T12:00:00Z");
        var state = DeliveryState.Create();
        var events = Enumerable.Range(1, 5).Select(i => ($"e-{i}", (long)i, t.AddSeconds(i))).ToArray();
        Decide(state, "0", TimeSpan.FromMinutes(15), 3, events);

        Assert.Equal(3, state.RememberedIds);
        Assert.Equal(2, state.ForgottenAtCap);
        Assert.Equal([DeliveryDecision.New, DeliveryDecision.Duplicate],
            Decide(state, "0", TimeSpan.FromMinutes(15), 3, ("e-1", 6, t.AddSeconds(6)), ("e-5", 7, t.AddSeconds(7))));
        Assert.Equal(3, state.ForgottenAtCap);
        Assert.Equal(3, RoundTrip(state).ForgottenAtCap);
    }

    [Fact]
    public void Decide_outside_a_batch_and_bad_arguments_are_refused()
    {
        var state = DeliveryState.Create();
        Assert.Throws<InvalidOperationException>(() => state.Decide("e-1", 1, DateTimeOffset.UnixEpoch));
        Assert.Throws<InvalidOperationException>(() => state.End());
        Assert.Throws<ArgumentOutOfRangeException>(() => state.Begin("0", TimeSpan.FromMinutes(-1), 10));
        Assert.Throws<ArgumentOutOfRangeException>(() => state.Begin("0", TimeSpan.FromMinutes(1), 0));
        state.Begin("0", TimeSpan.FromMinutes(1), 1);
        Assert.Throws<InvalidOperationException>(() => state.Begin("0", TimeSpan.FromMinutes(1), 1));
    }

    [Fact]
    public void The_json_form_round_trips_and_names_its_fields()
    {
        var t = Utc("2026-11-27T12:00:00Z");
        var state = DeliveryState.Create();
        Decide(state, "3", TimeSpan.FromMinutes(15), ("a", 10, t), ("a", 11, t.AddSeconds(1)), ("b", 12, t.AddTicks(5)));
        Decide(state, "7", TimeSpan.MaxValue, ("c", long.MaxValue, DateTimeOffset.MaxValue), ("d", long.MinValue + 1, DateTimeOffset.MinValue.AddYears(1)));

        var json = JsonSerializer.Serialize(state);
        using var doc = JsonDocument.Parse(json);
        Assert.Equal(["partitions", "watermarks", "seen", "duplicates", "forgottenAtCap"], doc.RootElement.EnumerateObject().Select(p => p.Name));
        Assert.Equal("[\"3\",\"7\"]", doc.RootElement.GetProperty("partitions").GetRawText());
        Assert.Equal($"[12,{long.MaxValue}]", doc.RootElement.GetProperty("watermarks").GetRawText());

        var back = JsonSerializer.Deserialize<DeliveryState>(json)!;
        Assert.Equal(json, JsonSerializer.Serialize(back));
        Assert.Equal(state.Entries.ToArray(), back.Entries.ToArray());
        Assert.Equal(state.Duplicates.ToArray(), back.Duplicates.ToArray());
        Assert.Equal(4, back.RememberedIds);
        Assert.Equal(1, back.RecordedDuplicates);
    }

    [Theory]
    [InlineData("{\"partitions\":[\"0\"],\"seen\":\"gA==\"}", "seen")]                       // long form, truncated
    [InlineData("{\"partitions\":[\"0\"],\"seen\":\"AAAAAAAAAAAA\"}", "seen")]               // a short entry first
    [InlineData("{\"partitions\":[],\"seen\":\"gQAAAAAAAAAAAAAA\"}", "seen")]                // partition index out of range
    [InlineData("{\"partitions\":[\"0\"],\"duplicates\":\"BQAA\"}", "duplicates")]           // partition index out of range
    [InlineData("{\"partitions\":[\"0\",\"0\"]}", "listed twice")]
    [InlineData("{\"partitions\":[\"0\"],\"watermarks\":[1,2]}", "2 watermarks")]
    [InlineData("[]", "object")]
    public void Malformed_json_is_refused_with_the_field_named(string json, string named)
    {
        var error = Assert.Throws<JsonException>(() => JsonSerializer.Deserialize<DeliveryState>(json));
        Assert.Contains(named, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_hash_is_xxhash3_of_the_ids_utf16_code_units()
    {
        // Pinned: stored hashes must stay valid across versions (XxHash3, seed 0, over UTF-16 little-endian).
        Assert.Equal(System.IO.Hashing.XxHash3.HashToUInt64(System.Text.Encoding.Unicode.GetBytes("e-123")), DeliveryState.HashOf("e-123"));
        Assert.NotEqual(DeliveryState.HashOf("e-123"), DeliveryState.HashOf("e-124"));
    }

    internal static DeliveryState RoundTrip(DeliveryState state) =>
        JsonSerializer.Deserialize<DeliveryState>(JsonSerializer.Serialize(state))!;

    private static DeliveryDecision[] Decide(DeliveryState state, string partition, TimeSpan horizon, params (string Id, long Seq, DateTimeOffset Enqueued)[] events) =>
        Decide(state, partition, horizon, 2000, events);

    private static DeliveryDecision[] Decide(DeliveryState state, string partition, TimeSpan horizon, int cap, params (string Id, long Seq, DateTimeOffset Enqueued)[] events)
    {
        state.Begin(partition, horizon, cap);
        var decisions = events.Select(e => state.Decide(e.Id, e.Seq, e.Enqueued)).ToArray();
        state.End();
        return decisions;
    }
}
