using Spectre.Console;
using Spectre.Console.Cli;
using TreasureHunt.Local.Hosting;

namespace TreasureHunt.Tools.Cli;

internal sealed class UpCommand : AsyncCommand<UpCommand.Settings>
{
    public sealed class Settings : CommandSettings
    {
        [System.ComponentModel.Description("Run the app's batches, entity operations and HTTP routes in the built Functions worker process (Local:Worker; builds functions/TreasureHunt.Functions first). Ingest and /api/local/* stay the host's; .th/worker.pid holds the worker's PID.")]
        [CommandOption("--worker")]
        public bool Worker { get; init; }
    }

    public override async Task<int> ExecuteAsync(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        using var _ = await Up(cancellationToken, settings.Worker);
        return 0;
    }

    public static async Task<Load.HostClient> Up(CancellationToken cancellationToken, bool worker = false)
    {
        var root = LocalConfiguration.FindRepoRoot();
        var stack = new LocalStack(root);
        var hostSettings = new Dictionary<string, string>();
        if (worker)
        {
            // The worker is the Functions app's build output: build it (quick when nothing changed), as ./th builds itself.
            await AnsiConsole.Status().StartAsync("Building the Functions worker…", _ => LocalProcesses.RunAsync("dotnet",
                ["build", Path.Combine(root, "functions", "TreasureHunt.Functions"), "-c", "Release", "-p:TrimEventHubsHostExtension=true", "-v", "quiet", "--nologo"], root, cancellationToken));
            hostSettings["Local__Worker"] = "true";
        }
        await AnsiConsole.Status().StartAsync("Starting Azurite and the Cosmos emulator…", _ => stack.StartEmulatorsAsync(cancellationToken));
        await EmulatorFaults.CheckAsync(LocalConfiguration.Build(LocalConfiguration.FindRepoRoot(), new Dictionary<string, string?>())["Cosmos:Endpoint"], cancellationToken);
        var port = HostPort();
        var (client, started) = await AnsiConsole.Status().StartAsync("Starting the local host…",
            _ => stack.EnsureHostAsync(port, stack.StateDir, hostSettings, cancellationToken));
        AnsiConsole.MarkupLineInterpolated($"[green]{(started ? "Up" : "Already up")}[/]: {client.BaseUrl}  (send a role's key as the x-functions-key header)");
        var workerPid = Path.Combine(stack.StateDir, "worker.pid");
        if (File.Exists(workerPid))
        {
            AnsiConsole.MarkupLineInterpolated($"  worker   pid {File.ReadAllText(workerPid).Trim()} ({workerPid}): the app's routes run in the Functions worker; operator routes answer as the Functions app does without an Entra ID principal (401)");
        }
        else if (worker)
        {
            LocalStack.Fail("The running host was started without --worker: ./th down, then ./th up --worker");
        }
        PrintKeys(stack.StateDir);
        return client;
    }

    /// <summary>Each role's key and where it comes from (the environment variable or the file under .th/keys).</summary>
    private static void PrintKeys(string stateDir)
    {
        var keys = LocalKeys.Resolve(stateDir);
        foreach (var role in LocalKeys.Roles)
        {
            var source = Environment.GetEnvironmentVariable(LocalKeys.EnvironmentVariable(role)) is { Length: > 0 } ? LocalKeys.EnvironmentVariable(role)
                : Environment.GetEnvironmentVariable("TH_API_KEY") is { Length: > 0 } ? "TH_API_KEY"
                : LocalKeys.FilePath(stateDir, role);
            Console.WriteLine($"  {LocalKeys.Name(role),-9}{keys.For(role)}  ({source})");
        }
    }

    public static int HostPort() => int.TryParse(Environment.GetEnvironmentVariable("TH_PORT"), out var p) ? p : 7071;
}

internal sealed class DownCommand : AsyncCommand<DownCommand.Settings>
{
    public sealed class Settings : CommandSettings;

