using System.ComponentModel;
using Azure.Identity;
using Microsoft.Extensions.Configuration;
using Spectre.Console;
using Spectre.Console.Cli;
using TreasureHunt.Core.Aggregation;
using TreasureHunt.Core.Events;
using TreasureHunt.Core.Features;
using TreasureHunt.Core.History;
using TreasureHunt.Local.EventLog;
using TreasureHunt.Local.Hosting;
using TreasureHunt.Pipeline.Export;
using TreasureHunt.Pipeline.Queries;
using TreasureHunt.Storage.History;

namespace TreasureHunt.Tools.Cli;

/// <summary>
/// th export --as-of LABELS --features a,b [--group G]: point-in-time training rows — for each label row (userId, timestamp;
/// with --group the group's key fields and timestamp) the requested user (or keyed group) features as they were at
/// that time, replayed from the history through the live aggregation code (<see cref="PointInTimeExport"/>,
/// <see cref="PointInTimeKeyedExport"/>; semantics in docs/data-model.md). Needs no emulator and no running host.
/// </summary>
internal sealed class ExportCommand : AsyncCommand<ExportCommand.Settings>
{
    public const string CaptureScheme = "capture:";

    public sealed class Settings : CommandSettings
    {
        [CommandOption("--as-of <LABELS>"), Description("label rows: a .csv (header userId,timestamp; with --group the key fields and timestamp) or .parquet file; timestamps ISO-8601 with Z or an offset")]
        public string? AsOf { get; init; }

        [CommandOption("--features <NAMES>"), Description("comma-separated user features of the definitions, or with --group the group's features (th features show)")]
        public string? Features { get; init; }

        [CommandOption("--group <GROUP>"), Description("export a keyed group's features instead of user features: the label file has one column per key field of the group (such as itemId,country,timestamp)")]
        public string? Group { get; init; }

        [CommandOption("--window <WINDOW>"), Description("lifetime, or a sliding window lastN{m|h|d} counted back from each row's timestamp, as the features route"), DefaultValue("lifetime")]
        public string Window { get; init; } = "lifetime";

        [CommandOption("--out <FILE>"), Description("the .csv or .parquet file to write (default: LABELS with .features before the extension)")]
        public string? Out { get; init; }

        [CommandOption("--definitions <FILE>"), Description("feature definitions (default: Features__DefinitionsPath, else the default definitions)")]
        public string? Definitions { get; init; }

        [CommandOption("--source <SOURCE>"), Description("the history: capture:<connection-string-or-account-url>/<container> (Event Hubs Capture files), default the local event log")]
        public string? Source { get; init; }

        [CommandOption("--event-hub <NAMESPACE/EVENTHUB>"), Description("with a capture source holding several event hubs: which one")]
        public string? EventHub { get; init; }

        public string OutPath => Out ?? Path.ChangeExtension(AsOf!, ".features" + Path.GetExtension(AsOf!));

        public override ValidationResult Validate()
        {
            if (string.IsNullOrWhiteSpace(AsOf)) return ValidationResult.Error("--as-of LABELS is required (a .csv or .parquet file of userId,timestamp rows)");
            if (!LabelFile.IsSupported(AsOf)) return ValidationResult.Error($"--as-of must name a .csv or .parquet file (got '{AsOf}')");
            if (!File.Exists(AsOf)) return ValidationResult.Error($"--as-of: no such file: {AsOf}");
            if (string.IsNullOrWhiteSpace(Features) || Features.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Length == 0)
            {
                return ValidationResult.Error("--features is required: comma-separated user feature names (th features show lists them)");
            }
            if (!QueryWindow.TryParse(Window, out _)) return ValidationResult.Error($"--window must be 'lifetime' or lastN followed by m, h or d, such as last7d (got '{Window}')");
            if (!LabelFile.IsSupported(OutPath)) return ValidationResult.Error($"--out must name a .csv or .parquet file (got '{Out}')");
            var outDirectory = Path.GetDirectoryName(Path.GetFullPath(OutPath))!;
            if (!Directory.Exists(outDirectory)) return ValidationResult.Error($"--out: no such directory: {outDirectory}");
            if (Path.GetFullPath(OutPath) == Path.GetFullPath(AsOf)) return ValidationResult.Error("--out must not be the label file");
            if (Definitions is not null && !File.Exists(Definitions)) return ValidationResult.Error($"--definitions: no such file: {Definitions}");
            if (Source is not null && !TryParseCapture(Source, out _, out _, out var sourceError)) return ValidationResult.Error(sourceError);
            if (EventHub is not null && (Source is null || EventHub.Trim('/').Split('/').Length != 2))
            {
                return ValidationResult.Error("--event-hub takes NAMESPACE/EVENTHUB and goes with --source capture:…");
            }
            return ValidationResult.Success();
        }
    }

