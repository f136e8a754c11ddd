namespace TreasureHunt.Core.Rollups;

/// <summary>Per source partition, the last sequence number an entity has applied: a signal at or below it is a redelivery.</summary>
public static class Watermarks
{
    /// <summary>Returns true and advances the watermark when the signal is new; false when it was already applied.</summary>
    public static bool TryAdvance(Dictionary<string, long> watermarks, string partition, long lastSequenceNumber)
    {
        if (watermarks.TryGetValue(partition, out var applied) && lastSequenceNumber <= applied)
        {
            return false;
        }
        watermarks[partition] = lastSequenceNumber;
        return true;
    }
}
