using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Security.Cryptography;

namespace TreasureHunt.Tools.Cli;

/// <summary>Starting and stopping the processes ./th owns (by recorded PID only), and the local API key.</summary>
internal static partial class LocalProcesses
{
    private const int SigTerm = 15, SigKill = 9;

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);

    /// <summary>Runs a command to completion, streaming its output; throws with its exit code on failure.</summary>
    public static async Task RunAsync(string fileName, IEnumerable<string> arguments, string workingDirectory, CancellationToken cancellationToken, IDictionary<string, string>? environment = null)
    {
        var info = new ProcessStartInfo(fileName) { WorkingDirectory = workingDirectory, UseShellExecute = false };
        foreach (var a in arguments) info.ArgumentList.Add(a);
        foreach (var (k, v) in environment ?? new Dictionary<string, string>()) info.Environment[k] = v;
        using var process = Process.Start(info) ?? throw new InvalidOperationException($"cannot start {fileName}");
        await process.WaitForExitAsync(cancellationToken);
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{fileName} {string.Join(' ', info.ArgumentList)} exited with {process.ExitCode}");
        }
    }

    /// <summary>Starts this program with <paramref name="arguments"/> in its own session, detached, output appended to <paramref name="logFile"/>; returns its PID.</summary>
    public static int SpawnSelf(IEnumerable<string> arguments, string logFile, IDictionary<string, string> environment)
    {
        var self = typeof(LocalProcesses).Assembly.Location;
        var info = new ProcessStartInfo("setsid") { UseShellExecute = false, RedirectStandardInput = true, RedirectStandardOutput = false };
        info.ArgumentList.Add("--fork");
        info.ArgumentList.Add("sh");
        info.ArgumentList.Add("-c");
        info.ArgumentList.Add("echo $$ > \"$0.pid\"; exec \"$@\" >> \"$0\" 2>&1 < /dev/null");
        info.ArgumentList.Add(logFile);
        info.ArgumentList.Add(Environment.ProcessPath!);
        if (!Environment.ProcessPath!.EndsWith("th", StringComparison.Ordinal)) info.ArgumentList.Add(self);
        foreach (var a in arguments) info.ArgumentList.Add(a);
        foreach (var (k, v) in environment) info.Environment[k] = v;
        File.Delete(logFile + ".pid");
        using (var launcher = Process.Start(info)!)
        {
            launcher.WaitForExit();
        }
        var pidFile = logFile + ".pid";
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (!File.Exists(pidFile) || new FileInfo(pidFile).Length == 0)
        {
            if (DateTime.UtcNow > deadline) throw new InvalidOperationException("the host process did not start");
            Thread.Sleep(20);
        }
        Thread.Sleep(20);
        var pid = int.Parse(File.ReadAllText(pidFile).Trim(), System.Globalization.CultureInfo.InvariantCulture);
        File.Delete(pidFile);
        return pid;
    }

    public static bool IsAlive(int pid) => Kill(pid, 0) == 0 || Marshal.GetLastPInvokeError() == 1 /* EPERM: exists */;

    /// <summary>Whether the PID is alive and its command line contains <paramref name="marker"/> (guards against PID reuse).</summary>
    public static bool IsOurs(int pid, string marker)
    {
        var cmdline = $"/proc/{pid}/cmdline";
        return IsAlive(pid) && File.Exists(cmdline) && File.ReadAllText(cmdline).Replace('\0', ' ').Contains(marker, StringComparison.Ordinal);
    }

    /// <summary>SIGTERM, then SIGKILL after the grace period if still alive.</summary>
    public static async Task StopAsync(int pid, TimeSpan grace)
    {
        if (!IsAlive(pid)) return;
        Kill(pid, SigTerm);
        var deadline = DateTime.UtcNow + grace;
        while (IsAlive(pid) && !IsZombie(pid) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(100);
        }
        if (IsAlive(pid) && !IsZombie(pid))
        {
            Kill(pid, SigKill);
        }
    }

    public static void KillNow(int pid) => Kill(pid, SigKill);

    private static bool IsZombie(int pid)
    {
        var stat = $"/proc/{pid}/stat";
        if (!File.Exists(stat)) return true;
        var text = File.ReadAllText(stat);
        var close = text.LastIndexOf(')');
        return close > 0 && close + 2 < text.Length && text[close + 2] == 'Z';
    }
}