    public override async Task<int> ExecuteAsync(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var configuration = LocalConfiguration.Build(LocalConfiguration.FindRepoRoot(), new Dictionary<string, string?>());
        CompiledDefinitions definitions;
        try
        {
            definitions = FeatureDefinitionsReader.Load(settings.Definitions ?? configuration["Features:DefinitionsPath"]);
        }
        catch (FeatureDefinitionsException e)
        {
            return BadInput(e.Message);
        }
        QueryWindow.TryParse(settings.Window, out var window);
        if (settings.Group is not null) return await ExportGroupAsync(settings, configuration, definitions, window, cancellationToken);
        if (!FeatureAnswers.TryResolve(settings.Features, definitions.User, "user", window, DateTimeOffset.UtcNow, out var features, out var featureError))
        {
            return BadInput(featureError);
        }
        IReadOnlyList<LabelRow> labels;
        try
        {
            labels = await LabelFile.ReadAsync(settings.AsOf!, DateTimeOffset.UtcNow, cancellationToken);
        }
        catch (LabelFileException e)
        {
            return BadInput(e.Message);
        }

        var aggregation = configuration.GetSection(AggregationOptions.Section).Get<AggregationOptions>() ?? new AggregationOptions();
        var source = OpenSource(settings, configuration);
        try
        {
            Console.Error.WriteLine($"th export: {labels.Count:N0} label rows, features {string.Join(", ", features.Select(f => f.Name))} ({window}), history {source.Description}");
            var contract = configuration.GetSection(ContractOptions.Section).Get<ContractOptions>() ?? new ContractOptions();
            var export = new PointInTimeExport(definitions, DeliveryRules.From(aggregation)) { MaxEventAge = contract.MaxEventAge };
            var result = await export.RunAsync(source, labels, features, window, p =>
                Console.Error.WriteLine($"  {p.MessagesRead:N0} messages read ({p.MessagesRead / Math.Max(p.Elapsed.TotalSeconds, 1e-3):N0}/s), {p.RowsAnswered:N0}/{p.Rows:N0} rows answered"),
                cancellationToken);
            var columns = ExportColumns.For(features, definitions);
            await ExportFile.WriteAsync(settings.OutPath, result.AnsweredRows(labels), result.Values, columns, cancellationToken);
            var s = result.Summary;
            AnsiConsole.MarkupLine($"[green]{Markup.Escape(settings.OutPath)}[/]: {s.Rows - s.ErasedRowsWithheld:N0} rows × {columns.Count} feature columns; " +
                (s.ErasedRowsWithheld > 0 ? $"{s.ErasedRowsWithheld:N0} label rows withheld (their user was erased); " : "") +
                $"{s.MessagesRead:N0} history messages read, {s.EventsApplied:N0} events of {s.UsersWithEvents:N0} labelled users applied, " +
                $"{s.DeadLettered:N0} dead letters skipped, at most {s.PeakDocuments:N0} user documents held; {s.Elapsed.TotalSeconds:N1} s " +
                $"({s.MessagesRead / Math.Max(s.Elapsed.TotalSeconds, 1e-3):N0} messages/s)");
            return 0;
        }
        finally
        {
            (source as IDisposable)?.Dispose();
        }
    }

