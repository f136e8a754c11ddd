using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using System.Text;

namespace TreasureHunt.Testing;

/// <summary>
/// The local emulators the integration tests talk to: Azurite (blob, queue, table) and the Cosmos DB protocol
/// server of <c>infra/local/emulators</c>, both on 127.0.0.1 and driven by <c>infra/local/emulators.sh</c>.
/// </summary>
/// <remarks>
/// <para><see cref="EnsureStartedAsync"/> works under an inter-process lock (<c>&lt;state&gt;/emulators.lock</c>):
/// emulators that already answer are used as they are (whoever started them); the others are installed
/// (<c>emulators.sh install</c>, i.e. <c>npm ci</c> when needed) and started by the script with owner
/// <c>fixture</c>. Each instance also holds a lease file (<c>&lt;state&gt;/leases/</c>) while in use.</para>
/// <para><see cref="DisposeAsync"/> drops the lease and, when no other live process still holds one, stops the
/// emulators whose recorded owner is <c>fixture</c> (SIGTERM, SIGKILL after 5 s, by recorded PID). So parallel
/// test assemblies share one pair of emulators, the last one out stops them, and emulators started by hand
/// (<c>emulators.sh start</c>, owner <c>manual</c>) or by anything else are never stopped by tests.</para>
/// <para>The environment variables of the script apply here too: <c>TH_STATE_DIR</c>,
/// <c>TH_AZURITE_BLOB_PORT</c>, <c>TH_AZURITE_QUEUE_PORT</c>, <c>TH_AZURITE_TABLE_PORT</c>,
/// <c>TH_COSMOS_PORT</c>; <c>TH_REPO_ROOT</c> overrides the repository root search. The emulators read
/// <c>TH_FAULT_RATE</c> and <c>TH_FAULT_SEED</c> when they start (fault injection, default none).</para>
/// </remarks>
public sealed class LocalEmulators : IAsyncDisposable
{
    /// <summary>The well-known key of the Cosmos DB emulator (the local server does not check it).</summary>
    public const string WellKnownCosmosKey =
        "C2y6yDjf5/R+ob0N8A7Cgv30VRDJIWEHLM+4QDU5DE2nQ9nDuVTqobD4b8mGGyPMbIZnqyMsEcaGQy67XIw/Jw==";

    /// <summary>The well-known key of the Azurite development account <c>devstoreaccount1</c>.</summary>
    public const string WellKnownStorageKey =
        "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

    private const string Host = "127.0.0.1";
    private const string FixtureOwner = "fixture";
    private static readonly string[] Names = ["azurite", "cosmos"];

    private readonly Action<string> _log;
    private readonly List<string> _started = [];
    private string? _leaseFile;
    private bool _disposed;

    /// <summary>Creates the handle; nothing is started until <see cref="EnsureStartedAsync"/>.</summary>
    /// <param name="log">Receives progress lines (start/stop timings, script output); optional.</param>
    public LocalEmulators(Action<string>? log = null)
    {
        _log = log ?? (_ => { });
        RepoRoot = FindRepoRoot();
        StateDirectory = Path.GetFullPath(
            Environment.GetEnvironmentVariable("TH_STATE_DIR") is { Length: > 0 } state
                ? state
                : Path.Combine(RepoRoot, ".th"));
        BlobPort = PortFromEnvironment("TH_AZURITE_BLOB_PORT", 10000);
        QueuePort = PortFromEnvironment("TH_AZURITE_QUEUE_PORT", 10001);
        TablePort = PortFromEnvironment("TH_AZURITE_TABLE_PORT", 10002);
        CosmosPort = PortFromEnvironment("TH_COSMOS_PORT", 8081);
    }

    /// <summary>
    /// A private pair of emulators (its own state folder and ports: blob, queue, table = <paramref name="firstPort"/>
    /// .. +2, Cosmos = +3, Azurite's inner table port behind the limit layer = +4, whatever
    /// <c>TH_AZURITE_TABLE_INNER_PORT</c> says for the shared ones) started with their own fault injection
    /// (<c>TH_FAULT_RATE</c>, <c>TH_FAULT_SEED</c>), so that a test can run against faulty stores without disturbing
    /// the shared emulators of the other tests.
    /// </summary>
    public LocalEmulators(Action<string>? log, string stateDirectory, int firstPort, double faultRate, int faultSeed)
    {
        _log = log ?? (_ => { });
        RepoRoot = FindRepoRoot();
        StateDirectory = Path.GetFullPath(stateDirectory);
        BlobPort = firstPort;
        QueuePort = firstPort + 1;
        TablePort = firstPort + 2;
        CosmosPort = firstPort + 3;
        TableInnerPort = firstPort + 4;
        FaultRate = faultRate;
        FaultSeed = faultSeed;
    }