    public override async Task<int> ExecuteAsync(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var stack = new LocalStack(LocalConfiguration.FindRepoRoot());
        await LocalStack.StopHostAsync(stack.StateDir);
        await stack.StopEmulatorsAsync(cancellationToken);
        AnsiConsole.MarkupLine("[green]Down[/]: host and emulators stopped.");
        return 0;
    }
}

internal sealed class StatusCommand : AsyncCommand<StatusCommand.Settings>
{
    public sealed class Settings : CommandSettings;

    public override async Task<int> ExecuteAsync(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var stack = new LocalStack(LocalConfiguration.FindRepoRoot());
        using var client = await stack.ConnectToRunningHostAsync(cancellationToken);
        if (client is null)
        {
            return 1;
        }
        var status = await client.GetStatusAsync(cancellationToken);
        AnsiConsole.MarkupLineInterpolated($"Host {client.BaseUrl}: {status.Processed:N0} of {status.Messages:N0} messages processed, {status.RollupsPending} partitions with unsent rollups{(status.Quiescent ? " (quiescent)" : "")}.");
        AnsiConsole.MarkupLineInterpolated($"Since start: {status.Retries:N0} failed batch attempts (retried, never skipped), longest hold {status.LongestHoldSeconds:N1} s, {status.Parked:N0} messages parked (GET /api/parked; th replay-parked).");
        foreach (var held in status.Held ?? [])
        {
            AnsiConsole.MarkupLineInterpolated($"[yellow]Held[/]: partition {held.PartitionId} at sequence {held.FirstSequenceNumber} for {held.HeldSeconds:N1} s, {held.Attempts} attempts; last error: {held.LastError}");
        }
        return 0;
    }
}

/// <summary><c>th replay-parked</c>: re-applies the parked messages through the running host, exactly once, until nothing replayable is left.</summary>
internal sealed class ReplayParkedCommand : AsyncCommand<ReplayParkedCommand.Settings>
{
    public sealed class Settings : CommandSettings
    {
        [System.ComponentModel.Description("Replay runs at most (each run reads up to 10,000 parked rows; a run that replays nothing stops early). Default 10.")]
        [CommandOption("--max-runs <N>")]
        public int MaxRuns { get; init; } = 10;

        public override ValidationResult Validate() =>
            MaxRuns is < 1 or > 1000 ? ValidationResult.Error("--max-runs must be from 1 to 1000") : ValidationResult.Success();
    }

    public override async Task<int> ExecuteAsync(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var stack = new LocalStack(LocalConfiguration.FindRepoRoot());
        using var client = await stack.ConnectToRunningHostAsync(cancellationToken);
        if (client is null)
        {
            return 1;
        }
        var stillRefused = 0;
        for (var run = 1; run <= settings.MaxRuns; run++)
        {
            var (status, body) = await client.ReplayParkedAsync(cancellationToken);
            if (status != 200)
            {
                AnsiConsole.MarkupLineInterpolated($"[red]replay answered {status}[/]: {body}");
                return 1;
            }
            var replayed = body.GetProperty("replayed").GetInt32();
            var released = body.GetProperty("usersReleased").GetInt32();
            var superseded = body.GetProperty("superseded").GetInt32();
            stillRefused = body.GetProperty("stillRefused").GetArrayLength();
            AnsiConsole.MarkupLineInterpolated(
                $"run {run}: {replayed:N0} replayed, {superseded:N0} superseded, {released:N0} users released, {body.GetProperty("deferred").GetInt32():N0} deferred (batch in flight), {body.GetProperty("gapsNotReplayable").GetInt32():N0} gaps (nothing to replay), {stillRefused:N0} still refused");
            foreach (var refused in body.GetProperty("stillRefused").EnumerateArray())
            {
                AnsiConsole.MarkupLineInterpolated($"  [yellow]still refused[/]: {refused.GetString()}");
            }
            if (replayed == 0 && released == 0 && superseded == 0)
            {
                break;
            }
        }
        return stillRefused == 0 ? 0 : 3;
    }
}
