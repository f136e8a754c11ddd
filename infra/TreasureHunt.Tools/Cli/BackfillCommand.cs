using System.ComponentModel;
using System.Globalization;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Spectre.Console;
using Spectre.Console.Cli;
using TreasureHunt.Core.Features;
using TreasureHunt.Core.History;
using TreasureHunt.Core.Ports;
using TreasureHunt.Local.EventLog;
using TreasureHunt.Local.Hosting;
using TreasureHunt.Pipeline;
using TreasureHunt.Pipeline.Processing;
using TreasureHunt.Pipeline.Versions;
using TreasureHunt.Storage;
using TreasureHunt.Storage.History;

namespace TreasureHunt.Tools.Cli;

/// <summary>
/// <c>th backfill --definitions FILE [--from TIME]</c>: registers FILE's version as a shadow (its own users container)
/// and computes it from the whole history with the live path's code, in this process, reading the local event log
/// read-only (<see cref="LocalEventLogHistorySource"/>) while the host keeps appending to it. Checkpointed per batch:
/// run it again after a crash and it resumes. Ends when the shadow has caught up with the live stream (the running
/// hosts keep it current from then on); then <c>th features promote VERSION</c> serves it.
/// </summary>
internal sealed class BackfillCommand : AsyncCommand<BackfillCommand.Settings>
{
    public sealed class Settings : CommandSettings
    {
        [CommandOption("--definitions <FILE>"), Description("the new feature-definitions document (a higher version than every registered one)")]
        public string Definitions { get; init; } = "";

        [CommandOption("--from <TIME>"), Description("only events enqueued at or after TIME (ISO-8601) are aggregated; default: the whole history")]
        public string? From { get; init; }

        [CommandOption("--source <SOURCE>"), Description("the history: capture:<connection-string-or-account-url>/<container> (Event Hubs Capture files), default the local event log")]
        public string? Source { get; init; }

        [CommandOption("--event-hub <NAMESPACE/EVENTHUB>"), Description("with a capture source holding several event hubs: which one")]
        public string? EventHub { get; init; }

        [CommandOption("--tail <EVENTHUB>"), Description("with a capture source: after the last captured message, read the hub's retained tail, eventhub:<namespace.servicebus.windows.net>/<hub>[/<consumer group>] (managed identity), so the back-fill reaches the live position under continuous traffic")]
        public string? Tail { get; init; }

        [CommandOption("--batch <N>"), Description("messages per batch (default 1000)")]
        public int Batch { get; init; } = 1000;

        public override ValidationResult Validate()
        {
            if (string.IsNullOrWhiteSpace(Definitions)) return ValidationResult.Error("--definitions FILE is required");
            if (!File.Exists(Definitions)) return ValidationResult.Error($"no such file: {Definitions}");
            if (From is not null && !DateTimeOffset.TryParse(From, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out _))
            {
                return ValidationResult.Error($"--from must be an ISO-8601 time, not '{From}'");
            }
            if (Source is not null && !ExportCommand.TryParseCapture(Source, out _, out _, out var sourceError)) return ValidationResult.Error(sourceError);
            if (Tail is not null && Source is null) return ValidationResult.Error("--tail follows a capture source: give --source capture:… too");
            if (Tail is not null && !TryParseTail(Tail, out _, out _, out _, out var tailError)) return ValidationResult.Error(tailError);
            return Batch is < 1 or > 10_000 ? ValidationResult.Error("--batch must be 1..10000") : ValidationResult.Success();
        }
    }

    /// <summary><c>eventhub:&lt;namespace host&gt;/&lt;hub&gt;[/&lt;consumer group&gt;]</c>.</summary>
    internal static bool TryParseTail(string tail, out string fullyQualifiedNamespace, out string hub, out string consumerGroup, out string error)
    {
        fullyQualifiedNamespace = hub = "";
        consumerGroup = Azure.Messaging.EventHubs.Consumer.EventHubConsumerClient.DefaultConsumerGroupName;
        error = "";
        var parts = tail.StartsWith("eventhub:", StringComparison.Ordinal) ? tail["eventhub:".Length..].Split('/') : [];
        if (parts.Length is < 2 or > 3 || parts.Any(string.IsNullOrWhiteSpace) || !parts[0].Contains('.', StringComparison.Ordinal))
        {
            error = $"--tail must be eventhub:<namespace.servicebus.windows.net>/<hub>[/<consumer group>], not '{tail}'";
            return false;
        }
        fullyQualifiedNamespace = parts[0];
        hub = parts[1];
        if (parts.Length == 3) consumerGroup = parts[2];
        return true;
    }