    /// <summary>Azurite's own table port behind the limit layer; null = <c>TH_AZURITE_TABLE_INNER_PORT</c> of the environment (default table + 100).</summary>
    public int? TableInnerPort { get; }

    /// <summary>The fault rate these emulators are started with; null = whatever <c>TH_FAULT_RATE</c> the environment says (default 0).</summary>
    public double? FaultRate { get; }

    /// <summary>The fault seed these emulators are started with; null = <c>TH_FAULT_SEED</c> of the environment (default 1).</summary>
    public int? FaultSeed { get; }

    /// <summary>The repository root (the folder holding TreasureHunt.sln).</summary>
    public string RepoRoot { get; }

    /// <summary>The emulators' state folder (PIDs, logs, data): <c>TH_STATE_DIR</c> or <c>&lt;repo&gt;/.th</c>.</summary>
    public string StateDirectory { get; }

    /// <summary>Path of <c>infra/local/emulators.sh</c>.</summary>
    public string Script => Path.Combine(RepoRoot, "infra", "local", "emulators.sh");

    public int BlobPort { get; }
    public int QueuePort { get; }
    public int TablePort { get; }
    public int CosmosPort { get; }

    /// <summary>The Cosmos DB endpoint, e.g. <c>https://127.0.0.1:8081/</c> (self-signed certificate).</summary>
    public Uri CosmosEndpoint => new($"https://{Host}:{CosmosPort}/");

    /// <summary>The Cosmos DB key (the emulator's well-known key).</summary>
    public string CosmosKey => WellKnownCosmosKey;

    /// <summary>
    /// Azurite's connection string, in the explicit form (equivalent to <c>UseDevelopmentStorage=true</c> on the
    /// default ports, but also right when the ports are overridden).
    /// </summary>
    public string StorageConnectionString =>
        "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;" +
        $"AccountKey={WellKnownStorageKey};" +
        $"BlobEndpoint=http://{Host}:{BlobPort}/devstoreaccount1;" +
        $"QueueEndpoint=http://{Host}:{QueuePort}/devstoreaccount1;" +
        $"TableEndpoint=http://{Host}:{TablePort}/devstoreaccount1;";

    /// <summary>The emulators this instance had to start (<c>azurite</c>, <c>cosmos</c>).</summary>
    public IReadOnlyList<string> StartedByThisInstance => _started;

