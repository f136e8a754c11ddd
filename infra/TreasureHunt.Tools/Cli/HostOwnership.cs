using System.Globalization;

namespace TreasureHunt.Tools.Cli;

/// <summary>Who listens on the host's port: nobody, the host whose PID ./th recorded, or another process.</summary>
internal enum PortOwner
{
    Nobody,
    RecordedHost,
    Other,
}

/// <summary>
/// Whether the process on a port is the host ./th started: the PID recorded in <c>&lt;state&gt;/host.pid</c> must be a
/// live <c>serve</c> process and must hold the listening socket itself (<see cref="ListeningSockets"/>). ./th sends the
/// API key only to <see cref="PortOwner.RecordedHost"/>; any other listener gets nothing, not even a health probe with
/// the key.
/// </summary>
internal static class HostOwnership
{
    public static string PidFile(string hostStateDir) => Path.Combine(hostStateDir, "host.pid");

    /// <summary>The PID in <c>host.pid</c>, or null when there is none (or it is unreadable).</summary>
    public static int? RecordedPid(string hostStateDir)
    {
        var path = PidFile(hostStateDir);
        return File.Exists(path) && int.TryParse(File.ReadAllText(path).Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var pid) ? pid : null;
    }

    public static PortOwner Of(int port, string hostStateDir) => Of(port, hostStateDir, pid => LocalProcesses.IsOurs(pid, "serve"));

    /// <param name="isHostProcess">Whether a live PID is a host process (not a reused PID); a seam for tests.</param>
    public static PortOwner Of(int port, string hostStateDir, Func<int, bool> isHostProcess)
    {
        ArgumentNullException.ThrowIfNull(isHostProcess);
        if (!ListeningSockets.AnyListening(port)) return PortOwner.Nobody;
        return RecordedPid(hostStateDir) is { } pid && isHostProcess(pid) && ListeningSockets.IsListening(pid, port)
            ? PortOwner.RecordedHost
            : PortOwner.Other;
    }

    /// <summary>What ./th says instead of talking to a process that is not its host.</summary>
    public static string NotOurs(int port, string hostStateDir) =>
        $"Port {port} is answered by a process that is not the host ./th started (no live host whose PID is in {PidFile(hostStateDir)} listens on it); " +
        "./th sends it nothing, not even the API key. Stop that process, or run ./th with another port (TH_PORT).";
}