    public override async Task<int> ExecuteAsync(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var configuration = LocalConfiguration.Build(LocalConfiguration.FindRepoRoot(), new Dictionary<string, string?>());
        FeatureDefinitions candidate;
        try
        {
            candidate = FeatureDefinitionsReader.Parse(await File.ReadAllTextAsync(settings.Definitions, cancellationToken), settings.Definitions);
        }
        catch (FeatureDefinitionsException e)
        {
            Console.Error.WriteLine(e.Message);
            return 1;
        }
        await using var services = CliServices.Build(configuration);
        await services.GetRequiredService<StorageInitializer>().EnsureCreatedAsync(cancellationToken);
        RegisteredDefinitions registration;
        try
        {
            registration = await services.GetRequiredService<DefinitionsAdmin>().RegisterShadowAsync(candidate, cancellationToken);
        }
        catch (Exception e) when (e is InvalidOperationException or FeatureDefinitionsException)
        {
            Console.Error.WriteLine($"th backfill: {e.Message}");
            return 1;
        }
        var compiled = FeatureDefinitionsReader.Compile(registration.Parse(), settings.Definitions);
        var target = DefinitionsVersion.Shadow(registration.Version, registration.Status, compiled,
            services.GetRequiredService<IUserStoreFactory>().For(registration.UsersContainer, compiled), registration.UsersContainer,
            services.GetRequiredService<IKeyedStoreFactory>(), registration.KeyedContainer);
        var source = ExportCommand.OpenHistory(settings.Source, settings.EventHub, configuration);
        if (settings.Tail is not null && TryParseTail(settings.Tail, out var fullyQualifiedNamespace, out var hub, out var consumerGroup, out _))
        {
            source = new ChainedHistorySource(source, new EventHubTailHistorySource(fullyQualifiedNamespace, hub, new Azure.Identity.DefaultAzureCredential(), consumerGroup));
        }
        var from = settings.From is null ? (DateTimeOffset?)null : DateTimeOffset.Parse(settings.From, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal);
        var group = ConsumerGroupName.From(configuration).Value;
        AnsiConsole.MarkupLineInterpolated($"Back-filling version {registration.Version} into container [bold]{registration.UsersContainer}[/]{(target.KeyedContainer is { } keyed ? $" and its keyed groups into [bold]{keyed}[/]" : "")} from {source.Description}{(from is null ? "" : $", events from {from:O}")} (consumer group {ShadowProgress.ConsumerGroupOf(registration.Version)})");

        BackfillProgress? last = null;
        await AnsiConsole.Progress()
            .AutoClear(false)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn(), new SpinnerColumn())
            .StartAsync(async progress =>
            {
                var task = progress.AddTask($"version {registration.Version}", maxValue: 1);
                var reporter = new Progress<BackfillProgress>(p =>
                {
                    last = p;
                    var rate = p.Elapsed.TotalSeconds > 0 ? p.AppliedThisRun / p.Elapsed.TotalSeconds : 0;
                    task.MaxValue = Math.Max(1, p.Target);
                    task.Value = Math.Min(p.Position, task.MaxValue);
                    task.Description = $"version {registration.Version}: {p.Position:N0}/{p.Target:N0} events, {rate:N0} events/s{(p.CaughtUp ? ", caught up" : "")}";
                });
                try
                {
                    await services.GetRequiredService<HistoryBackfill>().RunAsync(target, registration, source, group,
                        new BackfillSettings(settings.Batch, from), reporter, cancellationToken);
                }
                finally
                {
                    (source as IDisposable)?.Dispose();
                }
                task.Value = task.MaxValue;
                task.StopTask();
            });
        await services.GetRequiredService<DefinitionsAdmin>().MarkCaughtUpAsync(registration.Version, cancellationToken);
        AnsiConsole.MarkupLineInterpolated($"[green]Version {registration.Version} caught up[/] ({last?.AppliedThisRun ?? 0:N0} messages applied by this run in {last?.Elapsed.TotalSeconds ?? 0:N1} s); the running hosts keep it current. Serve it with: ./th features promote {registration.Version}");
        return 0;
    }
}

/// <summary>The stores and pipeline services a CLI command uses against the configured Cosmos account (no host, no entities).</summary>
internal static class CliServices
{
    public static ServiceProvider Build(IConfiguration configuration)
    {
        var services = new ServiceCollection();
        services.AddLogging(b => b.AddSimpleConsole(o => o.SingleLine = true).SetMinimumLevel(LogLevel.Warning));
        services.AddSingleton(configuration);
        services.AddTreasureHuntStorage(configuration);
        services.AddTreasureHuntPipeline(configuration);
        return services.BuildServiceProvider();
    }
}
