using System.Text;
using System.Text.Json;
using Microsoft.Azure.Cosmos;
using TreasureHunt.Core.Rollups;
using TreasureHunt.Storage.Cosmos;
using TreasureHunt.Testing;

namespace TreasureHunt.IntegrationTests.Storage;

/// <summary>
/// Cosmos DB time to live on the local emulator, as Azure applies it: idle users expire <c>Retention:IdleUserDays</c>
/// after their last write (the users container's <c>defaultTtl</c>), hour leaderboards by their own <c>ttl</c>.
/// </summary>
[Collection(EmulatorFixture.CollectionName)]
public sealed class TimeToLiveTests(EmulatorFixture emulators)
{
    private static async Task WriteAsync(CosmosUserDocumentStore store, string userId, long sequence) =>
        Assert.True((await TestEvents.ApplyAsync(store, userId, "0", [TestEvents.At(userId, "0", sequence)])).Changed);

    [Fact]
    public async Task An_idle_user_expires_after_its_last_write_and_a_written_one_lives_on()
    {
        await using var cosmos = await CosmosHarness.CreateAsync(emulators, "ttlusers");
        var database = cosmos.Client.GetDatabase(cosmos.Options.Database);
        await CosmosClientFactory.EnsureUsersContainerAsync(database, "idle", idleUserSeconds: null, default);
        await CosmosClientFactory.EnsureUsersContainerAsync(database, "idle", idleUserSeconds: 3, default); // a changed setting reaches the existing container
        Assert.Equal(3, (await database.GetContainer("idle").ReadContainerAsync()).Resource.DefaultTimeToLive);
        var store = cosmos.UserStore(false, database.GetContainer("idle"));

        await WriteAsync(store, "idle-user", 1);
        await WriteAsync(store, "active-user", 1);
        await Task.Delay(TimeSpan.FromSeconds(2));
        await WriteAsync(store, "active-user", 2); // refreshes its time to live
        await Task.Delay(TimeSpan.FromSeconds(1.6));
        Assert.Null(await store.GetAsync("idle-user", default));      // 3.6 s after its only write
        Assert.NotNull(await store.GetAsync("active-user", default)); // 1.6 s after its last write
        await Task.Delay(TimeSpan.FromSeconds(3.5));
        Assert.Null(await store.GetAsync("active-user", default));
        // The sweep deleted them, so queries (the change feed, the export) do not see them either.
        using var query = database.GetContainer("idle").GetItemQueryIterator<JsonElement>("SELECT c.id FROM c");
        Assert.Empty((await query.ReadNextAsync()).Resource);
    }

    [Fact]
    public async Task Hour_leaderboards_expire_by_their_own_ttl_and_all_time_ones_stay()
    {
        await using var cosmos = await CosmosHarness.CreateAsync(emulators, "ttlboards");
        var store = cosmos.ItemRollups();
        var hour = LeaderboardDocument.Create("view", 1_000);
        hour.TimeToLiveSeconds = 1;
        Assert.True(await store.TryWriteLeaderboardAsync(hour, default));
        Assert.True(await store.TryWriteLeaderboardAsync(LeaderboardDocument.Create("view", null), default));
        await Task.Delay(TimeSpan.FromSeconds(2.5));
        Assert.Null(await store.GetLeaderboardAsync(hour.Id, default));
        Assert.NotNull(await store.GetLeaderboardAsync(LeaderboardDocument.IdOf("view", null), default));
    }

    [Fact]
    public async Task An_items_own_ttl_is_ignored_while_its_container_has_ttl_off()
    {
        await using var cosmos = await CosmosHarness.CreateAsync(emulators, "ttloff");
        var container = cosmos.Client.GetContainer(cosmos.Options.Database, cosmos.Options.ItemsContainer); // no defaultTtl
        var body = Encoding.UTF8.GetBytes("""{"id":"t-1","ttl":1}""");
        using (var created = await container.CreateItemStreamAsync(new MemoryStream(body), new PartitionKey("t-1"))) created.EnsureSuccessStatusCode();
        await Task.Delay(TimeSpan.FromSeconds(2.5));
        using var read = await container.ReadItemStreamAsync("t-1", new PartitionKey("t-1"));
        Assert.True(read.IsSuccessStatusCode, $"read answered {(int)read.StatusCode}");
    }
}
