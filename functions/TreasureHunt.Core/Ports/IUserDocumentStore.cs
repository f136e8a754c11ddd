using TreasureHunt.Core.Aggregation;

namespace TreasureHunt.Core.Ports;

/// <summary>Durable user documents (Cosmos <c>users</c> container in the product).</summary>
public interface IUserDocumentStore
{
    /// <summary>Point read, upgraded on read to the current schema and definitions; null when the user has no document yet.</summary>
    Task<UserDocument?> GetAsync(string userId, CancellationToken cancellationToken);

    /// <summary>
    /// Reads the user's document (or a new one), runs <paramref name="apply"/> on it and writes it back with
    /// optimistic concurrency. On a conflict it reloads and runs <paramref name="apply"/> again on the fresh copy,
    /// so <paramref name="apply"/> must be a pure function of the document it is given. Returns false when
    /// <paramref name="apply"/> reported no change (nothing written).
    /// </summary>
    Task<bool> UpdateAsync(string userId, Func<UserDocument, bool> apply, CancellationToken cancellationToken);

    /// <summary>True when the store groups concurrent updates into batch requests (Cosmos bulk execution): the caller then
    /// submits all of a batch's updates at once instead of a bounded few, so no batch waits for the grouping timer.</summary>
    bool GroupsConcurrentUpdates => false;

    /// <summary>Deletes the user's document (an erasure) and anything cached of it; false when there was none.</summary>
    Task<bool> DeleteAsync(string userId, CancellationToken cancellationToken);
}
