using System.Diagnostics;
using System.Reflection;
using System.Text.RegularExpressions;

namespace TreasureHunt.Infra.Tests;

/// <summary>Result of one Bicep CLI invocation.</summary>
public sealed record BicepResult(int ExitCode, string StdOut, string StdErr)
{
    private static readonly Regex DiagnosticLine = new(
        @"\)\s*:\s*(Error|Warning|Info)\s+[\w-]+\s*:",
        RegexOptions.Compiled | RegexOptions.CultureInvariant);

    public string Output => StdOut + StdErr;

    /// <summary>Every "file(line,col) : Error|Warning|Info CODE: message" line the CLI printed.</summary>
    public IReadOnlyList<string> Diagnostics =>
        Output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Where(line => DiagnosticLine.IsMatch(line))
            .ToList();

    public override string ToString() =>
        $"exit code {ExitCode}\n--- stdout ---\n{StdOut}\n--- stderr ---\n{StdErr}";
}

/// <summary>
/// Runs the Bicep CLI that the Azure.Bicep.CommandLine.linux-x64 package ships (tools/bicep).
/// The csproj records the package's $(BicepPath) in an AssemblyMetadata attribute; the
/// BICEP_PATH environment variable overrides it.
/// </summary>
public static class BicepCli
{
    private static readonly Lazy<string> ToolPath = new(Locate);
    private static readonly Lazy<string> Root = new(LocateRepositoryRoot);

    public static string RepositoryRoot => Root.Value;

    public static string BicepDirectory => Path.Combine(RepositoryRoot, "bicep");

    public static BicepResult Run(params string[] arguments) => Run(new Dictionary<string, string>(), arguments);

    /// <summary>Runs the CLI with extra environment variables (what a .bicepparam's readEnvironmentVariable reads).</summary>
    public static BicepResult Run(IReadOnlyDictionary<string, string> environment, params string[] arguments)
    {
        var startInfo = new ProcessStartInfo(ToolPath.Value)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = BicepDirectory,
        };
        foreach (var argument in arguments)
        {
            startInfo.ArgumentList.Add(argument);
        }

        // The CLI is offline: keep it from trying to reach anything.
        startInfo.Environment["BICEP_TELEMETRY_ENABLED"] = "false";
        foreach (var (name, value) in environment)
        {
            startInfo.Environment[name] = value;
        }

        using var process = Process.Start(startInfo)
            ?? throw new InvalidOperationException($"Could not start {ToolPath.Value}");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromMinutes(3)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"bicep {string.Join(' ', arguments)} did not finish in 3 minutes");
        }

        process.WaitForExit();
        return new BicepResult(process.ExitCode, stdout.GetAwaiter().GetResult(), stderr.GetAwaiter().GetResult());
    }

    private static string Locate()
    {
        var fromEnvironment = Environment.GetEnvironmentVariable("BICEP_PATH");
        var fromBuild = typeof(BicepCli).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .FirstOrDefault(attribute => attribute.Key == "BicepPath")?.Value;
        var candidate = !string.IsNullOrWhiteSpace(fromEnvironment) ? fromEnvironment : fromBuild;
        if (string.IsNullOrWhiteSpace(candidate))
        {
            throw new InvalidOperationException(
                "The Bicep CLI path is unknown: the Azure.Bicep.CommandLine.linux-x64 package did not set $(BicepPath) and BICEP_PATH is unset.");
        }

        // The package's props join the path with '\'.
        var path = Path.GetFullPath(OperatingSystem.IsWindows() ? candidate : candidate.Replace('\\', '/'));
        if (!File.Exists(path))
        {
            throw new FileNotFoundException("The Bicep CLI is missing (restore the test project).", path);
        }

        if (!OperatingSystem.IsWindows())
        {
            var mode = File.GetUnixFileMode(path);
            const UnixFileMode executable = UnixFileMode.UserExecute;
            if ((mode & executable) == 0)
            {
                File.SetUnixFileMode(path, mode | UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute);
            }
        }

        return path;
    }

    private static string LocateRepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "bicep", "main.bicep"))
                && File.Exists(Path.Combine(directory.FullName, "local.settings.sample.json")))
            {
                return directory.FullName;
            }
        }

        throw new DirectoryNotFoundException(
            $"No directory above {AppContext.BaseDirectory} holds bicep/main.bicep and local.settings.sample.json.");
    }
}
