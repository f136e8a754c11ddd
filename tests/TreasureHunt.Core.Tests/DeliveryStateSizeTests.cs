using System.Text.Json;
using TreasureHunt.Core.Aggregation;
using Xunit.Abstractions;

namespace TreasureHunt.Core.Tests;

/// <summary>
/// The size bounds stated on <see cref="DeliveryState"/>: ≤ 26 KB serialized for a user sending 3,000 events/s for
/// 15 minutes with 128-character ids at the default cap, ≤ 34 bytes a remembered id (before base64) whatever the
/// input, and the ids forgotten at the cap counted.
/// </summary>
public class DeliveryStateSizeTests(ITestOutputHelper output)
{
    private const int SizeBound = 26 * 1024;
    private static readonly DateTimeOffset Start = new(2026, 11, 27, 12, 0, 0, TimeSpan.Zero);
    private static readonly DeliveryRules Rules = DeliveryRules.Default;

    /// <summary>
    /// One partition; the user's messages interleaved with other users' (sequence numbers 1–4 apart); Event Hubs
    /// enqueue times (millisecond resolution); batches of 100; every id distinct and 128 characters long.
    /// </summary>
    private static (DeliveryState State, long New) HotUser(int eventsPerSecond, long total, int seed)
    {
        var rng = new Random(seed);
        var state = DeliveryState.Create();
        var id = new char[128];
        Array.Fill(id, 'x');
        var sequence = 1_000_000L;
        var fresh = 0L;
        for (long i = 0; i < total;)
        {
            state.Begin("7", Rules.Horizon, Rules.MaxRememberedIds);
            for (var b = 0; b < 100 && i < total; b++, i++)
            {
                i.TryFormat(id, out _); // a distinct id: the counter over a fixed 128-character pattern
                sequence += rng.Next(1, 5);
                var enqueued = Start.AddMilliseconds(Math.Floor(i * 1000.0 / eventsPerSecond));
                if (state.Decide(id, sequence, enqueued) == DeliveryDecision.New) fresh++;
            }
            state.End();
        }
        return (state, fresh);
    }

    [Fact]
    public void A_user_sending_3000_events_per_second_for_15_minutes_stays_within_26_KB()
    {
        const long events = 3000L * 15 * 60;
        var (state, fresh) = HotUser(3000, events, seed: 1);
        var json = JsonSerializer.SerializeToUtf8Bytes(state);

        Assert.Equal(events, fresh);
        Assert.Equal(Rules.MaxRememberedIds, state.RememberedIds);
        Assert.Equal(events - Rules.MaxRememberedIds, state.ForgottenAtCap);
        output.WriteLine($"3,000 events/s for 15 minutes, 128-character ids: {json.Length} bytes serialized");
        Assert.True(json.Length <= SizeBound, $"{json.Length} bytes > {SizeBound}");
        Assert.Equal(json, JsonSerializer.SerializeToUtf8Bytes(DeliveryStateTests.RoundTrip(state)));
    }

    [Fact]
    public void Two_million_distinct_long_ids_stay_within_the_bound_and_are_counted_as_forgotten()
    {
        // 2,000,000 distinct 128-character ids in about 11 minutes: all within the horizon, so only the cap forgets.
        var (state, fresh) = HotUser(3000, 2_000_000, seed: 2);
        Assert.Equal(2_000_000, fresh);
        Assert.Equal(2_000_000 - 2000, state.ForgottenAtCap);
        Assert.Equal(2000, state.RememberedIds);
        Assert.True(JsonSerializer.SerializeToUtf8Bytes(state).Length <= SizeBound);

        // The newest are remembered: a copy of the last id is a duplicate, a copy of an id forgotten at the cap is new.
        state.Begin("7", Rules.Horizon, Rules.MaxRememberedIds);
        var id = new char[128];
        Array.Fill(id, 'x');
        1_999_999L.TryFormat(id, out _);
        Assert.Equal(DeliveryDecision.Duplicate, state.Decide(id, long.MaxValue - 1, Start.AddMinutes(12)));
        Array.Fill(id, 'x');
        5L.TryFormat(id, out _);
        Assert.Equal(DeliveryDecision.New, state.Decide(id, long.MaxValue, Start.AddMinutes(12)));
        state.End();
    }

