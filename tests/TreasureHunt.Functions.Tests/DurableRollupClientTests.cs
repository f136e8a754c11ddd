using Microsoft.DurableTask.Client;
using Microsoft.DurableTask.Client.Entities;
using Microsoft.DurableTask.Entities;
using Moq;
using TreasureHunt.Core.Rollups;
using TreasureHunt.Functions.Rollups;

namespace TreasureHunt.Functions.Tests;

public sealed class DurableRollupClientTests
{
    private readonly Mock<DurableEntityClient> _entities = new("test");
    private readonly Mock<DurableTaskClient> _client = new("test");

    public DurableRollupClientTests() => _client.SetupGet(c => c.Entities).Returns(_entities.Object);

    [Fact]
    public async Task Signal_sends_one_apply_per_shard_and_one_to_the_global_entity()
    {
        var signals = new RollupSignals(
            "4",
            16,
            new Dictionary<string, ItemShardSignal> { ["16-2"] = new() { SourcePartition = "4", LastSequenceNumber = 9 }, ["16-11"] = new() { SourcePartition = "4", LastSequenceNumber = 9 } },
            new GlobalTotalsSignal { SourcePartition = "4", LastSequenceNumber = 9 });

        using (DurableRollupClient.Use(_client.Object))
        {
            await new DurableRollupClient().SignalAsync(signals, CancellationToken.None);
        }

        _entities.Verify(e => e.SignalEntityAsync(new EntityInstanceId("itemshard", "16-2"), "apply", signals.Shards["16-2"], null, It.IsAny<CancellationToken>()), Times.Once);
        _entities.Verify(e => e.SignalEntityAsync(new EntityInstanceId("itemshard", "16-11"), "apply", signals.Shards["16-11"], null, It.IsAny<CancellationToken>()), Times.Once);
        _entities.Verify(e => e.SignalEntityAsync(new EntityInstanceId("globaltotals", "all"), "apply", signals.Global, null, It.IsAny<CancellationToken>()), Times.Once);
        _entities.VerifyNoOtherCalls();
    }

    [Fact]
    public async Task Reads_return_the_entity_state_or_null()
    {
        var shard = new ItemShardState();
        _entities.Setup(e => e.GetEntityAsync<ItemShardState>(new EntityInstanceId("itemshard", "16-5"), true, It.IsAny<CancellationToken>()))
            .ReturnsAsync(new EntityMetadata<ItemShardState>(new EntityInstanceId("itemshard", "16-5"), shard));
        _entities.Setup(e => e.GetEntityAsync<GlobalTotalsState>(It.IsAny<EntityInstanceId>(), true, It.IsAny<CancellationToken>()))
            .ReturnsAsync((EntityMetadata<GlobalTotalsState>?)null);

        using (DurableRollupClient.Use(_client.Object))
        {
            var client = new DurableRollupClient();
            Assert.Same(shard, await client.GetShardAsync("16-5", CancellationToken.None));
            Assert.Null(await client.GetShardAsync("16-6", CancellationToken.None));
            Assert.Null(await client.GetGlobalAsync(CancellationToken.None));
        }
    }

    [Fact]
    public async Task Without_a_bound_durable_client_it_says_what_is_missing()
    {
        var client = new DurableRollupClient();
        using (DurableRollupClient.Use(_client.Object))
        {
            // bound inside the scope only
        }
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => client.GetGlobalAsync(CancellationToken.None));
        Assert.Contains("[DurableClient]", error.Message);
    }
}
