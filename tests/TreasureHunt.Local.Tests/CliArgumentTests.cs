using Spectre.Console;
using TreasureHunt.Local.Cli;

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
    [InlineData("--events must be >= 1", "demo", "--events", "0")]
    [InlineData("--rate must be > 0", "demo", "--rate", "0")]
    [InlineData("--rate-seconds must be >= 1", "demo", "--rate-seconds", "0")]
    [InlineData("Unknown option 'bogus'", "demo", "--bogus")]
    [InlineData("Unknown option 'bogus'", "up", "--bogus")]
    [InlineData("Unknown option 'bogus'", "down", "--bogus")]
    [InlineData("Unknown option 'bogus'", "status", "--bogus")]
    [InlineData("Unknown option 'bogus'", "serve", "--bogus")]
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
    public void Every_command_help_has_a_one_line_example(string command, string example)
    {
        var (exitCode, output, _) = Run(command, "--help");

        Assert.Equal(0, exitCode);
        Assert.Contains("EXAMPLES:", output);
        Assert.Contains(example, output);
    }
}
