using BenchmarkDotNet.Attributes;
using TreasureHunt.Core.Aggregation;
using TreasureHunt.Core.Events;
using TreasureHunt.Core.Features;
using TreasureHunt.Core.Rollups;

namespace TreasureHunt.Benchmarks;

/// <summary>
/// The core's hot path on 1000-event batches of <see cref="EventStream"/>, for each <see cref="Workload"/>. Each benchmark
/// invocation handles one batch and reports per event (OperationsPerInvoke = 1000), so BenchmarkDotNet's Op/s column is
/// events per second on one thread (wall clock) and Allocated is bytes per event. The aggregate benchmark keeps its user
/// documents in an in-memory dictionary warmed up with <see cref="WarmupBatches"/> batches first, and every measured
/// batch is new (later in the stream than all before it). Because the machine the figures come from is shared, every
/// iteration also measures the process's CPU time: <see cref="Cleanup"/> prints events per CPU-second (median of the
/// measured iterations) as a <c>// cpu:</c> line in the log.
/// </summary>
[MemoryDiagnoser]
public class CoreBenchmarks
{
    public const int BatchSize = 1000;

    /// <summary>Batches applied in the global setup, before anything is measured: 1,000,000 events, which covers the
    /// 15-minute duplicate horizon of both workloads (1,000 s of the Zipf stream, 333 s of the hot user's), so the
    /// duplicate memories are in their steady state and most Zipf users exist.</summary>
    public const int WarmupBatches = 1000;

    /// <summary>Fresh batches prepared for measurement: more than the job's invocations (see <see cref="Program"/>).</summary>
    public const int MeasuredBatches = Program.BatchesPerIteration * (Program.WarmupIterations + Program.MeasuredIterations + 2);

    private CompiledDefinitions _definitions = CompiledDefinitions.Default;
    private readonly DeliveryRules _delivery = DeliveryRules.Default;
    private readonly RollupOptions _rollups = new();
    private readonly Dictionary<string, UserDocument> _users = new(StringComparer.Ordinal);
    private BatchParser _parser = new();
    private EventOutcome[] _outcomes = new EventOutcome[BatchSize];
    private EventOutcome[] _phaseOutcomes = new EventOutcome[BatchSize];
    private List<PartitionBatch> _batches = [];
    private int _next;
    private bool _reuseExpected;
    private readonly List<double> _eventsPerCpuSecond = [];
    private TimeSpan _iterationCpu;
    private int _iterationStart;

    [Params(Workload.Zipf, Workload.HotUser)]
    public Workload Workload { get; set; }

    /// <summary>The default definitions on the plain stream, or the example definitions (attributes, filters, an
    /// average, day tiles) on the same stream with three attributes per event.</summary>
    [Params(DefinitionsSet.Default, DefinitionsSet.Example)]
    public DefinitionsSet Definitions { get; set; }

    private EventStream NewStream()
    {
        _definitions = Definitions == DefinitionsSet.Example ? ExampleDefinitions.Load() : CompiledDefinitions.Default;
        _parser = new BatchParser(new EventParser(_definitions));
        return new EventStream(Workload, withAttributes: Definitions == DefinitionsSet.Example);
    }

    [GlobalSetup(Target = nameof(ParseValidateAggregate))]
    public void SetupAggregation()
    {
        var stream = NewStream();
        foreach (var batch in stream.NextBatches(WarmupBatches, BatchSize))
        {
            Process(_parser.Parse(batch));
        }
        _batches = stream.NextBatches(MeasuredBatches, BatchSize);
        _next = 0;
        GC.Collect();
    }

    [GlobalSetup(Target = nameof(Parse))]
    public void SetupParser()
    {
        // The parser keeps no state but its id pools, so the same batches can be parsed again and again.
        _batches = NewStream().NextBatches(200, BatchSize);
        _next = 0;
        _reuseExpected = true;
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
        // The last iterations are the measured ones (BenchmarkDotNet runs pilot, warmup, then measured iterations).
        var measured = _eventsPerCpuSecond.TakeLast(Program.MeasuredIterations).Order().ToList();
        if (measured.Count > 0)
        {
            Console.WriteLine($"// cpu: {Workload} {Definitions} {(_reuseExpected ? "parse" : "full")}: {measured[measured.Count / 2]:N0} events per CPU-second of the process " +
                $"(median of the last {measured.Count} iterations; min {measured[0]:N0}, max {measured[^1]:N0})");
        }
        _users.Clear(); // in process: the next case starts without this one's state
        if (!_reuseExpected && _next > _batches.Count)
        {
            // A wrapped-around batch is a redelivery (already applied): cheaper, so the figure would flatter the core.
            Console.WriteLine($"// WARNING: {_next} invocations for {_batches.Count} prepared batches; batches were reused.");
        }
        _batches = [];
    }

