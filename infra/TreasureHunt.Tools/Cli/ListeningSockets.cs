using System.Globalization;

namespace TreasureHunt.Tools.Cli;

/// <summary>
/// Which process listens on a local TCP port, read from Linux's /proc: the inodes of the sockets in LISTEN state on
/// the port (/proc/net/tcp and tcp6, any local address), and whether a given process holds one of them among its file
/// descriptors (/proc/PID/fd → <c>socket:[inode]</c>). This is how ./th makes sure the process answering a port is
/// the host it started before it sends that process the API key — a health answer proves nothing about who answers.
/// </summary>
internal static class ListeningSockets
{
    private const string ListenState = "0A";

    /// <summary>The inodes of the sockets listening on <paramref name="port"/>.</summary>
    public static IReadOnlySet<string> InodesListeningOn(int port, string procRoot = "/proc")
    {
        var inodes = new HashSet<string>(StringComparer.Ordinal);
        foreach (var table in new[] { "net/tcp", "net/tcp6" })
        {
            var path = Path.Combine(procRoot, table);
            if (!File.Exists(path)) continue;
            foreach (var line in File.ReadLines(path).Skip(1))
            {
                var columns = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                if (columns.Length < 10 || columns[3] != ListenState) continue;
                var local = columns[1];
                var colon = local.LastIndexOf(':');
                if (colon < 0 || !int.TryParse(local.AsSpan(colon + 1), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var listening)) continue;
                if (listening == port && columns[9] != "0") inodes.Add(columns[9]);
            }
        }
        return inodes;
    }

    /// <summary>Whether anything listens on <paramref name="port"/>.</summary>
    public static bool AnyListening(int port, string procRoot = "/proc") => InodesListeningOn(port, procRoot).Count > 0;

    /// <summary>Whether process <paramref name="pid"/> holds a socket listening on <paramref name="port"/>.</summary>
    public static bool IsListening(int pid, int port, string procRoot = "/proc")
    {
        var inodes = InodesListeningOn(port, procRoot);
        if (inodes.Count == 0) return false;
        var fds = Path.Combine(procRoot, pid.ToString(CultureInfo.InvariantCulture), "fd");
        IEnumerable<string> entries;
        try
        {
            entries = Directory.EnumerateFileSystemEntries(fds).ToList();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false; // gone, or not ours to read: not a host we started
        }
        foreach (var fd in entries)
        {
            string? target;
            try
            {
                target = new FileInfo(fd).LinkTarget;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                continue; // closed while we looked
            }
            if (target is { } t && t.StartsWith("socket:[", StringComparison.Ordinal) && inodes.Contains(t[8..^1])) return true;
        }
        return false;
    }
}
