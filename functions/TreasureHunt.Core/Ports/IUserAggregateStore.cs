using TreasureHunt.Core.Aggregation;

namespace TreasureHunt.Core.Ports;

/// <summary>Durable user aggregates (Cosmos <c>users</c> container in the product).</summary>
public interface IUserAggregateStore
{
    /// <summary>Point read; null when the user has no aggregate yet.</summary>
    Task<UserAggregate?> GetAsync(string userId, CancellationToken cancellationToken);

    /// <summary>
    /// Reads the user's aggregate (or a new one), runs <paramref name="apply"/> on it and writes it back with
    /// optimistic concurrency. On a conflict it reloads and runs <paramref name="apply"/> again on the fresh copy,
    /// so <paramref name="apply"/> must be a pure function of the aggregate it is given. Returns false when
    /// <paramref name="apply"/> reported no change (nothing written).
    /// </summary>
    Task<bool> UpdateAsync(string userId, Func<UserAggregate, bool> apply, CancellationToken cancellationToken);
}
