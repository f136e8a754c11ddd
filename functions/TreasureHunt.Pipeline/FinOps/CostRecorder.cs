using Microsoft.Extensions.Options;
using TreasureHunt.Core.Costs;
using TreasureHunt.Pipeline.Telemetry;

namespace TreasureHunt.Pipeline.FinOps;

/// <summary>Prices what an invocation consumed and hands the record to the ledger buffer (off the hot path).</summary>
public sealed class CostRecorder(CostLedgerBuffer buffer, IOptions<FinOpsOptions> options, PipelineMetrics metrics)
{
    private readonly CostModel _model = new(options.Value.Prices);

    public CostRecord Record(string invocationId, string function, string trigger, DateTimeOffset start, TimeSpan duration, InvocationUsage usage, bool succeeded)
    {
        ArgumentNullException.ThrowIfNull(usage);
        var memoryMb = options.Value.InstanceMemoryMb;
        var ingressEvents = trigger == CostTriggers.EventHub ? usage.Events : 0;
        var record = new CostRecord
        {
            InvocationId = invocationId,
            Function = function,
            Trigger = trigger,
            Start = start,
            DurationMs = duration.TotalMilliseconds,
            Events = usage.Events,
            CosmosRu = usage.RequestUnits,
            RuEstimated = usage.RequestUnitsEstimated,
            TableOps = usage.TableOperations,
            EntitySignals = usage.EntitySignals,
            StoreWrites = usage.StoreWrites,
            UserWrites = usage.UserWrites,
            ProgressWrites = usage.ProgressWrites,
            MemoryMb = memoryMb,
            Succeeded = succeeded,
            Features = usage.FeatureCosts,
            Usd = _model.Price(duration.TotalMilliseconds, memoryMb, usage.RequestUnits, ingressEvents),
        };
        buffer.Enqueue(record);
        metrics.RecordInvocation(record, usage.ChargedRequestUnits);
        return record;
    }
}

/// <summary>The trigger names used in the ledger.</summary>
public static class CostTriggers
{
    public const string EventHub = "eventHub";
    public const string Http = "http";
    public const string Entity = "entity";
    public const string Timer = "timer";
}
