using System.Diagnostics;
using System.Globalization;
using System.Reflection;
using TreasureHunt.IntegrationTests.Reliability;
using TreasureHunt.Tools.Load;
using TreasureHunt.Testing;
using Xunit.Abstractions;

namespace TreasureHunt.IntegrationTests.Worker;

/// <summary>
/// The local host in worker mode (<c>Local:Worker=true</c>, what <c>./th up --worker</c> starts) as a child process: the
/// app's batches, entity operations, timer flushes and HTTP routes run in the built Functions worker process; the host
/// keeps ingest and <c>/api/local/*</c>. The Functions host restarts a worker process that exits and the Event Hubs
/// trigger redelivers an uncheckpointed batch (azure-functions-host WebHostRpcWorkerChannelManager / the Event Hubs
/// extension's checkpoint-after-invocation); the host's supervisor and pumps do the same here.
/// </summary>
[Collection(EmulatorFixture.CollectionName)]
public sealed class WorkerModeHostTests(EmulatorFixture fixture, ITestOutputHelper output)
{
    private static readonly string FunctionsOutputDir = typeof(WorkerModeHostTests).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
        .Single(a => a.Key == "FunctionsOutputDir").Value!;

    [Fact]
    public async Task The_local_host_in_worker_mode_with_a_sigkilled_worker_serves_the_ground_truth_from_the_worker()
    {
        await using var host = new HostProcess(fixture, output, "wkmode", new Dictionary<string, string>
        {
            ["Local__Worker"] = "true",
            ["Local__WorkerDirectory"] = FunctionsOutputDir,
            ["Local__MaxBatchSize"] = "300",
        });
        var watch = Stopwatch.StartNew();
        await host.StartAsync();
        var firstPid = WorkerPid(host);
        Assert.True(IsFunctionsWorker(firstPid), $"pid {firstPid} in worker.pid is not the Functions worker");

        var (messages, truth) = ReliabilityTests.Generate(4_000, new LoadProfile(Users: 400, Items: 120, DuplicateRate: 0, BadRate: 0, Seed: 37));
        await ReliabilityTests.SendAsync(host.Client, messages, default);
        await host.WaitForProcessedAsync(500, TimeSpan.FromMinutes(3));

        // SIGKILL the worker mid-stream: the app's routes have no worker until the host has started another (503),
        // which shows they are the worker's; the batches it held are read again from their checkpoints.
        using (var worker = Process.GetProcessById(firstPid))
        {
            worker.Kill();
            worker.WaitForExit();
        }
        using (var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{host.Port}") })
        {
            var withoutWorker = (int)(await http.GetAsync("/api/health")).StatusCode;
            Assert.True(withoutWorker is 502 or 503, $"/api/health without a worker answered {withoutWorker}");
        }
        var secondPid = await WaitForNewWorkerAsync(host, firstPid, TimeSpan.FromMinutes(2));
        Assert.True(IsFunctionsWorker(secondPid));

        await host.WaitUntilSettledAsync(messages.Count, truth.Events, TimeSpan.FromMinutes(5));
        await AggregateAssertions.AssertMatchesAsync(host, truth, fixture, output, sampledItems: 40);
        Assert.Equal(secondPid, WorkerPid(host)); // one restart: nothing else killed the worker
        output.WriteLine($"{messages.Count} events through the worker (pid {firstPid}, killed, then {secondPid}) in {watch.Elapsed.TotalSeconds:0.0} s");
    }

    private static int WorkerPid(HostProcess host) =>
        int.Parse(File.ReadAllText(Path.Combine(host.StateDir, "worker.pid")).Trim(), CultureInfo.InvariantCulture);

    /// <summary>Whether the process runs the Functions app's dll (its command line, from /proc).</summary>
    private static bool IsFunctionsWorker(int pid)
    {
        var cmdline = $"/proc/{pid}/cmdline";
        return File.Exists(cmdline) && File.ReadAllText(cmdline).Contains("TreasureHunt.Functions.dll", StringComparison.Ordinal);
    }

    private static async Task<int> WaitForNewWorkerAsync(HostProcess host, int previous, TimeSpan timeout)
    {
        var watch = Stopwatch.StartNew();
        while (watch.Elapsed < timeout)
        {
            if (File.Exists(Path.Combine(host.StateDir, "worker.pid")) && WorkerPid(host) is var pid && pid != previous && IsFunctionsWorker(pid))
            {
                var (status, _) = await host.Client.GetAsync("/api/health", default);
                if (status == 200)
                {
                    return pid;
                }
            }
            await Task.Delay(250);
        }
        throw new TimeoutException($"no new worker after {timeout}:\n{host.LogTail("host.log")}");
    }
}
