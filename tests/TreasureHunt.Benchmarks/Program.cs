using System.Diagnostics;
using System.Globalization;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;

namespace TreasureHunt.Benchmarks;

/// <summary>
/// Runs the benchmarks with a short, fixed job (a full run takes a few minutes on 2 cores): 2 warmup and 8 measured
/// iterations of 100 batches (100,000 events) each, in process, with the .NET default GC. Garbage collections are not forced between iterations, so the cost of collecting what the measured code
/// allocates (and keeps) is part of the figures.
/// Usage: dotnet run -c Release --project tests/TreasureHunt.Benchmarks -- --filter '*'
/// Diagnostics: dotnet run -c Release --project tests/TreasureHunt.Benchmarks -- --profile [batches] [Zipf|HotUser]
/// Point-in-time export replay: dotnet run -c Release --project tests/TreasureHunt.Benchmarks -- --export [messages]
/// Nexmark (docs/BENCHMARKS.md, "Nexmark"): dotnet run -c Release --project tests/TreasureHunt.Benchmarks -- --filter '*Nexmark*'
/// </summary>
public static class Program
{
    public const int BatchesPerIteration = 100;
    public const int WarmupIterations = 2;
    public const int MeasuredIterations = 8;

    public static void Main(string[] args)
    {
        if (args is ["--export", ..])
        {
            ExportProfile.Run(args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 1_000_000);
            return;
        }
        if (args is ["--profile", ..])
        {
            Profile(args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 1000,
                args.Length > 2 ? Enum.Parse<Workload>(args[2], ignoreCase: true) : Workload.Zipf);
            return;
        }
        var job = Job.Default
            .WithWarmupCount(WarmupIterations)
            .WithIterationCount(MeasuredIterations)
            .WithInvocationCount(BatchesPerIteration)
            .WithUnrollFactor(1)
            .WithLaunchCount(1)
            .WithGcForce(false)
            // In process (no generated project to build): on the shared 2-core machine the generated project's build
            // (the benchmark references the local host for the workload's Zipf sampler) exceeded BenchmarkDotNet's
            // 2-minute build timeout. Each case gets a fresh CoreBenchmarks instance; Cleanup releases its state.
            .WithToolchain(InProcessEmitToolchain.Instance);
        // The .NET default GC (workstation, concurrent), as the Functions host runs.
        var config = DefaultConfig.Instance
            .AddJob(job.WithId("DefaultGC"))
            .AddColumn(StatisticColumn.OperationsPerSecond)
            .WithOptions(ConfigOptions.JoinSummary);
        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args, config);
    }

    /// <summary>
    /// Diagnostic mode (not a benchmark): warms up like the aggregate benchmark, then runs fresh batches in a plain loop
    /// (for a profiler to attach to, for example perf or dotnet-trace) and prints rough figures: time and allocation per
    /// phase, events per second, and what the garbage collector did.
    /// </summary>
    private static void Profile(int batches, Workload workload)
    {
        Console.WriteLine($"workload: {workload}");
        var benchmarks = new CoreBenchmarks { Workload = workload };
        var setup = Stopwatch.StartNew();
        benchmarks.SetupAggregation();
        Console.WriteLine($"setup: {setup.Elapsed.TotalSeconds:F1} s");

        const int phaseBatches = 300;
        var phases = new (long Ticks, long Bytes)[3];
        for (var i = 0; i < phaseBatches; i++)
        {
            var measured = benchmarks.MeasurePhases();
            for (var p = 0; p < phases.Length; p++) phases[p] = (phases[p].Ticks + measured[p].Ticks, phases[p].Bytes + measured[p].Bytes);
        }
        var phaseEvents = phaseBatches * (double)CoreBenchmarks.BatchSize;
        string[] names = ["parse", "apply", "rollup delta"];
        Console.WriteLine("per event, GC pauses included: " + string.Join("; ", names.Select((n, p) =>
            $"{n} {phases[p].Ticks * 1e9 / Stopwatch.Frequency / phaseEvents:N0} ns, {phases[p].Bytes / phaseEvents:N0} B allocated")));
        Console.WriteLine($"new users: {benchmarks.NewUsers * 1000 / phaseEvents:N1} per 1,000 events" +
            (benchmarks.NewUsers > 0 ? $" (apply allocated {phases[1].Bytes / (double)benchmarks.NewUsers:N0} B per new user)" : ""));

        var pause = GC.GetTotalPauseDuration();
        var gcs = (GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2));
        var allocated = GC.GetAllocatedBytesForCurrentThread();
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        var clock = Stopwatch.StartNew();
        for (var i = 0; i < batches; i++)
        {
            benchmarks.ParseValidateAggregate();
        }
        var elapsed = clock.Elapsed;
        var cpuUsed = Process.GetCurrentProcess().TotalProcessorTime - cpu;
        var events = batches * (double)CoreBenchmarks.BatchSize;
        Console.WriteLine($"{batches} batches: {events / elapsed.TotalSeconds:N0} events/s wall clock, {events / cpuUsed.TotalSeconds:N0} per CPU-second of the process; " +
            $"GC pauses {(GC.GetTotalPauseDuration() - pause).TotalMilliseconds / elapsed.TotalMilliseconds:P0} of the time, " +
            $"collections gen0/1/2 {GC.CollectionCount(0) - gcs.Item1}/{GC.CollectionCount(1) - gcs.Item2}/{GC.CollectionCount(2) - gcs.Item3}, " +
            $"{(GC.GetAllocatedBytesForCurrentThread() - allocated) / events:N0} B allocated per event; heap {GC.GetTotalMemory(false) / 1e6:N0} MB");
        foreach (var kind in new[] { GCKind.Ephemeral, GCKind.FullBlocking, GCKind.Background })
        {
            var info = GC.GetGCMemoryInfo(kind);
            if (info.Index == 0) continue;
            Console.WriteLine($"last {kind} GC (#{info.Index}, gen{info.Generation}): pause {info.PauseDurations[0].TotalMilliseconds:N1} ms, " +
                $"promoted {info.PromotedBytes / 1e6:N1} MB, heap {info.HeapSizeBytes / 1e6:N0} MB");
        }
    }
}
