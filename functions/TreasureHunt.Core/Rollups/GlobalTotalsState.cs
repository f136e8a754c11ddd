using System.Text.Json.Serialization;

namespace TreasureHunt.Core.Rollups;

/// <summary>State of the global totals entity.</summary>
public sealed class GlobalTotalsState
{
    [JsonPropertyName("watermarks")] public Dictionary<string, long> Watermarks { get; set; } = new(StringComparer.Ordinal);
    [JsonPropertyName("totals")] public GlobalCounters Totals { get; set; } = new();

    /// <summary>Applies a signal once; returns false for a redelivered one.</summary>
    public bool Apply(GlobalTotalsSignal signal)
    {
        ArgumentNullException.ThrowIfNull(signal);
        if (!Rollups.Watermarks.TryAdvance(Watermarks, signal.SourcePartition, signal.LastSequenceNumber))
        {
            return false;
        }
        Totals.Add(signal.Counters);
        return true;
    }
}