    /// <summary><c>--group</c>: the keyed group's features for each label row's key as of its time (<see cref="PointInTimeKeyedExport"/>).</summary>
    private static async Task<int> ExportGroupAsync(Settings settings, IConfiguration configuration, CompiledDefinitions definitions, QueryWindow window, CancellationToken cancellationToken)
    {
        if (definitions.Group(settings.Group!) is not { } group)
        {
            return BadInput($"--group: unknown group '{settings.Group}'; declared: {string.Join(", ", definitions.Groups.Select(g => g.Name))}");
        }
        if (!FeatureAnswers.TryResolve(settings.Features, group.Features, group.Name, window, DateTimeOffset.UtcNow, out var features, out var featureError))
        {
            return BadInput(featureError);
        }
        IReadOnlyList<KeyedLabelRow> labels;
        try
        {
            labels = await LabelFile.ReadKeyedAsync(settings.AsOf!, group, DateTimeOffset.UtcNow, cancellationToken);
        }
        catch (LabelFileException e)
        {
            return BadInput(e.Message);
        }
        var aggregation = configuration.GetSection(AggregationOptions.Section).Get<AggregationOptions>() ?? new AggregationOptions();
        var contract = configuration.GetSection(ContractOptions.Section).Get<ContractOptions>() ?? new ContractOptions();
        var source = OpenSource(settings, configuration);
        try
        {
            Console.Error.WriteLine($"th export: {labels.Count:N0} label rows of group {group.Name} ({string.Join(", ", group.KeyNames)}), features {string.Join(", ", features.Select(f => f.Name))} ({window}), history {source.Description}");
            var export = new PointInTimeKeyedExport(definitions, DeliveryRules.From(aggregation)) { MaxEventAge = contract.MaxEventAge };
            var result = await export.RunAsync(source, group, labels, features, window, p =>
                Console.Error.WriteLine($"  {p.MessagesRead:N0} messages read ({p.MessagesRead / Math.Max(p.Elapsed.TotalSeconds, 1e-3):N0}/s), {p.RowsAnswered:N0}/{p.Rows:N0} rows answered"),
                cancellationToken);
            var columns = ExportColumns.For(features, definitions);
            await ExportFile.WriteAsync(settings.OutPath, group.KeyNames.ToList(), labels.Select(l => new ExportFile.ExportRow(l.Index, l.Key, l.Time)).ToList(), result.Values, columns, cancellationToken);
            var s = result.Summary;
            AnsiConsole.MarkupLine($"[green]{Markup.Escape(settings.OutPath)}[/]: {s.Rows:N0} rows × {columns.Count} feature columns; " +
                $"{s.MessagesRead:N0} history messages read, {s.EventsApplied:N0} events of {s.UsersWithEvents:N0} labelled keys applied, " +
                $"{s.DeadLettered:N0} dead letters skipped, at most {s.PeakDocuments:N0} key states held; {s.Elapsed.TotalSeconds:N1} s");
            return 0;
        }
        finally
        {
            (source as IDisposable)?.Dispose();
        }
    }

    /// <summary>The history to replay: the capture container of --source, else the local event log.</summary>
    private static IHistorySource OpenSource(Settings settings, IConfiguration configuration) => OpenHistory(settings.Source, settings.EventHub, configuration);

    /// <summary>The history of <c>th export</c> and <c>th backfill</c>: a capture container (<c>--source capture:…</c>), else the local event log, read-only.</summary>
    public static IHistorySource OpenHistory(string? source, string? eventHub, IConfiguration configuration)
    {
        if (source is not null)
        {
            TryParseCapture(source, out var account, out var container, out _);
            return account.StartsWith("http://", StringComparison.OrdinalIgnoreCase) || account.StartsWith("https://", StringComparison.OrdinalIgnoreCase)
                ? CaptureHistorySource.FromUri(new Uri(account.TrimEnd('/') + "/" + container), new DefaultAzureCredential(), eventHub)
                : CaptureHistorySource.FromConnectionString(account, container, eventHub);
        }
        return new LocalEventLogHistorySource(Path.Combine(configuration["Local:StateDir"] ?? ".th", "log"));
    }

    /// <summary><c>capture:&lt;connection string or account URL&gt;/&lt;container&gt;</c>: the container is the text after the last '/'.</summary>
    public static bool TryParseCapture(string source, out string account, out string container, out string error)
    {
        account = container = error = "";
        if (!source.StartsWith(CaptureScheme, StringComparison.Ordinal))
        {
            error = $"--source must be {CaptureScheme}<connection-string-or-account-url>/<container> (got '{source}')";
            return false;
        }
        var rest = source[CaptureScheme.Length..];
        var slash = rest.LastIndexOf('/');
        if (slash <= 0 || slash == rest.Length - 1)
        {
            error = $"--source {CaptureScheme}… must end with /<container>, such as {CaptureScheme}https://ACCOUNT.blob.core.windows.net/{CaptureHistorySource.DefaultContainer}";
            return false;
        }
        account = rest[..slash];
        container = rest[(slash + 1)..];
        if (container.Length is < 3 or > 63 || !container.All(c => c is >= 'a' and <= 'z' or >= '0' and <= '9' or '-'))
        {
            error = $"--source: '{container}' is not a blob container name (3-63 lowercase letters, digits and hyphens)";
            return false;
        }
        return true;
    }

    private static int BadInput(string message) => throw new BadInputException(message.Split('\n')[0]);
}