    /// <summary>How long to wait for the inter-process lock (another test process starting the emulators).</summary>
    public TimeSpan LockTimeout { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>How long <c>emulators.sh</c> may take (a first <c>npm ci</c> included).</summary>
    public TimeSpan ScriptTimeout { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>
    /// Makes sure both emulators answer on 127.0.0.1, starting (and first installing) the ones that do not.
    /// Safe to call from several processes at once; calling it again on the same instance is a no-op check.
    /// </summary>
    public async Task EnsureStartedAsync(CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var clock = Stopwatch.StartNew();
        await using (await AcquireLockAsync(cancellationToken).ConfigureAwait(false))
        {
            _leaseFile ??= WriteLease();
            var missing = Names.Where(name => !Answering(name)).ToList();
            if (missing.Count == 0)
            {
                _log($"emulators already answering ({Describe()}), {clock.ElapsedMilliseconds} ms");
                return;
            }

            if (!File.Exists(Script))
                throw new InvalidOperationException($"Cannot start the emulators: {Script} does not exist.");

            _log($"starting {string.Join(" and ", missing)} with {Script} ...");
            await RunScriptAsync(missing.Count == Names.Length ? "all" : missing[0], "start", cancellationToken)
                .ConfigureAwait(false);
            foreach (var name in missing)
            {
                if (!Answering(name))
                    throw new InvalidOperationException(
                        $"{name} does not answer on {Host}:{string.Join(",", PortsOf(name))} after emulators.sh start; " +
                        $"see {Path.Combine(StateDirectory, name + ".log")}.");
                _started.Add(name);
            }

            _log($"emulators ready ({Describe()}), started {string.Join(", ", missing)} in {clock.ElapsedMilliseconds} ms");
        }
    }

    /// <summary>
    /// Drops this instance's lease; the last live lease holder stops the emulators that a fixture started.
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        if (_disposed)
            return;
        _disposed = true;
        if (_leaseFile is null)
            return;

        var clock = Stopwatch.StartNew();
        await using (await AcquireLockAsync(CancellationToken.None).ConfigureAwait(false))
        {
            TryDelete(_leaseFile);
            _leaseFile = null;
            var others = LiveLeases();
            if (others > 0)
            {
                _log($"{others} other emulator user(s) still running: emulators left up");
                return;
            }

            var toStop = Names.Where(name => OwnerOf(name) == FixtureOwner).ToList();
            if (toStop.Count == 0)
            {
                _log("no fixture-started emulator to stop");
                return;
            }

            await RunScriptAsync(toStop.Count == Names.Length ? "all" : toStop[0], "stop", CancellationToken.None)
                .ConfigureAwait(false);
            _log($"stopped {string.Join(", ", toStop)} in {clock.ElapsedMilliseconds} ms");
        }
    }

    /// <summary>True when every port of the named emulator (<c>azurite</c> or <c>cosmos</c>) accepts a TCP connection.</summary>
    public bool Answering(string name) => PortsOf(name).All(PortOpen);

    private IEnumerable<int> PortsOf(string name) => name switch
    {
        "azurite" => [BlobPort, QueuePort, TablePort],
        "cosmos" => [CosmosPort],
        _ => throw new ArgumentOutOfRangeException(nameof(name), name, "azurite or cosmos"),
    };

    private string Describe() =>
        $"cosmos {CosmosEndpoint}, azurite {Host}:{BlobPort}/{QueuePort}/{TablePort}, state {StateDirectory}";

    private static bool PortOpen(int port)
    {
        try
        {
            using var client = new TcpClient();
            return client.ConnectAsync(Host, port).Wait(TimeSpan.FromSeconds(1)) && client.Connected;
        }
        catch (AggregateException)
        {
            return false;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    private string? OwnerOf(string name)
    {
        var path = Path.Combine(StateDirectory, name + ".owner");
        try
        {
            return File.Exists(path) ? File.ReadAllText(path).Trim() : null;
        }
        catch (IOException)
        {
            return null;
        }
    }

    // ---- inter-process lock ----------------------------------------------------------------------------------

    private async Task<FileStream> AcquireLockAsync(CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(StateDirectory);
        var path = Path.Combine(StateDirectory, "emulators.lock");
        var clock = Stopwatch.StartNew();
        var waited = false;
        while (true)
        {
            try
            {
                // FileShare.None is an exclusive advisory lock (flock) on Unix; the OS drops it if the process dies.
                return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException) when (clock.Elapsed < LockTimeout)
            {
                if (!waited)
                {
                    _log($"waiting for {path} (another process is starting or stopping the emulators)");
                    waited = true;
                }

                await Task.Delay(TimeSpan.FromMilliseconds(200), cancellationToken).ConfigureAwait(false);
            }
            catch (IOException e)
            {
                throw new TimeoutException($"Could not lock {path} within {LockTimeout}.", e);
            }
        }
    }

    // ---- leases: which processes currently use the emulators -------------------------------------------------

    private string LeaseDirectory => Path.Combine(StateDirectory, "leases");

    private string WriteLease()
    {
        Directory.CreateDirectory(LeaseDirectory);
        using var self = Process.GetCurrentProcess();
        var path = Path.Combine(LeaseDirectory, $"{Environment.ProcessId}-{Guid.NewGuid():N}.lease");
        File.WriteAllText(path, $"{Environment.ProcessId} {StartTicks(self)}");
        return path;
    }

    /// <summary>Counts the leases of live processes, deleting those whose process is gone.</summary>
    private int LiveLeases()
    {
        if (!Directory.Exists(LeaseDirectory))
            return 0;
        var live = 0;
        foreach (var file in Directory.EnumerateFiles(LeaseDirectory, "*.lease"))
        {
            if (LeaseAlive(file))
                live++;
            else
                TryDelete(file);
        }

        return live;
    }

    private static bool LeaseAlive(string file)
    {
        try
        {
            var parts = File.ReadAllText(file).Split(' ', StringSplitOptions.RemoveEmptyEntries);
            var pid = int.Parse(parts[0], CultureInfo.InvariantCulture);
            var ticks = long.Parse(parts[1], CultureInfo.InvariantCulture);
            using var process = Process.GetProcessById(pid);
            return !process.HasExited && StartTicks(process) == ticks; // guards against a recycled PID
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or FormatException
                                      or IndexOutOfRangeException or IOException or OverflowException)
        {
            return false;
        }
    }

    private static long StartTicks(Process process) => process.StartTime.ToUniversalTime().Ticks / TimeSpan.TicksPerSecond;

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    // ---- the script ------------------------------------------------------------------------------------------

    private async Task RunScriptAsync(string target, string command, CancellationToken cancellationToken)
    {
        var info = new ProcessStartInfo("bash")
        {
            WorkingDirectory = RepoRoot,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(Script);
        info.ArgumentList.Add(command);
        info.ArgumentList.Add(target);
        info.Environment["TH_STATE_DIR"] = StateDirectory;
        info.Environment["TH_AZURITE_BLOB_PORT"] = BlobPort.ToString(CultureInfo.InvariantCulture);
        info.Environment["TH_AZURITE_QUEUE_PORT"] = QueuePort.ToString(CultureInfo.InvariantCulture);
        info.Environment["TH_AZURITE_TABLE_PORT"] = TablePort.ToString(CultureInfo.InvariantCulture);
        info.Environment["TH_COSMOS_PORT"] = CosmosPort.ToString(CultureInfo.InvariantCulture);
        if (TableInnerPort is { } inner) info.Environment["TH_AZURITE_TABLE_INNER_PORT"] = inner.ToString(CultureInfo.InvariantCulture);
        info.Environment["TH_EMULATORS_OWNER"] = FixtureOwner;
        if (FaultRate is { } rate) info.Environment["TH_FAULT_RATE"] = rate.ToString(CultureInfo.InvariantCulture);
        if (FaultSeed is { } seed) info.Environment["TH_FAULT_SEED"] = seed.ToString(CultureInfo.InvariantCulture);

        var output = new StringBuilder();
        using var process = new Process { StartInfo = info };
        process.OutputDataReceived += (_, e) => Collect(e.Data);
        process.ErrorDataReceived += (_, e) => Collect(e.Data);
        process.Start();
        process.StandardInput.Close();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(ScriptTimeout);
        try
        {
            await process.WaitForExitAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            try
            {
                process.Kill(entireProcessTree: true); // the script only: the emulators run in their own session
            }
            catch (InvalidOperationException)
            {
            }

            throw new TimeoutException(
                $"{Script} {command} {target} did not finish within {ScriptTimeout}. Output:\n{Snapshot()}");
        }

        if (process.ExitCode != 0)
            throw new InvalidOperationException(
                $"{Script} {command} {target} failed (exit code {process.ExitCode}). Output:\n{Snapshot()}");

        void Collect(string? line)
        {
            if (line is null)
                return;
            lock (output)
                output.AppendLine(line);
            _log(line);
        }

        string Snapshot()
        {
            lock (output)
                return output.ToString();
        }
    }

    // ---- configuration ---------------------------------------------------------------------------------------

    private static int PortFromEnvironment(string variable, int fallback)
    {
        var text = Environment.GetEnvironmentVariable(variable);
        if (string.IsNullOrWhiteSpace(text))
            return fallback;
        return int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var port) && port is > 0 and < 65536
            ? port
            : throw new InvalidOperationException($"{variable}='{text}' is not a TCP port.");
    }

    /// <summary>
    /// Walks up from the test assembly's folder to the repository root: the folder holding TreasureHunt.sln
    /// (or .slnx); failing that, the nearest one holding Directory.Build.props and infra/local/emulators.sh.
    /// <c>TH_REPO_ROOT</c> overrides the search.
    /// </summary>
    public static string FindRepoRoot()
    {
        if (Environment.GetEnvironmentVariable("TH_REPO_ROOT") is { Length: > 0 } explicitRoot)
            return Path.GetFullPath(explicitRoot);

        string? fallback = null;
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "TreasureHunt.sln")) ||
                File.Exists(Path.Combine(dir.FullName, "TreasureHunt.slnx")))
                return dir.FullName;
            if (fallback is null &&
                File.Exists(Path.Combine(dir.FullName, "Directory.Build.props")) &&
                File.Exists(Path.Combine(dir.FullName, "infra", "local", "emulators.sh")))
                fallback = dir.FullName;
        }

        return fallback ?? throw new InvalidOperationException(
            $"Cannot find the repository root (TreasureHunt.sln) above {AppContext.BaseDirectory}; set TH_REPO_ROOT.");
    }
}
