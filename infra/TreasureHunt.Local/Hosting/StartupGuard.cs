using Microsoft.Azure.Cosmos;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using TreasureHunt.Core.Ports;
using TreasureHunt.Local.EventLog;
using TreasureHunt.Pipeline.Processing;
using TreasureHunt.Storage;

namespace TreasureHunt.Local.Hosting;

/// <summary>
/// Runs before anything processes: creates missing containers and tables, then checks that the stores agree with
/// each other. The Cosmos emulator keeps data in memory (snapshotted to disk by our start-up layer); if it lost
/// data — the database is empty or older than the checkpoints — or Azurite lost the checkpoints, the aggregates
/// no longer match the events acknowledged. Then the aggregates are rebuilt from the durable event log: the
/// Cosmos database is recreated, the rollup entities move to a fresh task hub (a new generation), the
/// checkpoints are cleared and every partition replays from sequence number 0.
/// </summary>
internal sealed class StartupGuard(
    StorageInitializer storage,
    CosmosClient cosmos,
    IOptions<CosmosOptions> cosmosOptions,
    IProgressStore progress,
    ICheckpointStore checkpoints,
    LocalEventLog log,
    LocalGeneration generation,
    ConsumerGroupName consumerGroup,
    ILogger<StartupGuard> logger)
{
    /// <summary>Runs before the host starts anything else — in particular before the entity host is created, whose task hub name depends on the generation.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        await storage.EnsureCreatedAsync(cancellationToken);
        var reason = await FindInconsistencyAsync(cancellationToken);
        if (reason is null)
        {
            return;
        }
        logger.LogWarning("Stores disagree ({Reason}): rebuilding every aggregate from the event log ({Messages} messages)", reason, log.TotalMessages);
        await cosmos.GetDatabase(cosmosOptions.Value.Database).DeleteStreamAsync(cancellationToken: cancellationToken);
        await storage.EnsureCreatedAsync(cancellationToken);
        foreach (var partition in log.Partitions)
        {
            await checkpoints.SetAsync(consumerGroup.Value, partition.PartitionId, -1, cancellationToken);
        }
        generation.Advance();
    }

    private async Task<string?> FindInconsistencyAsync(CancellationToken cancellationToken)
    {
        foreach (var partition in log.Partitions)
        {
            var stored = await checkpoints.GetAsync(consumerGroup.Value, partition.PartitionId, cancellationToken);
            var checkpoint = stored ?? -1;
            var applied = (await progress.GetAsync(consumerGroup.Value, partition.PartitionId, cancellationToken)).AppliedThrough;
            if (stored is null && applied >= 0)
            {
                return $"partition {partition.PartitionId}: Cosmos has applied through {applied} but the checkpoints (and entities) in Azurite are gone";
            }
            if (applied < checkpoint)
            {
                return $"partition {partition.PartitionId}: checkpoint {checkpoint} but Cosmos has applied only through {applied}";
            }
            if (applied >= partition.NextSequenceNumber)
            {
                return $"partition {partition.PartitionId}: Cosmos has applied through {applied} but the log ends at {partition.NextSequenceNumber - 1}";
            }
        }
        return null;
    }
}

/// <summary>The rollup generation: which task hub holds the current entities (file <c>generation</c> in the state folder).</summary>
internal sealed class LocalGeneration(string stateDir)
{
    private string PathOf => System.IO.Path.Combine(stateDir, "generation");

    public int Current => File.Exists(PathOf) ? int.Parse(File.ReadAllText(PathOf).Trim(), System.Globalization.CultureInfo.InvariantCulture) : 1;

    public void Advance() => File.WriteAllText(PathOf, (Current + 1).ToString(System.Globalization.CultureInfo.InvariantCulture));
}
