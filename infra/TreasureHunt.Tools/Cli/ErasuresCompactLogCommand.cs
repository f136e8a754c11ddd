using Microsoft.Extensions.DependencyInjection;
using Spectre.Console;
using Spectre.Console.Cli;
using TreasureHunt.Core.Ports;
using TreasureHunt.Local.EventLog;
using TreasureHunt.Local.Hosting;

namespace TreasureHunt.Tools.Cli;

/// <summary>
/// <c>th erasures compact-log</c>: removes erased users' earlier records from the local event log of a stopped host now
/// (<see cref="ErasureCompaction"/>, through each partition's checkpoint). The running host does the same by itself
/// after each erasure and at start-up; this command refuses to run while it is up, since the host owns the log files.
/// </summary>
internal sealed class ErasuresCompactLogCommand : AsyncCommand<ErasuresCompactLogCommand.Settings>
{
    public sealed class Settings : CommandSettings;

    public override async Task<int> ExecuteAsync(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var configuration = LocalConfiguration.Build(LocalConfiguration.FindRepoRoot(), new Dictionary<string, string?>());
        var options = LocalHostOptions.From(configuration);
        if (HostOwnership.RecordedPid(options.StateDir) is { } pid && LocalProcesses.IsOurs(pid, "serve"))
        {
            AnsiConsole.MarkupLineInterpolated($"[red]The host (pid {pid}) is running on {options.StateDir}: it compacts its log itself after each erasure. Stop it first (./th down) to compact from here.[/]");
            return 1;
        }
        if (!Directory.Exists(options.LogDir))
        {
            AnsiConsole.MarkupLineInterpolated($"No event log in {options.LogDir}: nothing to compact.");
            return 0;
        }
        await using var services = CliServices.Build(configuration);
        var checkpoints = services.GetRequiredService<ICheckpointStore>();
        var consumerGroup = TreasureHunt.Pipeline.Processing.ConsumerGroupName.From(configuration).Value;
        using var log = new LocalEventLog(options.LogDir, options.Partitions);
        foreach (var partition in log.Partitions)
        {
            long? checkpoint;
            try
            {
                checkpoint = await checkpoints.GetAsync(consumerGroup, partition.PartitionId, cancellationToken);
            }
            catch (Azure.RequestFailedException e) when (e.Status == 404)
            {
                checkpoint = null; // no checkpoints table: nothing was processed yet
            }
            var result = checkpoint is { } through
                ? await ErasureCompaction.CompactAsync(partition, through, cancellationToken)
                : new ErasureCompaction.Result(0, 0, 0);
            AnsiConsole.MarkupLineInterpolated(
                $"partition {partition.PartitionId}: {result.Erasures:N0} erasures through sequence number {checkpoint ?? -1}: {result.Removed:N0} records removed, {result.BytesFreed:N0} bytes freed");
        }
        return 0;
    }
}
