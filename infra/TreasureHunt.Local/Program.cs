using Spectre.Console.Cli;
using TreasureHunt.Local.Cli;

var app = new CommandApp();
app.Configure(config =>
{
    config.SetApplicationName("th");
    config.AddCommand<UpCommand>("up").WithDescription("Install what is missing, start Azurite, the Cosmos emulator and the local host; return when healthy.");
    config.AddCommand<DownCommand>("down").WithDescription("Stop the local host and the emulators that up started.");
    config.AddCommand<LoadCommand>("load").WithDescription("Push synthetic treasure-hunt traffic through the running host and summarise it.");
    config.AddCommand<ReplayCommand>("replay").WithDescription("Ingest an NDJSON file (one event per line): the backfill path.");
    config.AddCommand<BenchCommand>("bench").WithDescription("Pre-aggregated vs per-event baseline, side by side, on the same generated events.");
    config.AddCommand<DemoCommand>("demo").WithDescription("up, a 100,000-event load, then real query results.");
    config.AddCommand<StatusCommand>("status").WithDescription("Show what is running and how far processing got.");
    config.AddBranch("features", features =>
    {
        features.SetDescription("Feature definitions: show the effective ones, validate a file.");
        features.AddCommand<FeaturesShowCommand>("show").WithDescription("Print the effective feature definitions (Features__DefinitionsPath, else the default) as JSON.")
            .WithExample("features", "show");
        features.AddCommand<FeaturesValidateCommand>("validate").WithDescription("Check a feature-definitions file; exit 1 with the errors.")
            .WithExample("features", "validate", "features/definitions.json");
    });
    config.AddCommand<ServeCommand>("serve").WithDescription("Run the local host in the foreground (up runs it in the background).");
});
return await app.RunAsync(args);
