using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using TreasureHunt.Core.Events;
using TreasureHunt.Core.Features;
using TreasureHunt.Core.History;
using Moq;
using TreasureHunt.Functions.Rollups;
using TreasureHunt.Functions.Tests.Fakes;
using TreasureHunt.Pipeline.Processing;
using TreasureHunt.Pipeline.Queries;
using TreasureHunt.Pipeline.Versions;

namespace TreasureHunt.Functions.Tests;

/// <summary>
/// Definitions versions over the real pipeline services and in-memory stores: a back-fill from the history
/// plus the live hand-over gives the same user documents as the live path from the start; a back-fill killed in the
/// middle resumes exactly once; promotion switches reads in one registry write; start-up refuses an incompatible
/// same-version change.
/// </summary>
public sealed class DefinitionsVersionsTests
{
    private const string Partition = "0";

    /// <summary>A random stream: 40 users, producer duplicates (same eventId again), events hours late.</summary>
    private static List<RawMessage> RandomStream(int seed, int count)
    {
        var random = new Random(seed);
        var messages = new List<RawMessage>(count);
        var ids = new List<(string EventId, string User)>();
        string[] types = ["click", "view", "purchase"];
        for (var i = 0; i < count; i++)
        {
            string eventId, user;
            if (ids.Count > 0 && random.NextDouble() < 0.1)
            {
                (eventId, user) = ids[random.Next(ids.Count)]; // a producer duplicate
            }
            else
            {
                eventId = $"e{i}";
                user = $"u{random.Next(40)}";
                ids.Add((eventId, user));
            }
            var lateBy = random.NextDouble() < 0.05 ? TimeSpan.FromHours(random.Next(2, 40)) : TimeSpan.FromSeconds(random.Next(0, 600));
            var timestamp = TestApp.Now.AddMinutes(-30).AddSeconds(i) - lateBy;
            var body = TestApp.Event(eventId, user, $"item-{random.Next(25)}", types[random.Next(types.Length)], timestamp, $"cat-{random.Next(8)}");
            messages.Add(new RawMessage(TestApp.Utf8(body), i, TestApp.Now.AddMinutes(-30).AddSeconds(i)));
        }
        return messages;
    }

    private static FeatureDefinitions Version2(bool extraFeature)
    {
        var definitions = FeatureDefinitionsReader.ReadDefault();
        definitions.Version = 2;
        if (extraFeature)
        {
            definitions.User.Add(new FeatureDefinition { Name = "purchases_lifetime", Aggregation = "count", Types = ["purchase"], Windows = ["lifetime"] });
        }
        return definitions;
    }

    /// <summary>The live path's user documents in a store with Cosmos's semantics (JSON round trip, no write when unchanged).</summary>
    private static InMemoryUserStore LiveStore(TestApp app)
    {
        var store = new InMemoryUserStore(CompiledDefinitions.Default);
        app.Users.Setup(u => u.GetAsync(It.IsAny<string>(), It.IsAny<CancellationToken>()))
            .Returns((string id, CancellationToken ct) => store.GetAsync(id, ct));
        app.Users.Setup(u => u.UpdateAsync(It.IsAny<string>(), It.IsAny<Func<Core.Aggregation.UserDocument, bool>>(), It.IsAny<CancellationToken>()))
            .Returns((string id, Func<Core.Aggregation.UserDocument, bool> apply, CancellationToken ct) => store.UpdateAsync(id, apply, ct));
        return store;
    }

    private static async Task LiveAsync(TestApp app, IReadOnlyList<RawMessage> messages, int batchSize)
    {
        using var rollups = DurableRollupClient.Use(app.Entities.AsClient());
        var processor = app.Services.GetRequiredService<PartitionBatchProcessor>();
        var follower = app.Services.GetRequiredService<ShadowFollower>();
        for (var i = 0; i < messages.Count; i += batchSize)
        {
            var batch = new PartitionBatch(Partition, messages.Skip(i).Take(batchSize).ToList());
            await processor.ProcessAsync(batch, "aggregator", default);
            await follower.FollowAsync(batch, default);
        }
    }

    private static async Task<(RegisteredDefinitions Registration, DefinitionsVersion Target)> RegisterAsync(TestApp app, FeatureDefinitions definitions)
    {
        await app.Services.GetRequiredService<DefinitionsStartupCheck>().RunAsync(default);
        var registration = await app.Services.GetRequiredService<DefinitionsAdmin>().RegisterShadowAsync(definitions, default);
        var compiled = FeatureDefinitionsReader.Compile(registration.Parse());
        return (registration, new DefinitionsVersion(registration.Version, registration.Status, compiled, app.UserStores.For(registration.UsersContainer, compiled), registration.UsersContainer));
    }

