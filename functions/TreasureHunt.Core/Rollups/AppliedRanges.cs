using System.Text.Json.Serialization;

namespace TreasureHunt.Core.Rollups;

/// <summary>An inclusive range of sequence numbers of one source partition.</summary>
public sealed class SequenceRange
{
    [JsonPropertyName("from")] public long From { get; set; }
    [JsonPropertyName("to")] public long To { get; set; }
}

/// <summary>
/// Which sequence ranges of each source partition an entity has applied. A signal covers one sealed range
/// (<see cref="PartitionProgress"/>): sealed ranges never overlap, so a signal is either wholly applied already
/// (a redelivery: ignored) or not at all. Ranges are kept rather than a single watermark because signals are not
/// guaranteed to be processed in the order they were sent (a message dequeued by a worker that dies becomes
/// visible again later, after newer ones): with a plain watermark a late older signal would be dropped. Adjacent
/// ranges are merged, so in steady state each partition holds one range.
/// </summary>
internal static class AppliedRanges
{
    /// <summary>Records [from, to] for the partition and returns true, or returns false when it was already applied.</summary>
    public static bool TryAdd(Dictionary<string, List<SequenceRange>> applied, string partition, long from, long to)
    {
        if (to < from) throw new ArgumentException($"empty range {from}..{to} from partition {partition}");
        if (!applied.TryGetValue(partition, out var ranges))
        {
            applied[partition] = ranges = [];
        }
        var index = 0;
        while (index < ranges.Count && ranges[index].To < from)
        {
            index++;
        }
        if (index < ranges.Count && ranges[index].From <= to)
        {
            return false; // overlaps an applied range: a redelivery of it
        }
        ranges.Insert(index, new SequenceRange { From = from, To = to });
        if (index + 1 < ranges.Count && ranges[index + 1].From == to + 1)
        {
            ranges[index].To = ranges[index + 1].To;
            ranges.RemoveAt(index + 1);
        }
        if (index > 0 && ranges[index - 1].To + 1 == from)
        {
            ranges[index - 1].To = ranges[index].To;
            ranges.RemoveAt(index);
        }
        return true;
    }
}