    /// <summary>BatchParser.Parse + UserDocument.Apply per user + RollupDeltaBuilder: what a host does per batch before storage.</summary>
    [Benchmark(OperationsPerInvoke = BatchSize, Description = "parse + validate + aggregate + rollup delta")]
    public RollupDelta ParseValidateAggregate() => Process(_parser.Parse(_batches[_next++ % _batches.Count]));

    /// <summary>The parser alone: BatchParser.Parse (validation, grouping by user).</summary>
    [Benchmark(OperationsPerInvoke = BatchSize, Description = "parse + validate")]
    public ParsedBatch Parse() => _parser.Parse(_batches[_next++ % _batches.Count]);

    /// <summary>Users seen for the first time by <see cref="MeasurePhases"/> (their documents are created then).</summary>
    internal long NewUsers { get; private set; }

    /// <summary>Diagnostics for <see cref="Program"/>'s profile mode: one batch, with the time (Stopwatch ticks) and the bytes
    /// allocated by each phase (parse, apply, rollup delta).</summary>
    internal (long Ticks, long Bytes)[] MeasurePhases()
    {
        var t0 = System.Diagnostics.Stopwatch.GetTimestamp();
        var a0 = GC.GetAllocatedBytesForCurrentThread();
        var parsed = _parser.Parse(_batches[_next++ % _batches.Count]);
        var t1 = System.Diagnostics.Stopwatch.GetTimestamp();
        var a1 = GC.GetAllocatedBytesForCurrentThread();
        // One outcome array for the whole batch (reused), sliced per user: the diagnostics allocate nothing themselves.
        if (_phaseOutcomes.Length < parsed.ValidEventCount) _phaseOutcomes = new EventOutcome[parsed.ValidEventCount];
        var offset = 0;
        foreach (var (userId, events) in parsed.ByUser)
        {
            if (!_users.ContainsKey(userId)) NewUsers++;
            AggregateOf(userId).Apply(events, parsed.PartitionId, _definitions, _delivery, _phaseOutcomes.AsSpan(offset, events.Count));
            offset += events.Count;
        }
        var t2 = System.Diagnostics.Stopwatch.GetTimestamp();
        var a2 = GC.GetAllocatedBytesForCurrentThread();
        var builder = new RollupDeltaBuilder(_rollups.ShardCount);
        offset = 0;
        foreach (var (_, events) in parsed.ByUser)
        {
            for (var i = 0; i < events.Count; i++)
            {
                builder.Add(events[i], _phaseOutcomes[offset + i]);
            }
            offset += events.Count;
        }
        foreach (var _ in parsed.DeadLetters)
        {
            builder.AddDeadLetter();
        }
        builder.Build(parsed.FirstSequenceNumber, parsed.LastSequenceNumber);
        var t3 = System.Diagnostics.Stopwatch.GetTimestamp();
        var a3 = GC.GetAllocatedBytesForCurrentThread();
        return [(t1 - t0, a1 - a0), (t2 - t1, a2 - a1), (t3 - t2, a3 - a2)];
    }

    private UserDocument AggregateOf(string userId)
    {
        if (!_users.TryGetValue(userId, out var aggregate))
        {
            _users[userId] = aggregate = UserDocument.Create(userId, _definitions);
        }
        return aggregate;
    }

    private RollupDelta Process(ParsedBatch parsed)
    {
        var builder = new RollupDeltaBuilder(_rollups.ShardCount);
        foreach (var (userId, events) in parsed.ByUser)
        {
            if (_outcomes.Length < events.Count) _outcomes = new EventOutcome[events.Count];
            var outcomes = _outcomes.AsSpan(0, events.Count);
            AggregateOf(userId).Apply(events, parsed.PartitionId, _definitions, _delivery, outcomes);
            for (var i = 0; i < events.Count; i++)
            {
                builder.Add(events[i], outcomes[i]);
            }
        }
        foreach (var _ in parsed.DeadLetters)
        {
            builder.AddDeadLetter();
        }
        return builder.Build(parsed.FirstSequenceNumber, parsed.LastSequenceNumber);
    }
}
