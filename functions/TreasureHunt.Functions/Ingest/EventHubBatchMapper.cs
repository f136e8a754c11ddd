using System.Text;
using System.Text.Json;
using TreasureHunt.Core.Events;

namespace TreasureHunt.Functions.Ingest;

/// <summary>
/// Turns the Event Hubs trigger's payload (the bodies plus the binding-data arrays the host passes alongside them)
/// into the core's <see cref="PartitionBatch"/>. Pure mapping: no validation of the events themselves.
/// </summary>
internal static class EventHubBatchMapper
{
    public static PartitionBatch ToPartitionBatch(
        IReadOnlyList<string> bodies,
        IReadOnlyList<long> sequenceNumbers,
        IReadOnlyList<DateTime> enqueuedTimesUtc,
        IReadOnlyDictionary<string, object>? partitionContext)
    {
        ArgumentNullException.ThrowIfNull(bodies);
        ArgumentNullException.ThrowIfNull(sequenceNumbers);
        ArgumentNullException.ThrowIfNull(enqueuedTimesUtc);
        if (sequenceNumbers.Count != bodies.Count || enqueuedTimesUtc.Count != bodies.Count)
        {
            throw new InvalidOperationException(
                $"Event Hubs binding data does not match the batch: {bodies.Count} events, {sequenceNumbers.Count} sequence numbers, " +
                $"{enqueuedTimesUtc.Count} enqueued times. Check that the trigger is batched (IsBatched = true) and the host extension is installed.");
        }
        var messages = new RawMessage[bodies.Count];
        for (var i = 0; i < messages.Length; i++)
        {
            messages[i] = new RawMessage(Encoding.UTF8.GetBytes(bodies[i] ?? ""), sequenceNumbers[i], AsUtc(enqueuedTimesUtc[i]));
        }
        return new PartitionBatch(PartitionIdOf(partitionContext), messages);
    }

    /// <summary>The <c>PartitionId</c> of the trigger's <c>partitionContext</c> binding data (its values arrive as JSON elements).</summary>
    public static string PartitionIdOf(IReadOnlyDictionary<string, object>? partitionContext)
    {
        var value = partitionContext?.FirstOrDefault(p => string.Equals(p.Key, "PartitionId", StringComparison.OrdinalIgnoreCase)).Value;
        var id = value switch
        {
            string s => s,
            JsonElement { ValueKind: JsonValueKind.String } e => e.GetString(),
            JsonElement { ValueKind: JsonValueKind.Number } e => e.GetRawText(),
            null => null,
            _ => value.ToString(),
        };
        return string.IsNullOrEmpty(id)
            ? throw new InvalidOperationException("Event Hubs binding data 'partitionContext' has no PartitionId.")
            : id;
    }

    private static DateTimeOffset AsUtc(DateTime time) => time.Kind switch
    {
        DateTimeKind.Local => new DateTimeOffset(time.ToUniversalTime(), TimeSpan.Zero),
        _ => new DateTimeOffset(DateTime.SpecifyKind(time, DateTimeKind.Utc), TimeSpan.Zero),
    };
}