    [Fact]
    public void Whatever_the_input_a_remembered_id_takes_at_most_34_bytes()
    {
        // Adversarial: two partitions, tick-resolution enqueue times in any order, sequence numbers anywhere.
        var rng = new Random(3);
        var state = DeliveryState.Create();
        var horizon = TimeSpan.FromDays(10_000); // nothing is forgotten by age: the cap decides
        long[] sequences = [rng.NextInt64(long.MinValue / 2, 0), rng.NextInt64(long.MinValue / 2, 0)];
        for (var batch = 0; batch < 200; batch++)
        {
            state.Begin(batch % 2 == 0 ? "a-partition-with-a-long-id" : "b", horizon, 2000);
            for (var i = 0; i < 50; i++)
            {
                sequences[batch % 2] += rng.NextInt64(1, long.MaxValue / 100_000);
                var decision = state.Decide(Guid.NewGuid().ToString("N") + new string('y', 96), sequences[batch % 2], Start.AddTicks(rng.NextInt64(-TimeSpan.TicksPerDay * 3000, TimeSpan.TicksPerDay * 3000)));
                Assert.Equal(DeliveryDecision.New, decision);
            }
            state.End();
        }
        var json = JsonSerializer.SerializeToUtf8Bytes(state);
        using var doc = JsonDocument.Parse(json);
        var seen = doc.RootElement.GetProperty("seen").GetBytesFromBase64();

        Assert.Equal(2000, state.RememberedIds);
        Assert.Equal(8000, state.ForgottenAtCap);
        output.WriteLine($"adversarial: {seen.Length} bytes of entries, {json.Length} bytes serialized");
        Assert.True(seen.Length <= 2000 * DeliveryStateCodec.MaxEntryBytes, $"{seen.Length} bytes");
        Assert.True(seen.Length > 2000 * 16, "the input was meant to defeat the short form");
        Assert.Equal(json, JsonSerializer.SerializeToUtf8Bytes(DeliveryStateTests.RoundTrip(state)));
    }

    [Fact]
    public void A_typical_user_takes_about_a_hundred_bytes()
    {
        // Ten events in a day: after the last one, only ids within 15 minutes of it are remembered.
        var state = DeliveryState.Create();
        for (var i = 0; i < 10; i++)
        {
            state.Begin("3", Rules.Horizon, Rules.MaxRememberedIds);
            state.Decide(Guid.NewGuid().ToString(), 5_000_000L + i * 7919, Start.AddMinutes(i * 144).AddMilliseconds(i * 17));
            state.End();
        }
        var json = JsonSerializer.SerializeToUtf8Bytes(state);
        output.WriteLine($"typical user: {json.Length} bytes: {System.Text.Encoding.UTF8.GetString(json)}");
        Assert.Equal(1, state.RememberedIds);
        Assert.True(json.Length <= 128, $"{json.Length} bytes: {System.Text.Encoding.UTF8.GetString(json)}");
    }

    [Fact]
    public void In_steady_state_a_batch_allocates_nothing()
    {
        var state = DeliveryState.Create();
        var id = new char[128];
        Array.Fill(id, 'z');
        var sequence = 0L;
        void Batches(int count)
        {
            for (var b = 0; b < count; b++)
            {
                state.Begin("0", Rules.Horizon, Rules.MaxRememberedIds);
                for (var i = 0; i < 100; i++)
                {
                    (++sequence).TryFormat(id, out _);
                    // Every tenth message repeats the previous id: a producer duplicate, recorded and then pruned.
                    var copy = i % 10 == 9 ? sequence - 1 : sequence;
                    copy.TryFormat(id, out _);
                    state.Decide(id, sequence, Start.AddMilliseconds(sequence / 3));
                }
                state.End();
            }
        }

        Batches(200); // warm-up: the arrays grow to the user's steady state (cap 2,000 plus a batch)
        var before = GC.GetAllocatedBytesForCurrentThread();
        Batches(500);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(0, allocated);
        Assert.Equal(Rules.MaxRememberedIds, state.RememberedIds);
        Assert.True(state.RecordedDuplicates > 0);
    }
}
