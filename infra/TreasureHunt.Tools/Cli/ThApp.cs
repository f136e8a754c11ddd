using Spectre.Console;
using Spectre.Console.Cli;

namespace TreasureHunt.Tools.Cli;

/// <summary>
/// The ./th command line: every command, its one-line example, and one rule for bad arguments — a settings class
/// rejects them in <c>Validate()</c> (or Spectre's parser does), the CLI prints one line and exits with
/// <see cref="BadArgumentsExitCode"/>. Anything else that fails prints its message and exits 1.
/// </summary>
internal static class ThApp
{
    public const int BadArgumentsExitCode = 2;

    /// <param name="console">Where output goes (tests capture it); the terminal when null.</param>
    /// <param name="errors">Where the one-line error goes (unwrapped, whatever the terminal width); stderr when null.</param>
    public static CommandApp Create(IAnsiConsole? console = null, TextWriter? errors = null)
    {
        var app = new CommandApp();
        app.Configure(config =>
        {
            config.SetApplicationName("th");
            if (console is not null) config.ConfigureConsole(console);
            config.ValidateExamples();
            config.UseStrictParsing(); // an unknown option is an error, not a silently ignored "remaining argument"
            config.AddExample("demo");
            config.AddExample("load", "--events", "20000", "--rate", "1000");
            config.AddExample("replay", "events.ndjson");
            config.AddExample("down");
            config.SetExceptionHandler((exception, _) =>
            {
                var output = errors ?? Console.Error;
                if (exception is CommandAppException or BadInputException)
                {
                    // Parse errors (unknown command or option, missing argument, bad value), Validate() failures and bad
                    // input found once read (BadInputException): one line.
                    output.WriteLine($"th: {OneLine(exception.Message)}");
                    return BadArgumentsExitCode;
                }
                output.WriteLine($"th: {exception.GetType().Name}: {OneLine(exception.Message)}");
                return 1;
            });
            config.AddCommand<UpCommand>("up").WithDescription("Install what is missing, start Azurite, the Cosmos emulator and the local host; return when healthy.")
                .WithExample("up");
            config.AddCommand<DownCommand>("down").WithDescription("Stop the local host and the emulators that up started.")
                .WithExample("down");
            config.AddCommand<LoadCommand>("load").WithDescription("Push synthetic treasure-hunt traffic through the running host and summarise it.")
                .WithExample("load", "--events", "20000", "--rate", "1000");
            config.AddCommand<ReplayCommand>("replay").WithDescription("Ingest an NDJSON file (one event per line): the backfill path.")
                .WithExample("replay", "events.ndjson");
            config.AddCommand<BenchCommand>("bench").WithDescription("Pre-aggregated vs per-event baseline, side by side, on the same generated events.")
                .WithExample("bench", "--events", "100000", "--rate", "2000", "--out", "bench.json")
                .WithExample("bench", "--curve", "--events", "20000", "--out", "bench.json");
            config.AddCommand<DemoCommand>("demo").WithDescription("up, then throughput (unthrottled) and freshness at a sustainable rate (half of it), then real query results.")
                .WithExample("demo");
            config.AddCommand<StatusCommand>("status").WithDescription("Show what is running and how far processing got.")
                .WithExample("status");
            config.AddBranch("features", features =>
            {
                features.SetDescription("Feature definitions: show the effective ones, validate a file, promote or retire a version.");
                features.AddCommand<FeaturesShowCommand>("show").WithDescription("Print the effective feature definitions (Features__DefinitionsPath, else the default) as JSON.")
                    .WithExample("features", "show");
                features.AddCommand<FeaturesValidateCommand>("validate").WithDescription("Check a feature-definitions file; exit 1 with the errors.")
                    .WithExample("features", "validate", "features/definitions.json");
                features.AddCommand<FeaturesPromoteCommand>("promote").WithDescription("Serve a back-filled definitions version (one registry write; the previous one stays readable until retired).")
                    .WithExample("features", "promote", "2");
                features.AddCommand<FeaturesRetireCommand>("retire").WithDescription("Stop computing and serving a definitions version that is not active.")
                    .WithExample("features", "retire", "1");
            });
            config.AddCommand<BackfillCommand>("backfill").WithDescription("Compute a new feature-definitions version from the event log's history into a shadow container (resumable), then hand it to the live stream.")
                .WithExample("backfill", "--definitions", "features/definitions.json");
            config.AddCommand<ExportCommand>("export").WithDescription("Point-in-time training rows: the user features as they were at each label row's timestamp, replayed from the history (.csv or .parquet).")
                .WithExample("export", "--as-of", "labels.csv", "--features", "events,value", "--out", "training.parquet");
            config.AddCommand<OpenApiCommand>("openapi").WithDescription("Write the OpenAPI 3 document of the HTTP API (generated from the routes).")
                .WithExample("openapi", "--out", "docs/openapi.json");
            config.AddCommand<PlanCommand>("plan").WithAlias("capacity").WithDescription("Capacity and cost planner: tier, units, partitions, RU/s, instances, $ per month by meter, the limit that binds first; --out writes a .bicepparam for bicep/main.bicep.")
                .WithExample("plan", "--events-per-second", "50000", "--out", "prod.bicepparam");
            config.AddCommand<ReplayParkedCommand>("replay-parked")
                .WithDescription("Re-apply parked messages (GET /api/parked) once their cause is fixed, exactly once; exit 3 if some are still refused.")
                .WithExample("replay-parked");
            config.AddCommand<EraseCommand>("erase")
                .WithDescription("Erase users (GDPR Art. 17) through the running host: an erase control message in each user's partition; waits until applied.")
                .WithExample("erase", "u-42", "u-43");
            config.AddBranch("erasures", erasures =>
            {
                erasures.SetDescription("The erasure log: apply logged erasures again after a point-in-time restore of the Cosmos data; compact a stopped host's event log.");
                erasures.AddCommand<ErasuresReapplyCommand>("reapply").WithDescription("Delete again the users erased since TIME and restore their tombstones (run before the hosts process).")
                    .WithExample("erasures", "reapply", "--since", "2026-12-01T10:00:00Z");
                erasures.AddCommand<ErasuresCompactLogCommand>("compact-log").WithDescription("Remove erased users' earlier records from a stopped host's event log now (the running host does it after each erasure).")
                    .WithExample("erasures", "compact-log");
            });
            config.AddCommand<ServeCommand>("serve").WithDescription("Run the local host in the foreground (up runs it in the background).")
                .WithExample("serve");
        });
        return app;
    }

    private static string OneLine(string message) => string.Join(' ', message.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
}
