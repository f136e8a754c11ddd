namespace TreasureHunt.Local.Worker;

/// <summary>How the harness starts the worker: where its build output is and the app settings it runs with.</summary>
internal sealed class WorkerHarnessOptions
{
    /// <summary>The worker's build output (holds <c>worker.config.json</c>, <c>functions.metadata</c> and the app's dll).</summary>
    public required string WorkerDirectory { get; init; }

    /// <summary>App settings, passed as environment variables as the host does (the <c>Values</c> of local.settings.json).</summary>
    public IReadOnlyDictionary<string, string> AppSettings { get; init; } = new Dictionary<string, string>();

    /// <summary>How long the worker may take from process start to its loaded functions (it creates storage first).</summary>
    public TimeSpan StartupTimeout { get; init; } = TimeSpan.FromMinutes(2);

    /// <summary>The grace period the harness gives the worker after <c>WorkerTerminate</c> before it kills the process.</summary>
    public TimeSpan TerminateGracePeriod { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// The Durable Task backend the harness's sidecar answers the worker's <c>[DurableClient]</c> calls from; null = no
    /// sidecar (a durable client call then fails as UNIMPLEMENTED).
    /// </summary>
    public DurableTaskBackend? DurableBackend { get; init; }

    /// <summary>Throws with the setting's name when the options cannot start a worker.</summary>
    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(WorkerDirectory) || !Directory.Exists(WorkerDirectory))
        {
            throw new ArgumentException($"WorkerDirectory '{WorkerDirectory}' does not exist: build functions/TreasureHunt.Functions first.");
        }
        if (!File.Exists(Path.Combine(WorkerDirectory, "worker.config.json")))
        {
            throw new ArgumentException($"WorkerDirectory '{WorkerDirectory}' has no worker.config.json: it is not a Functions worker build output.");
        }
        if (StartupTimeout <= TimeSpan.Zero || TerminateGracePeriod < TimeSpan.Zero)
        {
            throw new ArgumentException("StartupTimeout must be positive and TerminateGracePeriod not negative.");
        }
    }
}
