using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging.Abstractions;
using TreasureHunt.Core.Rollups;
using TreasureHunt.Local.Hosting;
using TreasureHunt.Tools.Load;
using TreasureHunt.LocalEntities;
using TreasureHunt.Testing;
using Xunit.Abstractions;

namespace TreasureHunt.IntegrationTests.Reliability;

/// <summary>
/// The local host (th serve) as a child process of the test, on its own port, state folder (event log),
/// Cosmos database and task hub, so that a test can kill -9 it and start it again on the same state.
/// </summary>
internal sealed class HostProcess : IAsyncDisposable
{
    private readonly EmulatorFixture _fixture;
    private readonly ITestOutputHelper _output;
    private readonly Dictionary<string, string> _settings;
    private Process? _process;

    public HostProcess(EmulatorFixture fixture, ITestOutputHelper output, string name, IDictionary<string, string>? settings = null)
    {
        _fixture = fixture;
        _output = output;
        Name = TestNames.UniqueName(name);
        Port = FreePort();
        StateDir = Path.Combine(Path.GetTempPath(), "th-tests", Name);
        Directory.CreateDirectory(StateDir);
        Database = Name;
        Keys = new LocalKeys(Guid.NewGuid().ToString("N"), Guid.NewGuid().ToString("N"), Guid.NewGuid().ToString("N"));
        _settings = new Dictionary<string, string>
        {
            ["TH_REPO_ROOT"] = fixture.Emulators.RepoRoot,
            ["Local__Port"] = Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Local__StateDir"] = StateDir,
            ["Cosmos__Database"] = Database,
            ["Cosmos__Endpoint"] = fixture.CosmosEndpoint.ToString(),
            ["AzureWebJobsStorage"] = fixture.StorageConnectionString,
            ["Tables__ConnectionString"] = fixture.StorageConnectionString,
            ["Tables__CostLedgerTable"] = Name + "cost",
            ["Tables__DeadLettersTable"] = Name + "dead",
            ["Tables__CheckpointsTable"] = Name + "ckpt",
            ["TaskHubName"] = Name.Replace("-", "", StringComparison.Ordinal),
            ["Rollups__FlushMaxAgeSeconds"] = "1",
            ["Logging__LogLevel__Default"] = "Warning",
        };
        foreach (var (k, v) in Keys.Settings()) _settings[k] = v;
        foreach (var (k, v) in settings ?? new Dictionary<string, string>()) _settings[k] = v;
        Client = new HostClient($"http://127.0.0.1:{Port}", Keys);
    }

    public string Name { get; }
    public int Port { get; }
    public string StateDir { get; }
    public string Database { get; }
    /// <summary>The host's key per role (distinct: a test that sends the wrong one gets 403).</summary>
    public LocalKeys Keys { get; }
    public HostClient Client { get; }
    public string DeadLettersTable => _settings["Tables__DeadLettersTable"];

