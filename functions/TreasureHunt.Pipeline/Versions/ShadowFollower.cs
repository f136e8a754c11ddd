using Microsoft.Extensions.Logging;
using TreasureHunt.Core.Events;

namespace TreasureHunt.Pipeline.Versions;

/// <summary>
/// Keeps the shadow versions current from the live stream: after the live processor has handled a partition batch
/// (and before the host checkpoints it), the same batch is applied to every registered version that is neither the
/// configured one nor retired, and to the configured version's keys when it keeps them per batch
/// (<see cref="DefinitionsVersion.UsersFromLive"/>). A shadow that has not reached the batch yet is left to its back-fill
/// (<see cref="ShadowOutcome.Behind"/>). With no shadow registered this costs no Cosmos request per batch (the
/// registry view is cached, <see cref="DefinitionsVersions"/>). A failure propagates: the host retries the batch
/// (the live part is then a no-op) and never checkpoints past a batch a shadow has not taken.
/// </summary>
public sealed class ShadowFollower(DefinitionsVersions versions, ShadowBatchProcessor processor, ILogger<ShadowFollower> logger)
{
    public async Task FollowAsync(PartitionBatch batch, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(batch);
        var snapshot = await versions.CurrentAsync(cancellationToken);
        foreach (var shadow in snapshot.KeptPerBatch)
        {
            var outcome = await processor.ProcessAsync(shadow, batch, from: null, cancellationToken);
            if (outcome == ShadowOutcome.Behind)
            {
                logger.LogDebug("Partition {PartitionId}: shadow version {Version} has not reached {First} yet (back-fill running)",
                    batch.PartitionId, shadow.Version, batch.FirstSequenceNumber);
            }
        }
    }
}
