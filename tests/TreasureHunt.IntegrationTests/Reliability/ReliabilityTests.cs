using System.Diagnostics;
using System.Text.Json;
using TreasureHunt.Tools.Load;
using TreasureHunt.Testing;
using Xunit.Abstractions;

namespace TreasureHunt.IntegrationTests.Reliability;

/// <summary>
/// The exactly-once effect, end to end: the local host as a child process made to deliver every batch twice, fed
/// duplicates and every kind of bad message, and made to lose its Cosmos data — and each time the aggregates equal the
/// ground truth computed independently from the events. Killing the host with SIGKILL mid-stream (twice, under
/// injected faults, with a poison user) is <see cref="ChaosTests"/>.
/// </summary>
[Collection(EmulatorFixture.CollectionName)]
public sealed class ReliabilityTests(EmulatorFixture fixture, ITestOutputHelper output)
{
    [Fact]
    public async Task Delivering_every_batch_twice_gives_the_same_aggregates()
    {
        await using var host = new HostProcess(fixture, output, "twice", new Dictionary<string, string> { ["Local__DeliverTwice"] = "true" });
        await host.StartAsync();
        var (messages, truth) = Generate(20_000, new LoadProfile(Users: 2_000, Items: 500, DuplicateRate: 0, BadRate: 0, Seed: 11));
        await SendAsync(host.Client, messages, default);
        await host.WaitUntilSettledAsync(messages.Count, truth.Events, TimeSpan.FromMinutes(5));
        await AggregateAssertions.AssertMatchesAsync(host, truth, fixture, output);
    }

    [Fact]
    public async Task Duplicates_are_counted_once_and_every_bad_message_is_dead_lettered_with_its_reason()
    {
        await using var host = new HostProcess(fixture, output, "dirty");
        await host.StartAsync();
        var generator = new EventGenerator(new LoadProfile(Users: 2_000, Items: 500, DuplicateRate: 0.01, BadRate: 0.01, Seed: 13));
        var messages = new List<byte[]>();
        var truth = new GroundTruth();
        var expectedReasons = new Dictionary<string, int>();
        long duplicates = 0;
        var now = DateTimeOffset.UtcNow;
        while (messages.Count < 30_000 || expectedReasons.Count < BadMessages.Kinds.Select(k => k.ExpectedReason).Distinct().Count())
        {
            var m = generator.Next(now);
            messages.Add(m.Body);
            if (m.BadKind >= 0)
            {
                var reason = BadMessages.Kinds[m.BadKind].ExpectedReason;
                expectedReasons[reason] = expectedReasons.GetValueOrDefault(reason) + 1;
            }
            else
            {
                if (m.IsDuplicate) duplicates++;
                truth.Add(m.Body);
            }
        }
        Assert.True(BadMessages.Kinds.Count >= 20);
        await SendAsync(host.Client, messages, default);
        await host.WaitUntilSettledAsync(messages.Count, truth.Events, TimeSpan.FromMinutes(5));

        await AggregateAssertions.AssertMatchesAsync(host, truth, fixture, output, sampledItems: 60);
        var (_, totals) = await host.Client.GetAsync("/api/totals", default);
        Assert.Equal(duplicates, totals.GetProperty("duplicatesDropped").GetInt64());
        Assert.Equal(expectedReasons.Values.Sum(), totals.GetProperty("deadLettered").GetInt64());

        var (status, deadLetters) = await host.Client.GetAsync("/api/deadletters?top=1000&from=" + Uri.EscapeDataString(now.AddHours(-1).ToString("O")), default);
        Assert.Equal(200, status);
        var actualReasons = deadLetters.GetProperty("items").EnumerateArray()
            .GroupBy(d => d.GetProperty("reason").GetString()!).ToDictionary(g => g.Key, g => g.Count());
        Assert.Equal(expectedReasons.OrderBy(kv => kv.Key), actualReasons.OrderBy(kv => kv.Key));
        output.WriteLine($"{duplicates} duplicates dropped; dead letters by reason: {JsonSerializer.Serialize(actualReasons)}");
    }

    [Fact]
    public async Task Aggregates_are_rebuilt_from_the_event_log_when_the_cosmos_data_is_lost()
    {
        await using var host = new HostProcess(fixture, output, "rebuild");
        await host.StartAsync();
        var (messages, truth) = Generate(10_000, new LoadProfile(Users: 1_000, Items: 300, DuplicateRate: 0, BadRate: 0, Seed: 17));
        await SendAsync(host.Client, messages, default);
        await host.WaitUntilSettledAsync(messages.Count, truth.Events, TimeSpan.FromMinutes(5));
        host.Kill();

        // What an emulator crash (or a restart without its snapshot) does: the Cosmos data is gone, Azurite's is not.
        using (await fixture.Cosmos.GetDatabase(host.Database).DeleteStreamAsync()) { }
        await host.StartAsync();
        Assert.Equal("2", File.ReadAllText(Path.Combine(host.StateDir, "generation")).Trim()); // rebuilt: entities in a new task hub
        await host.WaitUntilSettledAsync(messages.Count, truth.Events, TimeSpan.FromMinutes(5));
        await AggregateAssertions.AssertMatchesAsync(host, truth, fixture, output, sampledItems: 60);
    }

    internal static (List<byte[]> Messages, GroundTruth Truth) Generate(int count, LoadProfile profile)
    {
        var generator = new EventGenerator(profile);
        var truth = new GroundTruth();
        var messages = new List<byte[]>(count);
        for (var i = 0; i < count; i++)
        {
            var body = generator.Next(DateTimeOffset.UtcNow).Body;
            messages.Add(body);
            truth.Add(body);
        }
        return (messages, truth);
    }

    /// <summary>Sends in 1000-message NDJSON requests; a request cut by a kill is sent again (at-least-once producer).</summary>
    internal static async Task SendAsync(HostClient client, List<byte[]> messages, CancellationToken cancellationToken)
    {
        foreach (var chunk in messages.Chunk(1000))
        {
            await client.PostNdjsonAsync(Ndjson.Join(chunk), cancellationToken);
        }
    }
}
