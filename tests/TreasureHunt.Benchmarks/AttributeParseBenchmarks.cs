using BenchmarkDotNet.Attributes;
using TreasureHunt.Core.Events;
using TreasureHunt.Core.Features;

namespace TreasureHunt.Benchmarks;

/// <summary>What the messages of <see cref="AttributeParseBenchmarks"/> carry and what the definitions declare.</summary>
public enum AttributeCase
{
    /// <summary>The seven core fields, the default definitions.</summary>
    None,

    /// <summary>The core fields plus brand, device and quantity, which the default definitions do not declare (ignored).</summary>
    Undeclared,

    /// <summary>The same messages, with definitions declaring brand (string), device (string) and quantity (number).</summary>
    Declared,
}

/// <summary>
/// The cost of declared attributes on the parser: the same Zipf stream as <see cref="CoreBenchmarks"/> (200 batches of
/// 1,000 messages, parsed again and again, so the id and attribute pools are warm), without extra fields, with three
/// undeclared ones, and with the same three declared. Allocated is bytes per event (OperationsPerInvoke = 1000).
/// Values: brand one of 8, device one of 4, quantity 1..5.
/// </summary>
[MemoryDiagnoser]
public class AttributeParseBenchmarks
{
    public const int BatchSize = 1000;
    private const int Batches = 200;

    private static readonly string[] Brands = ["acme", "globex", "initech", "umbrella", "hooli", "stark", "wayne", "wonka"];
    private static readonly string[] Devices = ["android", "ios", "web", "desktop"];

    private EventParser _parser = new();
    private List<PartitionBatch> _batches = [];
    private int _next;

    [Params(AttributeCase.None, AttributeCase.Undeclared, AttributeCase.Declared)]
    public AttributeCase Case { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(7);
        _batches = new EventStream(Workload.Zipf).NextBatches(Batches, BatchSize);
        if (Case != AttributeCase.None)
        {
            _batches = _batches.Select(b => new PartitionBatch(b.PartitionId, b.Messages.Select(m => WithAttributes(m, random)).ToArray())).ToList();
        }
        _parser = new EventParser(Case == AttributeCase.Declared ? DeclaringAttributes() : CompiledDefinitions.Default);
        _next = 0;
    }

    /// <summary>The default definitions plus the three attributes the messages carry.</summary>
    public static CompiledDefinitions DeclaringAttributes()
    {
        var d = FeatureDefinitionsReader.ReadDefault();
        d.Attributes =
        [
            new AttributeDefinition { Name = "brand", Type = "string" },
            new AttributeDefinition { Name = "device", Type = "string" },
            new AttributeDefinition { Name = "quantity", Type = "number" },
        ];
        return FeatureDefinitionsReader.Compile(d, "(benchmark)");
    }

    private static RawMessage WithAttributes(RawMessage message, Random random)
    {
        var json = System.Text.Encoding.UTF8.GetString(message.Body.Span);
        var extra = $",\"brand\":\"{Brands[random.Next(Brands.Length)]}\",\"device\":\"{Devices[random.Next(Devices.Length)]}\",\"quantity\":{random.Next(1, 6)}}}";
        return new RawMessage(System.Text.Encoding.UTF8.GetBytes(json[..^1] + extra), message.SequenceNumber, message.EnqueuedTime);
    }

    [Benchmark(OperationsPerInvoke = BatchSize, Description = "EventParser.TryParse")]
    public int Parse()
    {
        var batch = _batches[_next++ % _batches.Count];
        var valid = 0;
        foreach (var message in batch.Messages)
        {
            if (_parser.TryParse(message, batch.PartitionId, out _, out _)) valid++;
        }
        return valid;
    }
}
