using Spectre.Console;
using TreasureHunt.Local.Hosting;
using TreasureHunt.Tools.Load;

namespace TreasureHunt.Tools.Cli;

/// <summary>The emulators and a host process, as ./th up and ./th down manage them.</summary>
/// <param name="hostStateDir">The state folder of the running host the commands talk to (where it records its PID):
/// by default <c>Local__StateDir</c> when set (a host started with it, e.g. by the tests), else <see cref="StateDir"/>.</param>
internal sealed class LocalStack(string repoRoot, string? hostStateDir = null)
{
    public string StateDir => Path.Combine(repoRoot, ".th");

    public string HostStateDir => hostStateDir
        ?? (Environment.GetEnvironmentVariable("Local__StateDir") is { Length: > 0 } fromEnvironment ? fromEnvironment : StateDir);
    public string EmulatorScript => Path.Combine(repoRoot, "infra", "local", "emulators.sh");

    public async Task StartEmulatorsAsync(CancellationToken cancellationToken)
    {
        await LocalProcesses.RunAsync("bash", [EmulatorScript, "install"], repoRoot, cancellationToken);
        await LocalProcesses.RunAsync("bash", [EmulatorScript, "start"], repoRoot, cancellationToken);
    }

    public Task StopEmulatorsAsync(CancellationToken cancellationToken) =>
        LocalProcesses.RunAsync("bash", [EmulatorScript, "stop"], repoRoot, cancellationToken);

    /// <summary>A client of the host ./th up started, or null (after saying so) when it does not answer.</summary>
    public Task<HostClient?> ConnectToRunningHostAsync(CancellationToken cancellationToken) =>
        ConnectToRunningHostAsync(Cli.UpCommand.HostPort(), cancellationToken);

    /// <summary>A client of the host ./th started on <paramref name="port"/>, or null (after saying so) when none
    /// answers there — or another process does, which is then sent nothing (<see cref="HostOwnership"/>).</summary>
    public async Task<HostClient?> ConnectToRunningHostAsync(int port, CancellationToken cancellationToken)
    {
        switch (HostOwnership.Of(port, HostStateDir))
        {
            case PortOwner.Other:
                Fail(HostOwnership.NotOurs(port, HostStateDir));
                return null;
            case PortOwner.Nobody:
                Fail("The local host is not running: start it with ./th up");
                return null;
        }
        var client = new HostClient($"http://127.0.0.1:{port}", LocalKeys.Resolve(StateDir));
        if (await client.IsHealthyAsync(cancellationToken))
        {
            return client;
        }
        client.Dispose();
        Fail("The local host is not healthy yet (still starting?): see .th/host.log, or restart it with ./th down && ./th up");
        return null;
    }

    /// <summary>
    /// The local host options of a host <see cref="EnsureHostAsync"/> starts with <paramref name="settings"/>, bound the
    /// way that host binds them: its environment is ours plus the settings, read by <see cref="LocalConfiguration.Build"/>
    /// (the partition count and maxEventBatchSize the store-write floor needs).
    /// </summary>
    public LocalHostOptions HostOptions(IDictionary<string, string> settings) =>
        LocalHostOptions.From(LocalConfiguration.Build(repoRoot,
            settings.ToDictionary(s => s.Key.Replace("__", ":", StringComparison.Ordinal), s => (string?)s.Value, StringComparer.OrdinalIgnoreCase)));

    /// <summary>Starts a host (unless the one ./th started already listens on the port) and waits for /api/health =
    /// 200 from it. Refuses a port another process listens on: that process is sent nothing (<see cref="HostOwnership"/>).</summary>
    public async Task<(HostClient Client, bool Started)> EnsureHostAsync(int port, string hostStateDir, IDictionary<string, string> settings, CancellationToken cancellationToken)
    {
        var keys = LocalKeys.Resolve(StateDir);
        var client = new HostClient($"http://127.0.0.1:{port}", keys);
        switch (HostOwnership.Of(port, hostStateDir))
        {
            case PortOwner.Other:
                client.Dispose();
                throw new InvalidOperationException(HostOwnership.NotOurs(port, hostStateDir));
            case PortOwner.RecordedHost:
                await WaitUntilHealthyAsync(client, HostOwnership.RecordedPid(hostStateDir)!.Value, port, hostStateDir, cancellationToken);
                return (client, false);
        }
        Directory.CreateDirectory(hostStateDir);
        var environment = new Dictionary<string, string>(settings)
        {
            ["Local__Port"] = port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Local__StateDir"] = hostStateDir,
            ["TH_REPO_ROOT"] = repoRoot,
        };
        foreach (var (name, value) in keys.Settings()) environment[name] = value;
        foreach (var (name, value) in HostRuntimeVariables.For(repoRoot, environment, Environment.GetEnvironmentVariable))
        {
            environment[name] = value;
        }
        var pid = LocalProcesses.SpawnSelf(["serve"], Path.Combine(hostStateDir, "host.log"), environment);
        await File.WriteAllTextAsync(HostOwnership.PidFile(hostStateDir), pid.ToString(System.Globalization.CultureInfo.InvariantCulture), cancellationToken);
        await WaitUntilHealthyAsync(client, pid, port, hostStateDir, cancellationToken);
        return (client, true);
    }

    /// <summary>Waits until process <paramref name="pid"/> listens on the port and answers /api/health (asked without
    /// the key) with 200; the client's keyed requests come only after that.</summary>
    private static async Task WaitUntilHealthyAsync(HostClient client, int pid, int port, string hostStateDir, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow.AddMinutes(3);
        while (!(ListeningSockets.IsListening(pid, port) && await client.IsHealthyAsync(cancellationToken)))
        {
            if (!LocalProcesses.IsAlive(pid))
            {
                throw new InvalidOperationException($"the host exited during start-up; see {Path.Combine(hostStateDir, "host.log")}:\n{Tail(Path.Combine(hostStateDir, "host.log"))}");
            }
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"the host did not become healthy within 3 minutes; see {Path.Combine(hostStateDir, "host.log")}");
            }
            await Task.Delay(250, cancellationToken);
        }
    }

    public static async Task StopHostAsync(string hostStateDir)
    {
        var pidFile = Path.Combine(hostStateDir, "host.pid");
        if (!File.Exists(pidFile)) return;
        var pid = int.Parse(File.ReadAllText(pidFile).Trim(), System.Globalization.CultureInfo.InvariantCulture);
        if (LocalProcesses.IsOurs(pid, "serve"))
        {
            await LocalProcesses.StopAsync(pid, TimeSpan.FromSeconds(15));
        }
        File.Delete(pidFile);
    }

    private static string Tail(string path) => File.Exists(path) ? string.Join('\n', File.ReadLines(path).TakeLast(20)) : "(no log)";

    public static void Fail(string message) => AnsiConsole.MarkupLineInterpolated($"[red]{message}[/]");
}
