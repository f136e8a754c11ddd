using System.Net;
using System.Net.Sockets;
using System.Text;
using TreasureHunt.Tools.Cli;
using TreasureHunt.Local.Hosting;

namespace TreasureHunt.Local.Tests;

/// <summary>./th talks only to the host it started: the process listening on the port must be the one whose PID is
/// recorded in host.pid; any other listener is sent nothing — in particular not the API key.</summary>
public sealed class HostOwnershipTests : IDisposable
{
    private readonly string _repo = Directory.CreateTempSubdirectory("th-owner-").FullName;

    private string StateDir => Path.Combine(_repo, ".th");

    public void Dispose() => Directory.Delete(_repo, recursive: true);

    private void RecordPid(int pid)
    {
        Directory.CreateDirectory(StateDir);
        File.WriteAllText(HostOwnership.PidFile(StateDir), pid.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }

    [Fact]
    public void The_listening_socket_is_found_in_its_own_process_and_in_no_other()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        try
        {
            Assert.True(ListeningSockets.AnyListening(port));
            Assert.True(ListeningSockets.IsListening(Environment.ProcessId, port));
            Assert.False(ListeningSockets.IsListening(1, port));

            Assert.Equal(PortOwner.Other, HostOwnership.Of(port, StateDir, _ => true)); // no host.pid
            RecordPid(Environment.ProcessId);
            Assert.Equal(PortOwner.RecordedHost, HostOwnership.Of(port, StateDir, _ => true));
            Assert.Equal(PortOwner.Other, HostOwnership.Of(port, StateDir, _ => false)); // a reused PID: not a host process
            RecordPid(1);
            Assert.Equal(PortOwner.Other, HostOwnership.Of(port, StateDir, _ => true)); // the recorded process does not hold the socket
        }
        finally
        {
            listener.Stop();
        }
        Assert.Equal(PortOwner.Nobody, HostOwnership.Of(port, StateDir, _ => true));
    }

    [Fact]
    public async Task A_process_that_is_not_the_recorded_host_is_sent_nothing_not_even_the_key()
    {
        // A stranger on the port that answers every request 200 and keeps what it was sent.
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        var received = new StringBuilder();
        using var stop = new CancellationTokenSource();
        var stranger = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                using var connection = await listener.AcceptTcpClientAsync(stop.Token);
                var stream = connection.GetStream();
                var buffer = new byte[8192];
                var read = await stream.ReadAsync(buffer, stop.Token);
                lock (received) received.Append(Encoding.ASCII.GetString(buffer, 0, read));
                await stream.WriteAsync("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}"u8.ToArray(), stop.Token);
            }
        });
        try
        {
            RecordPid(1); // ./th's record names another process
            var stack = new LocalStack(_repo);

            using var client = await stack.ConnectToRunningHostAsync(port, CancellationToken.None);

            Assert.Null(client);
            var keys = LocalKeys.Resolve(StateDir);
            string[] all = [keys.Reader, keys.Operator, keys.Ingest];
            lock (received)
            {
                Assert.All(all, key => Assert.DoesNotContain(key, received.ToString(), StringComparison.Ordinal));
                Assert.DoesNotContain("x-functions-key", received.ToString(), StringComparison.OrdinalIgnoreCase);
            }
            var refused = await Assert.ThrowsAsync<InvalidOperationException>(() => stack.EnsureHostAsync(port, StateDir, new Dictionary<string, string>(), CancellationToken.None));
            Assert.Contains("not the host ./th started", refused.Message);
            lock (received) Assert.All(all, key => Assert.DoesNotContain(key, received.ToString(), StringComparison.Ordinal));
        }
        finally
        {
            await stop.CancelAsync();
            listener.Stop();
            await Task.WhenAny(stranger, Task.Delay(1000));
        }
    }
}
