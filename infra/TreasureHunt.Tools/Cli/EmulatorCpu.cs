using System.Diagnostics;
using System.Globalization;

namespace TreasureHunt.Tools.Cli;

/// <summary>
/// The CPU time the emulators' processes (PIDs recorded by infra/local/emulators.sh in the state folder) have used: a
/// bench reads it around a phase, as a cost that does not depend on how busy the machine is the way wall time does.
/// </summary>
internal static class EmulatorCpu
{
    /// <summary>CPU milliseconds of the Cosmos emulator and of Azurite so far (null: no PID file or no such process).</summary>
    public static (double? CosmosMs, double? AzuriteMs) Read(string stateDir) => (Of(Path.Combine(stateDir, "cosmos.pid")), Of(Path.Combine(stateDir, "azurite.pid")));

    private static double? Of(string pidFile)
    {
        if (!File.Exists(pidFile) || !int.TryParse(File.ReadAllText(pidFile).Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var pid)) return null;
        try
        {
            using var process = Process.GetProcessById(pid);
            return process.TotalProcessorTime.TotalMilliseconds;
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException)
        {
            return null; // exited
        }
    }
}
