using System.Diagnostics;

namespace TreasureHunt.Pipeline.Telemetry;

/// <summary>
/// The pipeline's traces: one <see cref="ActivitySource"/>, <see cref="SourceName"/> ("TreasureHunt.Pipeline").
/// Spans: <c>ProcessBatch</c> (the trigger's or the local pump's batch) → <c>WriteUserAggregates</c>,
/// <c>WriteDeadLetters</c>, <c>RecordProgress</c> (Cosmos writes; the Cosmos SDK's own <c>Azure.Cosmos.Operation</c>
/// spans nest below) → <c>SignalEntities</c> (the rollup flush). Attributes follow the OpenTelemetry messaging
/// conventions where one exists (<c>messaging.destination.partition.id</c>) and carry the sequence range.
/// </summary>
public static class PipelineActivities
{
    public const string SourceName = "TreasureHunt.Pipeline";

    public static readonly ActivitySource Source = new(SourceName, "1.0.0");

    public const string PartitionTag = "messaging.destination.partition.id";
    public const string FirstSequenceTag = "th.sequence.first";
    public const string LastSequenceTag = "th.sequence.last";

    public static Activity? StartPartitionSpan(string name, string partitionId, long firstSequence, long lastSequence, ActivityKind kind = ActivityKind.Internal)
    {
        var activity = Source.StartActivity(name, kind);
        if (activity is not null)
        {
            activity.SetTag(PartitionTag, partitionId);
            activity.SetTag(FirstSequenceTag, firstSequence);
            activity.SetTag(LastSequenceTag, lastSequence);
        }
        return activity;
    }
}