    private static Task BackfillAsync(TestApp app, (RegisteredDefinitions Registration, DefinitionsVersion Target) shadow, IHistorySource source, int batchSize) =>
        app.Services.GetRequiredService<HistoryBackfill>().RunAsync(shadow.Target, shadow.Registration, source, "aggregator", new BackfillSettings(batchSize), null, default);

    /// <summary>A stored document without the definitions version (the only field that differs by construction).</summary>
    private static string Normalize(string json, bool withoutLatestBatchDuplicates = false)
    {
        var node = JsonNode.Parse(json)!.AsObject();
        node.Remove("version");
        if (withoutLatestBatchDuplicates)
        {
            // The delivery state keeps the duplicate decisions of the latest batch (so a redelivery of that batch is
            // decided as before): bookkeeping of the batch boundaries, which a resumed back-fill draws elsewhere.
            node["delivery"]!.AsObject().Remove("duplicates");
        }
        return node.ToJsonString();
    }

    [Fact]
    public async Task A_backfill_then_the_live_hand_over_gives_the_documents_of_a_live_run_from_the_start()
    {
        var messages = RandomStream(seed: 14, count: 1200);
        using var app = new TestApp();
        var live = LiveStore(app);
        await LiveAsync(app, messages.Take(700).ToList(), batchSize: 37); // the live stream so far, version 1 only

        var shadow = await RegisterAsync(app, Version2(extraFeature: false));
        app.Clock.Advance(TimeSpan.FromSeconds(10)); // hosts re-read the registry within Features:RegistryRefreshSeconds
        await BackfillAsync(app, shadow, new ListHistorySource(Partition, messages.Take(700).ToList()), batchSize: 101);
        await app.Services.GetRequiredService<DefinitionsAdmin>().MarkCaughtUpAsync(2, default);
        await LiveAsync(app, messages.Skip(700).ToList(), batchSize: 53); // the live stream keeps the shadow current

        var shadowStore = app.UserStores.Stores["users-v2"];
        Assert.Equal(live.Documents.Keys.Order(), shadowStore.Documents.Keys.Order());
        foreach (var (userId, json) in live.Documents)
        {
            Assert.Equal(Normalize(json), Normalize(shadowStore.Documents[userId]));
        }
        Assert.Equal(1199, (await app.ShadowProgress.GetAsync(2, Partition, default)).AppliedThrough);
    }

    [Fact]
    public async Task A_backfill_killed_in_the_middle_resumes_and_applies_every_message_exactly_once()
    {
        var messages = RandomStream(seed: 9, count: 900);
        using var app = new TestApp();
        var live = LiveStore(app);
        await LiveAsync(app, messages, batchSize: 64);
        var shadow = await RegisterAsync(app, Version2(extraFeature: false));
        app.Clock.Advance(TimeSpan.FromSeconds(10));

        // The first run dies in its fourth batch, after some of that batch's user documents were written and before
        // its progress was: the resumed run applies that batch again, and the documents' delivery state drops what was in.
        var shadowStore = app.UserStores.Stores["users-v2"];
        shadowStore.FailAfterWrites = 3 * 40 + 7;
        await Assert.ThrowsAsync<IOException>(() => BackfillAsync(app, shadow, new ListHistorySource(Partition, messages), batchSize: 150));
        var stopped = (await app.ShadowProgress.GetAsync(2, Partition, default)).AppliedThrough;
        Assert.InRange(stopped, 0, 898);
        shadowStore.FailAfterWrites = int.MaxValue;

        await BackfillAsync(app, shadow, new ListHistorySource(Partition, messages), batchSize: 77); // resumed, other batch boundaries
        Assert.Equal(live.Documents.Keys.Order(), shadowStore.Documents.Keys.Order());
        foreach (var (userId, json) in live.Documents)
        {
            Assert.Equal(Normalize(json, withoutLatestBatchDuplicates: true), Normalize(shadowStore.Documents[userId], withoutLatestBatchDuplicates: true));
        }
    }

