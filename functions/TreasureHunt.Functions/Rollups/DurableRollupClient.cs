using Microsoft.DurableTask.Client;
using Microsoft.DurableTask.Entities;
using TreasureHunt.Core.Ports;
using TreasureHunt.Core.Rollups;
using TreasureHunt.Pipeline.Entities;

namespace TreasureHunt.Functions.Rollups;

/// <summary>
/// <see cref="IRollupClient"/> over Durable Functions entities, using the current invocation's
/// <c>[DurableClient]</c> binding (the isolated worker cannot inject a <c>DurableTaskClient</c>): a function wraps its work
/// in <c>using var _ = DurableRollupClient.Use(client);</c>.
/// </summary>
internal sealed class DurableRollupClient : IRollupClient
{
    private static readonly AsyncLocal<DurableTaskClient?> Ambient = new();

    /// <summary>Makes <paramref name="client"/> the one used by this invocation until the scope is disposed.</summary>
    public static Scope Use(DurableTaskClient client)
    {
        ArgumentNullException.ThrowIfNull(client);
        var previous = Ambient.Value;
        Ambient.Value = client;
        return new Scope(previous);
    }

    public static EntityInstanceId ShardId(string shardKey) => new(RollupEntityNames.ItemShard, shardKey);

    public static EntityInstanceId GlobalId { get; } = new(RollupEntityNames.GlobalTotals, RollupEntityNames.GlobalKey);

    public async Task SignalAsync(RollupSignals signals, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(signals);
        var entities = Client.Entities;
        await Task.WhenAll(signals.Shards.Select(s =>
            entities.SignalEntityAsync(ShardId(s.Key), ItemShardEntity.ApplyOperation, s.Value, cancellation: cancellationToken)));
        await entities.SignalEntityAsync(GlobalId, GlobalTotalsEntity.ApplyOperation, signals.Global, cancellation: cancellationToken);
    }

    public async Task<ItemShardState?> GetShardAsync(string shardKey, CancellationToken cancellationToken) =>
        (await Client.Entities.GetEntityAsync<ItemShardState>(ShardId(shardKey), includeState: true, cancellationToken))?.State;

    public async Task<GlobalTotalsState?> GetGlobalAsync(CancellationToken cancellationToken) =>
        (await Client.Entities.GetEntityAsync<GlobalTotalsState>(GlobalId, includeState: true, cancellationToken))?.State;

    private static DurableTaskClient Client => Ambient.Value ?? throw new InvalidOperationException(
        "No DurableTaskClient is bound to this invocation: the function must take a [DurableClient] DurableTaskClient " +
        "parameter and call DurableRollupClient.Use(client) before reaching the rollups.");

    public readonly struct Scope(DurableTaskClient? previous) : IDisposable
    {
        public void Dispose() => Ambient.Value = previous;
    }
}