    /// <summary>Changes a setting for the next <see cref="StartAsync"/> (as an app-setting change restarts a Functions app).</summary>
    public void Set(string key, string value) => _settings[key] = value;

    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        var th = Path.Combine(AppContext.BaseDirectory, "th.dll");
        var info = new ProcessStartInfo("dotnet") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        info.ArgumentList.Add(th);
        info.ArgumentList.Add("serve");
        foreach (var (k, v) in _settings) info.Environment[k] = v;
        _process = Process.Start(info)!;
        var log = Path.Combine(StateDir, "host.log");
        _process.OutputDataReceived += (_, e) => { if (e.Data is not null) File.AppendAllText(log, e.Data + "\n"); };
        _process.ErrorDataReceived += (_, e) => { if (e.Data is not null) File.AppendAllText(log, e.Data + "\n"); };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        var stopwatch = Stopwatch.StartNew();
        while (!await Client.IsHealthyAsync(cancellationToken))
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"host exited with {_process.ExitCode} during start-up:\n{Tail(log)}");
            }
            if (stopwatch.Elapsed > TimeSpan.FromMinutes(2)) throw new TimeoutException($"host not healthy after 2 minutes:\n{Tail(log)}");
            await Task.Delay(200, cancellationToken);
        }
        _output.WriteLine($"host {Name} (pid {_process.Id}) healthy after {stopwatch.ElapsedMilliseconds} ms");
    }

    /// <summary>Another <c>th</c> command (for example <c>backfill</c>) against this host's state and stores, as a child process; its output goes to <paramref name="logName"/> in the state folder.</summary>
    public Process StartCli(string logName, params string[] args)
    {
        var info = new ProcessStartInfo("dotnet") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "th.dll"));
        foreach (var arg in args) info.ArgumentList.Add(arg);
        foreach (var (k, v) in _settings) info.Environment[k] = v;
        info.Environment["NO_COLOR"] = "1";
        var process = Process.Start(info)!;
        var log = Path.Combine(StateDir, logName);
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) File.AppendAllText(log, e.Data + "\n"); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) File.AppendAllText(log, e.Data + "\n"); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    /// <summary>The last lines of a log file in the state folder.</summary>
    public string LogTail(string logName) => Tail(Path.Combine(StateDir, logName));

    /// <summary>kill -9: no shutdown code runs.</summary>
    public void Kill()
    {
        if (_process is { HasExited: false } p)
        {
            p.Kill(entireProcessTree: true);
            p.WaitForExit();
            _output.WriteLine($"host {Name} (pid {p.Id}) killed");
        }
    }

    /// <summary>Waits until the host has processed at least <paramref name="processed"/> messages (e.g. to kill it mid-stream).</summary>
    public async Task WaitForProcessedAsync(long processed, TimeSpan timeout)
    {
        var stopwatch = Stopwatch.StartNew();
        var last = "";
        while (true)
        {
            try
            {
                var status = await Client.GetStatusAsync(default);
                if (status.Processed >= processed)
                {
                    _output.WriteLine($"{status.Processed} processed of {status.Messages} logged after {stopwatch.ElapsedMilliseconds} ms");
                    return;
                }
                last = status.ToString();
            }
            catch (HttpRequestException e)
            {
                last = e.Message; // the status reads the checkpoints table, which may be throttled (fault injection): look again
            }
            if (stopwatch.Elapsed > timeout)
            {
                throw new TimeoutException($"not {processed} processed after {timeout}: {last}\n{Tail(Path.Combine(StateDir, "host.log"))}");
            }
            await Task.Delay(100);
        }
    }

    /// <summary>Runs a <c>th</c> command (e.g. <c>replay-parked</c>) against this host, as <c>./th</c> would with
    /// TH_PORT and the role keys pointing at it; returns its exit code and output.</summary>
    public async Task<(int ExitCode, string Output)> RunThAsync(TimeSpan timeout, params string[] arguments)
    {
        var info = new ProcessStartInfo("dotnet") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "th.dll"));
        foreach (var argument in arguments) info.ArgumentList.Add(argument);
        info.Environment["TH_REPO_ROOT"] = _settings["TH_REPO_ROOT"];
        info.Environment["TH_PORT"] = Port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        foreach (var role in LocalKeys.Roles) info.Environment[LocalKeys.EnvironmentVariable(role)] = Keys.For(role);
        info.Environment["Local__StateDir"] = StateDir; // where this host records its PID: th talks only to that process
        info.Environment["NO_COLOR"] = "1";
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cancel = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(cancel.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"th {string.Join(' ', arguments)} did not finish within {timeout}");
        }
        var text = await stdout + await stderr;
        _output.WriteLine($"th {string.Join(' ', arguments)} -> exit {process.ExitCode}:\n{text.TrimEnd()}");
        return (process.ExitCode, text);
    }

    /// <summary>Waits until the host says everything logged is processed and every rollup sent, the global totals
    /// entity has counted <paramref name="expectedMessages"/> messages (events + duplicates + dead letters), and the
    /// item shards together hold <paramref name="expectedEvents"/> events. Entity signals are processed
    /// asynchronously (a message taken by a killed worker reappears after the queue's visibility timeout), so
    /// "sent" is not yet "applied".</summary>
    public async Task WaitUntilSettledAsync(long expectedMessages, long expectedEvents, TimeSpan timeout)
    {
        var stopwatch = Stopwatch.StartNew();
        var last = "";
        while (true)
        {
            try
            {
                var status = await Client.GetStatusAsync(default);
                var (_, totals) = await Client.GetAsync("/api/totals", default);
                // Parked messages count as handled: they are durable and visible, waiting for a replay.
                var counted = totals.GetProperty("events").GetInt64() + totals.GetProperty("duplicatesDropped").GetInt64()
                    + totals.GetProperty("deadLettered").GetInt64() + totals.GetProperty("parked").GetInt64();
                var inShards = status.Quiescent && counted >= expectedMessages ? await EventsInShardsAsync() : -1;
                if (inShards >= expectedEvents)
                {
                    _output.WriteLine($"settled after {stopwatch.ElapsedMilliseconds} ms: {status.Messages} messages, {counted} counted by the totals entity, {inShards} events in the item shards");
                    return;
                }
                last = $"{status}, totals counted {counted} of {expectedMessages}, shards hold {inShards} of {expectedEvents} events";
            }
            catch (Exception e) when (e is HttpRequestException or KeyNotFoundException or InvalidOperationException or Azure.RequestFailedException or System.Text.Json.JsonException)
            {
                last = $"not readable yet: {e.GetType().Name}: {e.Message}"; // a store throttled past its retries (fault injection): look again
            }
            if (stopwatch.Elapsed > timeout)
            {
                throw new TimeoutException($"not settled after {timeout}: {last}\n{Tail(Path.Combine(StateDir, "host.log"))}");
            }
            await Task.Delay(500);
        }
    }

    /// <summary>Shard layouts (Rollups:ShardCount values) this host has run with; a reshard test adds the new one.</summary>
    public HashSet<int> ShardLayouts { get; } = [];

    /// <summary>Reads the item shard entities straight from the host's task hub (the current generation's): the events
    /// they have written to the item documents, or -1 while any of them still holds unwritten deltas.</summary>
    private async Task<long> EventsInShardsAsync()
    {
        var generationFile = Path.Combine(StateDir, "generation");
        var generation = File.Exists(generationFile) ? File.ReadAllText(generationFile).Trim() : "1";
        await using var reader = new LocalEntityHost(_fixture.StorageConnectionString, $"{_settings["TaskHubName"]}g{generation}", new RollupOptions(), NullLoggerFactory.Instance);
        var client = reader.CreateClient();
        long events = 0;
        var layouts = ShardLayouts.Count > 0 ? ShardLayouts : [int.TryParse(_settings.GetValueOrDefault("Rollups__ShardCount"), out var count) ? count : new RollupOptions().ShardCount];
        foreach (var layout in layouts)
        {
            for (var shard = 0; shard < layout; shard++)
            {
                var state = await client.GetShardAsync(ShardRouting.ShardKey(layout, shard), default);
                if (state is { HasUnwritten: true }) return -1;
                events += state?.EventsWritten ?? 0;
            }
        }
        return events;
    }

    public async ValueTask DisposeAsync()
    {
        Kill();
        Client.Dispose();
        try
        {
            using var _ = await _fixture.Cosmos.GetDatabase(Database).DeleteStreamAsync();
        }
        catch (Exception e)
        {
            _output.WriteLine($"could not delete database {Database}: {e.Message}");
        }
        try { Directory.Delete(StateDir, recursive: true); } catch (IOException) { }
    }

    private static string Tail(string path) => File.Exists(path) ? string.Join('\n', File.ReadLines(path).TakeLast(30)) : "(no log)";

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
