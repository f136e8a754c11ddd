using TreasureHunt.Local.Hosting;
using TreasureHunt.Storage;
using TreasureHunt.Storage.Cosmos;

namespace TreasureHunt.Tools.Cli;

/// <summary>
/// A bench host's own storage: a Cosmos database, Azurite tables and a task hub named after one prefix, dropped once
/// measured. So no run inherits another's rows: Azurite saves its whole table store every 5 s, and a cost ledger grown
/// over earlier runs made that save (and every queue and table answer behind it) slower run after run.
/// </summary>
internal sealed record BenchStorage(string Root, string Database, string Prefix)
{
    /// <summary>The host settings that point it at this storage (table and task hub names: letters and digits); the
    /// caller adds its own.</summary>
    public Dictionary<string, string> Settings() => new()
    {
        ["Cosmos__Database"] = Database,
        ["TaskHubName"] = Prefix,
        ["Tables__CostLedgerTable"] = $"{Prefix}costledger",
        ["Tables__DeadLettersTable"] = $"{Prefix}deadletters",
        ["Tables__CheckpointsTable"] = $"{Prefix}checkpoints",
        ["Tables__ParkedTable"] = $"{Prefix}parked",
        ["Tables__ErasuresTable"] = $"{Prefix}erasures",
    };

    /// <summary>Drops the database, then the Azurite tables, queues and blob containers whose names start with the
    /// prefix (the host must be stopped).</summary>
    public async Task DropAsync(CancellationToken cancellationToken)
    {
        var configuration = LocalConfiguration.Build(Root, new Dictionary<string, string?>());
        var options = new CosmosOptions();
        Microsoft.Extensions.Configuration.ConfigurationBinder.Bind(configuration.GetSection(CosmosOptions.Section), options);
        using (var cosmos = CosmosClientFactory.Create(options))
        {
            using var _ = await cosmos.GetDatabase(Database).DeleteStreamAsync(cancellationToken: cancellationToken);
        }

        var tables = new Azure.Data.Tables.TableServiceClient(configuration["Tables:ConnectionString"]);
        var names = new List<string>();
        await foreach (var table in tables.QueryAsync(cancellationToken: cancellationToken)) names.Add(table.Name);
        foreach (var name in names.Where(n => n.StartsWith(Prefix, StringComparison.OrdinalIgnoreCase))) await tables.DeleteTableAsync(name, cancellationToken);
        var storage = configuration["AzureWebJobsStorage"];
        var queues = new Azure.Storage.Queues.QueueServiceClient(storage);
        var queueNames = new List<string>();
        await foreach (var queue in queues.GetQueuesAsync(prefix: Prefix, cancellationToken: cancellationToken)) queueNames.Add(queue.Name);
        foreach (var name in queueNames) await queues.DeleteQueueAsync(name, cancellationToken);
        var blobs = new Azure.Storage.Blobs.BlobServiceClient(storage);
        var containers = new List<string>();
        await foreach (var container in blobs.GetBlobContainersAsync(prefix: Prefix, cancellationToken: cancellationToken)) containers.Add(container.Name);
        foreach (var name in containers)
        {
            var container = blobs.GetBlobContainerClient(name);
            try
            {
                await container.DeleteAsync(cancellationToken: cancellationToken);
            }
            catch (Azure.RequestFailedException e) when (e.ErrorCode == "LeaseIdMissing")
            {
                // The task hub's lease container keeps the stopped host's lease: break it, then delete.
                await Azure.Storage.Blobs.Specialized.SpecializedBlobExtensions.GetBlobLeaseClient(container).BreakAsync(TimeSpan.Zero, cancellationToken: cancellationToken);
                await container.DeleteAsync(cancellationToken: cancellationToken);
            }
        }
    }
}
