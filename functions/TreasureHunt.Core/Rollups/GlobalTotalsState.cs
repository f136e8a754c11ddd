using System.Text.Json.Serialization;

namespace TreasureHunt.Core.Rollups;

/// <summary>State of the global totals entity.</summary>
public sealed class GlobalTotalsState
{
    /// <summary>Per source partition, the sequence ranges already applied (see <see cref="AppliedRanges"/>).</summary>
    [JsonPropertyName("applied")] public Dictionary<string, List<SequenceRange>> Applied { get; set; } = new(StringComparer.Ordinal);
    [JsonPropertyName("totals")] public GlobalCounters Totals { get; set; } = new();

    /// <summary>Applies a signal once; returns false for a redelivered one.</summary>
    public bool Apply(GlobalTotalsSignal signal)
    {
        ArgumentNullException.ThrowIfNull(signal);
        if (!AppliedRanges.TryAdd(Applied, signal.SourcePartition, signal.FirstSequenceNumber, signal.LastSequenceNumber))
        {
            return false;
        }
        Totals.Add(signal.Counters);
        return true;
    }
}
