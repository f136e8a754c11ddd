using BenchmarkDotNet.Attributes;
using TreasureHunt.Core.Aggregation;
using TreasureHunt.Core.Events;
using TreasureHunt.Core.Features;
using TreasureHunt.Core.Rollups;
using TreasureHunt.Tools.Nexmark;

namespace TreasureHunt.Benchmarks;

/// <summary>
/// The core's hot path — parse + validate + aggregate + rollup delta, as <see cref="CoreBenchmarks"/> measures it — on the
/// Nexmark stream (<see cref="NexmarkGenerator"/>, the reference's defaults: 1 : 3 : 46, hot auctions, bidders and
/// sellers, 10,000 events/s of event time) with features/examples/nexmark.json: user features, the item group's q5 and
/// q17 states, the global group's q7 and q15 states and the per-type counters, all in the rollup delta. Batches of 1,000
/// events; Op/s is events per second on one thread, Allocated bytes per event; the <c>// cpu:</c> line gives events per
/// CPU-second of the process (median of the measured iterations). Flink 1.13's published q17 figure is ~117 k events/s
/// per core (docs/BENCHMARKS.md, "Nexmark").
/// </summary>
[MemoryDiagnoser]
public class NexmarkBenchmarks
{
    public const int BatchSize = 1000;

    /// <summary>Batches applied before anything is measured: 500,000 events (50 s of event time), past the duplicate
    /// horizon's build-up of the hot users and far past the first in-flight auctions.</summary>
    public const int WarmupBatches = 500;

    public const int MeasuredBatches = Program.BatchesPerIteration * (Program.WarmupIterations + Program.MeasuredIterations + 2);

    public static readonly DateTimeOffset Start = new(2026, 12, 7, 12, 0, 0, TimeSpan.Zero);

    private CompiledDefinitions _definitions = CompiledDefinitions.Default;
    private readonly DeliveryRules _delivery = DeliveryRules.Default;
    private readonly RollupOptions _rollups = new();
    private readonly Dictionary<string, UserDocument> _users = new(StringComparer.Ordinal);
    private BatchParser _parser = new();
    private EventOutcome[] _outcomes = new EventOutcome[BatchSize];
    private List<PartitionBatch> _batches = [];
    private int _next;
    private readonly List<double> _eventsPerCpuSecond = [];
    private TimeSpan _iterationCpu;
    private int _iterationStart;

    [GlobalSetup]
    public void Setup()
    {
        _definitions = NexmarkDefinitions.Load();
        _parser = new BatchParser(new EventParser(_definitions));
        var stream = new NexmarkBatches(new NexmarkGenerator(20261207, Start), "bench");
        for (var i = 0; i < WarmupBatches; i += 50)
        {
            foreach (var batch in stream.Next(50, BatchSize)) Process(_parser.Parse(batch));
        }
        _batches = stream.Next(MeasuredBatches, BatchSize);
        _next = 0;
        GC.Collect();
    }

    [IterationSetup]
    public void StartIteration()
    {
        _iterationStart = _next;
        _iterationCpu = System.Diagnostics.Process.GetCurrentProcess().TotalProcessorTime;
    }

    [IterationCleanup]
    public void EndIteration()
    {
        var cpu = System.Diagnostics.Process.GetCurrentProcess().TotalProcessorTime - _iterationCpu;
        _eventsPerCpuSecond.Add((_next - _iterationStart) * (double)BatchSize / cpu.TotalSeconds);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        var measured = _eventsPerCpuSecond.TakeLast(Program.MeasuredIterations).Order().ToList();
        if (measured.Count > 0)
        {
            Console.WriteLine($"// cpu: Nexmark full: {measured[measured.Count / 2]:N0} events per CPU-second of the process " +
                $"(median of the last {measured.Count} iterations; min {measured[0]:N0}, max {measured[^1]:N0})");
        }
        if (_next > _batches.Count) Console.WriteLine($"// WARNING: {_next} invocations for {_batches.Count} prepared batches; batches were reused.");
        _users.Clear();
        _batches = [];
    }

    /// <summary>BatchParser.Parse + UserDocument.Apply per user + RollupDeltaBuilder with the keyed groups.</summary>
    [Benchmark(OperationsPerInvoke = BatchSize, Description = "Nexmark: parse + validate + aggregate + rollup delta")]
    public RollupDelta ParseValidateAggregate() => Process(_parser.Parse(_batches[_next++ % _batches.Count]));

    private RollupDelta Process(ParsedBatch parsed)
    {
        var builder = new RollupDeltaBuilder(_rollups.ShardCount, _definitions);
        foreach (var (userId, events) in parsed.ByUser)
        {
            if (_outcomes.Length < events.Count) _outcomes = new EventOutcome[events.Count];
            var outcomes = _outcomes.AsSpan(0, events.Count);
            if (!_users.TryGetValue(userId, out var user)) _users[userId] = user = UserDocument.Create(userId, _definitions);
            user.Apply(events, parsed.PartitionId, _definitions, _delivery, outcomes);
            for (var i = 0; i < events.Count; i++) builder.Add(events[i], outcomes[i]);
        }
        foreach (var _ in parsed.DeadLetters) builder.AddDeadLetter();
        return builder.Build(parsed.FirstSequenceNumber, parsed.LastSequenceNumber);
    }
}

/// <summary>features/examples/nexmark.json, found from the benchmark's directory up to the repository root.</summary>
public static class NexmarkDefinitions
{
    public static CompiledDefinitions Load()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            var path = Path.Combine(directory.FullName, "features", "examples", "nexmark.json");
            if (File.Exists(path)) return FeatureDefinitionsReader.Load(path);
        }
        throw new FileNotFoundException($"features/examples/nexmark.json not found above {AppContext.BaseDirectory}");
    }
}
