using System.ComponentModel;
using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using Spectre.Console;
using Spectre.Console.Cli;
using TreasureHunt.Local.Hosting;
using TreasureHunt.Pipeline.Erasure;
using TreasureHunt.Storage;

namespace TreasureHunt.Tools.Cli;

/// <summary>
/// <c>th erasures reapply --since TIME</c>: after a point-in-time restore of the Cosmos data to TIME, applies again every
/// erasure the erasure log says was applied since then (<see cref="ErasureReapplier"/>), against the configured Cosmos
/// account and tables. Run it before the hosts process again (docs/deploy.md, "Erasures after a point-in-time restore").
/// </summary>
internal sealed class ErasuresReapplyCommand : AsyncCommand<ErasuresReapplyCommand.Settings>
{
    public sealed class Settings : CommandSettings
    {
        [CommandOption("--since <TIME>"), Description("the restore point (ISO-8601): erasures applied at or after it are applied again")]
        public string Since { get; init; } = "";

        public override ValidationResult Validate() =>
            DateTimeOffset.TryParse(Since, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out _)
                ? ValidationResult.Success()
                : ValidationResult.Error($"--since must be an ISO-8601 time, not '{Since}'");
    }

    public override async Task<int> ExecuteAsync(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var configuration = LocalConfiguration.Build(LocalConfiguration.FindRepoRoot(), new Dictionary<string, string?>());
        await using var services = CliServices.Build(configuration);
        await services.GetRequiredService<StorageInitializer>().EnsureCreatedAsync(cancellationToken);
        var since = DateTimeOffset.Parse(settings.Since, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal);
        var report = await services.GetRequiredService<ErasureReapplier>().ReapplyAsync(since, TreasureHunt.Pipeline.Processing.ConsumerGroupName.From(configuration).Value, cancellationToken);
        AnsiConsole.MarkupLineInterpolated(
            $"{report.Erasures:N0} erasures applied since {since:O}: {report.DocumentsDeleted:N0} documents deleted again ({report.UsersScanned:N0} ids scanned), {report.ProgressUpdated:N0} progress documents given their tombstone back");
        return 0;
    }
}
