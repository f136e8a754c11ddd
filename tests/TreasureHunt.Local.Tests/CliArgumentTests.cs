using Spectre.Console;
using TreasureHunt.Tools.Cli;

namespace TreasureHunt.Local.Tests;

/// <summary>
/// Every ./th command rejects bad arguments before doing anything (no emulator, no host): one line on the error
/// writer, exit code 2. Run in-process through the same CommandApp the th program runs.
/// </summary>
public sealed class CliArgumentTests
{
    private static (int ExitCode, string Output, string[] ErrorLines) Run(params string[] args)
    {
        var output = new StringWriter();
        var errors = new StringWriter();
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(output),
            Ansi = AnsiSupport.No,
            ColorSystem = ColorSystemSupport.NoColors,
            Interactive = InteractionSupport.No,
        });
        var exitCode = ThApp.Create(console, errors).Run(args);
        return (exitCode, output.ToString(), errors.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    [Theory]
    [InlineData("--rate must be > 0", "load", "--rate", "0")]
    [InlineData("--rate must be > 0", "load", "--rate", "-5")]
    [InlineData("--users must be >= 1", "load", "--users", "0")]
    [InlineData("--items must be >= 1", "load", "--items", "0")]
    [InlineData("--events must be >= 1", "load", "--events", "-1")]
    [InlineData("--events must be >= 1", "load", "--events", "0")]
    [InlineData("--dup-rate must be in [0, 1)", "load", "--dup-rate", "1.5")]
    [InlineData("--bad-rate must be in [0, 1)", "load", "--bad-rate", "-0.1")]
    [InlineData("--dup-rate + --bad-rate must be < 1", "load", "--dup-rate", "0.6", "--bad-rate", "0.5")]
    [InlineData("'abc'", "load", "--events", "abc")]
    [InlineData("Unknown option 'bogus'", "load", "--bogus")]
    [InlineData("No such file: /no/such/file.ndjson", "replay", "/no/such/file.ndjson")]
    [InlineData("FILE", "replay")]
    [InlineData("--events must be >= 1", "bench", "--events", "0")]
    [InlineData("--baseline-events must be >= 1", "bench", "--baseline-events", "0")]
    [InlineData("--rate must be > 0", "bench", "--rate", "0")]
    [InlineData("--rate-seconds must be >= 1", "bench", "--rate-seconds", "0")]
    [InlineData("--out: no such directory", "bench", "--out", "/no/such/dir/bench.json")]
    [InlineData("--erasures must be from 1 to half of --events", "bench", "--erasures", "0")]
    [InlineData("--erasures must be from 1 to half of --events", "bench", "--events", "100", "--erasures", "51")]
    [InlineData("--erasures runs the uniform workload's unthrottled phase only", "bench", "--erasures", "10", "--curve")]
    [InlineData("--erasures runs the uniform workload's unthrottled phase only", "bench", "--erasures", "10", "--sessions")]
    [InlineData("--nexmark runs its own workload", "bench", "--nexmark", "--curve")]
    [InlineData("--nexmark runs its own workload", "bench", "--nexmark", "--uniform")]
    [InlineData("--sessions and --uniform exclude each other", "load", "--sessions", "--uniform")]
    [InlineData("--sessions and --uniform exclude each other", "bench", "--sessions", "--uniform")]
    [InlineData("--session-events must be MIN..MAX", "load", "--sessions", "--session-events", "10-50")]
    [InlineData("the maximum must be >= the minimum", "bench", "--session-events", "50..10")]
    [InlineData("the minimum must be >= 1", "bench", "--session-events", "0..10")]
    [InlineData("--session-gap-ms must be > 0", "load", "--session-gap-ms", "0")]
    [InlineData("--nominal-rate must be > 0", "bench", "--nominal-rate", "-1")]
    [InlineData("concurrent sessions", "bench", "--rate", "1000000", "--session-gap-ms", "100000")]
    [InlineData("--events must be >= 1", "demo", "--events", "0")]
    [InlineData("--rate must be > 0", "demo", "--rate", "0")]
    [InlineData("--rate-seconds must be >= 1", "demo", "--rate-seconds", "0")]
    [InlineData("Unknown option 'bogus'", "demo", "--bogus")]
    [InlineData("Unknown option 'bogus'", "up", "--bogus")]
    [InlineData("Unknown option 'bogus'", "down", "--bogus")]
    [InlineData("Unknown option 'bogus'", "status", "--bogus")]
    [InlineData("Unknown option 'bogus'", "serve", "--bogus")]
    [InlineData("--as-of LABELS is required", "export", "--features", "events")]
    [InlineData("--as-of must name a .csv or .parquet file", "export", "--as-of", "labels.json", "--features", "events")]
    [InlineData("--as-of: no such file: /no/such/labels.csv", "export", "--as-of", "/no/such/labels.csv", "--features", "events")]
    [InlineData("--events-per-second is required", "plan")]
    [InlineData("--events-per-second must be > 0", "plan", "--events-per-second", "0")]
    [InlineData("--peak-factor must be between 1 and 100", "plan", "--events-per-second", "1000", "--peak-factor", "0.5")]
    [InlineData("--tier must be Standard, Premium or Dedicated", "plan", "--events-per-second", "1000", "--tier", "Basic")]
    [InlineData("Event Hubs Standard allows at most 32", "plan", "--events-per-second", "1000", "--tier", "Standard", "--partitions", "64")]
    [InlineData("--instance-memory-mb must be 512, 2048 or 4096", "plan", "--events-per-second", "1000", "--instance-memory-mb", "1024")]
    [InlineData("--out must name a .bicepparam file", "plan", "--events-per-second", "1000", "--out", "plan.json")]
    [InlineData("--region-prices: /no/such/prices.json does not exist", "plan", "--events-per-second", "1000", "--region-prices", "/no/such/prices.json")]
    [InlineData("--environment must be dev, test or prod", "plan", "--events-per-second", "1000", "--environment", "staging")]
    [InlineData("'..' is not a user id", "erase", "u-1", "..")]
    [InlineData("--timeout must be from 1 to 3600", "erase", "u-1", "--timeout", "0")]
    [InlineData("--since must be an ISO-8601 time, not 'yesterday'", "erasures", "reapply", "--since", "yesterday")]
    [InlineData("Unknown command 'nope'", "nope")]
    public void A_bad_argument_gives_one_line_and_exit_code_2(string expected, params string[] args)
    {
        var (exitCode, _, errorLines) = Run(args);

        Assert.Equal(ThApp.BadArgumentsExitCode, exitCode);
        var line = Assert.Single(errorLines);
        Assert.StartsWith("th: ", line);
        Assert.Contains(expected, line);
    }

    [Theory]
    [InlineData("--tail follows a capture source", "--tail", "eventhub:ns.servicebus.windows.net/events")]
    [InlineData("--tail must be eventhub:<namespace.servicebus.windows.net>/<hub>", "--source", "capture:UseDevelopmentStorage=true/eventhubs-capture", "--tail", "eventhub:ns/events")]
    [InlineData("--tail must be eventhub:<namespace.servicebus.windows.net>/<hub>", "--source", "capture:UseDevelopmentStorage=true/eventhubs-capture", "--tail", "ns.servicebus.windows.net/events")]
    public void Backfill_rejects_a_bad_tail_with_one_line_and_exit_code_2(string expected, params string[] more)
    {
        var definitions = Path.Combine(Path.GetTempPath(), $"th-defs-{Guid.NewGuid():N}.json");
        File.WriteAllText(definitions, "{}");
        try
        {
            var (exitCode, _, errorLines) = Run(["backfill", "--definitions", definitions, .. more]);

            Assert.Equal(ThApp.BadArgumentsExitCode, exitCode);
            Assert.Contains(expected, Assert.Single(errorLines));
        }
        finally
        {
            File.Delete(definitions);
        }
    }

    [Theory]
    [InlineData("th demo")]
    [InlineData("th load --events 20000 --rate 1000")]
    public void The_root_help_has_examples(string example)
    {
        var (exitCode, output, _) = Run("--help");

        Assert.Equal(0, exitCode);
        Assert.Contains("EXAMPLES:", output);
        Assert.Contains(example, output);
    }

    [Theory]
    [InlineData("up", "th up")]
    [InlineData("down", "th down")]
    [InlineData("load", "th load --events 20000 --rate 1000")]
    [InlineData("replay", "th replay events.ndjson")]
    [InlineData("bench", "th bench --events 100000 --rate 2000 --out bench.json")]
    [InlineData("demo", "th demo")]
    [InlineData("status", "th status")]
    [InlineData("serve", "th serve")]
    [InlineData("plan", "th plan --events-per-second 50000 --out prod.bicepparam")]
    [InlineData("export", "th export --as-of labels.csv --features events,value --out training.parquet")]
    [InlineData("erase", "th erase u-42 u-43")]
    public void Every_command_help_has_a_one_line_example(string command, string example)
    {
        var (exitCode, output, _) = Run(command, "--help");

        Assert.Equal(0, exitCode);
        Assert.Contains("EXAMPLES:", output);
        Assert.Contains(example, output);
    }

    [Theory]
    [InlineData("--features is required")]
    [InlineData("--window must be 'lifetime' or lastN", "--features", "events", "--window", "week")]
    [InlineData("--out must name a .csv or .parquet file", "--features", "events", "--out", "training.json")]
    [InlineData("--out: no such directory", "--features", "events", "--out", "/no/such/dir/training.csv")]
    [InlineData("--source must be capture:", "--features", "events", "--source", "eventlog")]
    [InlineData("must end with /<container>", "--features", "events", "--source", "capture:UseDevelopmentStorage=true")]
    [InlineData("is not a blob container name", "--features", "events", "--source", "capture:https://acct.blob.core.windows.net/Bad_Name")]
    [InlineData("--event-hub takes NAMESPACE/EVENTHUB", "--features", "events", "--event-hub", "ns/hub")]
    [InlineData("--definitions: no such file", "--features", "events", "--definitions", "/no/such/definitions.json")]
    public void Export_rejects_bad_arguments_before_reading_anything(string expected, params string[] args)
    {
        var labels = Path.Combine(Directory.CreateTempSubdirectory("th-export-").FullName, "labels.csv");
        File.WriteAllText(labels, "userId,timestamp\nu1,2026-11-27T00:00:00Z\n");
        try
        {
            var (exitCode, _, errorLines) = Run(["export", "--as-of", labels, .. args]);

            Assert.Equal(ThApp.BadArgumentsExitCode, exitCode);
            Assert.Contains(expected, Assert.Single(errorLines));
        }
        finally
        {
            Directory.Delete(Path.GetDirectoryName(labels)!, recursive: true);
        }
    }

    [Theory]
    [InlineData("line 3: timestamp must be an ISO-8601 time", "userId,timestamp\nu1,2026-11-27T00:00:00Z\nu2,yesterday\n", "events")]
    [InlineData("no userId or entityId column", "user,timestamp\nu1,2026-11-27T00:00:00Z\n", "events")]
    [InlineData("unknown user feature 'bogus'", "userId,timestamp\nu1,2026-11-27T00:00:00Z\n", "events,bogus")]
    [InlineData("feature 'events' is not kept for the lifetime", "userId,timestamp\nu1,2026-11-27T00:00:00Z\n", "events", "--definitions", "windowed.json")]
    public void Export_refuses_bad_label_files_and_features_with_one_line_and_exit_code_2(string expected, string labelText, string features, params string[] more)
    {
        var directory = Directory.CreateTempSubdirectory("th-export-").FullName;
        try
        {
            var labels = Path.Combine(directory, "labels.csv");
            File.WriteAllText(labels, labelText);
            File.WriteAllText(Path.Combine(directory, "windowed.json"), """
                { "version": 1, "eventTypes": [ { "name": "view", "weight": 1 } ],
                  "user": [ { "name": "events", "aggregation": "count", "by": "type", "windows": ["hour:48"] } ], "item": [], "global": [] }
                """);
            var args = more.Select(a => a == "windowed.json" ? Path.Combine(directory, a) : a);
            var (exitCode, _, errorLines) = Run(["export", "--as-of", labels, "--features", features, .. args]);

            Assert.Equal(ThApp.BadArgumentsExitCode, exitCode);
            var line = Assert.Single(errorLines);
            Assert.StartsWith("th: ", line);
            Assert.Contains(expected, line);
            Assert.False(File.Exists(Path.Combine(directory, "labels.features.csv")));
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public void Plan_writes_a_parameter_file_and_a_bad_prices_file_is_a_bad_argument()
    {
        var directory = Directory.CreateTempSubdirectory("th-plan-");
        try
        {
            var file = Path.Combine(directory.FullName, "prod.bicepparam");
            var (exitCode, _, _) = Run("plan", "--events-per-second", "1000", "--out", file);

            Assert.Equal(0, exitCode);
            var text = File.ReadAllText(file);
            Assert.Contains("tier: 'Standard'", text);
            Assert.Matches(@"using '(\.\./)+.*bicep/main\.bicep'", text);

            var prices = Path.Combine(directory.FullName, "prices.json");
            File.WriteAllText(prices, """{ "cosmosUsdPerMillionRu": -1 }""");
            var (badExit, _, errorLines) = Run("plan", "--events-per-second", "1000", "--region-prices", prices);
            Assert.Equal(ThApp.BadArgumentsExitCode, badExit);
            Assert.Contains("FinOps:Prices:CosmosUsdPerMillionRu must be 0..1000000", Assert.Single(errorLines));
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }
}