    [Fact]
    public async Task Promotion_switches_reads_in_one_write_and_the_previous_version_stays_readable_until_retired()
    {
        var messages = RandomStream(seed: 3, count: 300);
        using var app = new TestApp();
        var live = LiveStore(app);
        await LiveAsync(app, messages, batchSize: 50);
        var shadow = await RegisterAsync(app, Version2(extraFeature: true));
        app.Clock.Advance(TimeSpan.FromSeconds(10));
        var admin = app.Services.GetRequiredService<DefinitionsAdmin>();
        await Assert.ThrowsAsync<InvalidOperationException>(() => admin.PromoteAsync(2, default)); // not caught up yet
        await BackfillAsync(app, shadow, new ListHistorySource(Partition, messages), batchSize: 50);
        await admin.MarkCaughtUpAsync(2, default);
        var api = app.Services.GetRequiredService<QueryApi>();
        var user = live.Documents.Keys.First();

        var before = await Features(api, user, "");
        Assert.Equal(1, before.GetProperty("version").GetInt32());
        Assert.False(before.GetProperty("features").TryGetProperty("purchases_lifetime", out _));

        Assert.Equal(1, await admin.PromoteAsync(2, default)); // the previous active version
        app.Clock.Advance(TimeSpan.FromSeconds(10));
        var after = await Features(api, user, "");
        Assert.Equal(2, after.GetProperty("version").GetInt32());
        var purchases = (await live.GetAsync(user, default))!.Feature("events")!.Counts![Array.IndexOf(CompiledDefinitions.Default.TypeNames, "purchase")];
        Assert.Equal(purchases, after.GetProperty("features").GetProperty("purchases_lifetime").GetInt64());
        Assert.Equal(1, (await Features(api, user, "version=1")).GetProperty("version").GetInt32()); // still readable

        await Assert.ThrowsAsync<InvalidOperationException>(() => admin.RetireAsync(2, default)); // active
        await Assert.ThrowsAsync<InvalidOperationException>(() => admin.RetireAsync(1, default)); // the hosts' configured version
        await admin.PromoteAsync(1, default);
        await admin.RetireAsync(2, default);
        app.Clock.Advance(TimeSpan.FromSeconds(10));
        var retired = await api.GetUserFeaturesAsync(user, Query("names=events&version=2"), default);
        Assert.Equal(400, retired.StatusCode);
        Assert.Empty((await app.Services.GetRequiredService<DefinitionsVersions>().CurrentAsync(default)).Shadows);
    }

    [Fact]
    public async Task Start_up_refuses_a_same_version_change_that_removes_a_feature_and_records_a_compatible_addition()
    {
        using var app = new TestApp();
        await app.Services.GetRequiredService<DefinitionsStartupCheck>().RunAsync(default); // records version 1

        var removed = FeatureDefinitionsReader.ReadDefault();
        var name = removed.User[^1].Name;
        removed.User.RemoveAt(removed.User.Count - 1);
        var plan = DefinitionsRegistration.PlanStartup(await app.Registry.ReadAsync(default), removed, "users", TestApp.Now);
        var error = Assert.Single(plan.Errors);
        Assert.Contains($"'{name}'", error, StringComparison.Ordinal);
        Assert.Contains("removed without a new version", error, StringComparison.Ordinal);

        var added = FeatureDefinitionsReader.ReadDefault();
        added.User.Add(new FeatureDefinition { Name = "views_lifetime", Aggregation = "count", Types = ["view"], Windows = ["lifetime"] });
        plan = DefinitionsRegistration.PlanStartup(await app.Registry.ReadAsync(default), added, "users", TestApp.Now);
        Assert.False(plan.Refused);
        Assert.Contains("views_lifetime", Assert.Single(plan.Writes).Definitions, StringComparison.Ordinal);
    }

    private static async Task<JsonElement> Features(QueryApi api, string user, string extra)
    {
        var response = await api.GetUserFeaturesAsync(user, Query(extra), default);
        Assert.Equal(200, response.StatusCode);
        using var json = JsonDocument.Parse(response.Body);
        return json.RootElement.Clone();
    }

    private static IQueryCollection Query(string query) => new QueryCollection(Microsoft.AspNetCore.WebUtilities.QueryHelpers.ParseQuery("?" + query));
}

/// <summary>A history of one partition in memory.</summary>
internal sealed class ListHistorySource(string partitionId, IReadOnlyList<RawMessage> messages) : IHistorySource
{
    public string Description => "in-memory history";

    public Task<IReadOnlyList<string>> PartitionsAsync(CancellationToken cancellationToken) => Task.FromResult<IReadOnlyList<string>>([partitionId]);

    public Task<IReadOnlyList<RawMessage>> ReadAsync(string partition, long afterSequence, int maxMessages, CancellationToken cancellationToken)
    {
        IReadOnlyList<RawMessage> page = messages.Where(m => m.SequenceNumber > afterSequence).Take(maxMessages).ToList();
        return Task.FromResult(page);
    }
}
