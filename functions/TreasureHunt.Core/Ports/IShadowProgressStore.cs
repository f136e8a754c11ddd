using TreasureHunt.Core.History;

namespace TreasureHunt.Core.Ports;

/// <summary>Per shadow version and partition, how far the stream has been applied (<see cref="ShadowProgress"/>).</summary>
public interface IShadowProgressStore
{
    /// <summary>The stored progress, or a new one (ETag null, nothing applied).</summary>
    Task<ShadowProgress> GetAsync(int version, string partitionId, CancellationToken cancellationToken);

    /// <summary>Writes if nobody changed it since it was read (ETag); false on a conflict. Updates the ETag.</summary>
    Task<bool> TryReplaceAsync(ShadowProgress progress, CancellationToken cancellationToken);
}
