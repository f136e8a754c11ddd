using System.Text.Json.Serialization;

namespace TreasureHunt.Core.Aggregation;

// TEMPORARY BRIDGE (h9a): stands in for h9b's DeliveryState (branch h9b) until it is merged; same API as agreed in the
// brief, the schema-1 semantics by construction (it delegates to the reference implementation's logic). Replaced by
// h9b's compact implementation in the merge.

public enum DeliveryDecision
{
    New,
    AlreadyApplied,
    Duplicate,
}

public sealed class DeliveryState
{
    [JsonPropertyName("watermarks")] public Dictionary<string, long> Watermarks { get; set; } = new(StringComparer.Ordinal);
    [JsonPropertyName("seen")] public List<SeenEvent> Seen { get; set; } = [];
    [JsonPropertyName("duplicates")] public List<DuplicateDelivery> Duplicates { get; set; } = [];
    [JsonPropertyName("forgottenAtCap")] public long ForgottenAtCap { get; set; }

    [JsonIgnore] public int RememberedIds => Seen.Count;

    private string _partition = "";
    private TimeSpan _horizon;
    private int _max;
    private bool _hasWatermark;
    private long _watermark, _highest;
    private bool _anyNew, _any;
    private DateTimeOffset _oldest;

    public static DeliveryState Create() => new();

    public static DeliveryState FromSchema1(Dictionary<string, long> watermarks, List<SeenEvent> seen, List<DuplicateDelivery> duplicates) =>
        new() { Watermarks = new(watermarks, StringComparer.Ordinal), Seen = seen, Duplicates = duplicates };

    public void Begin(string partitionId, TimeSpan horizon, int maxRememberedIds)
    {
        _partition = partitionId;
        _horizon = horizon;
        _max = maxRememberedIds;
        _hasWatermark = Watermarks.TryGetValue(partitionId, out _watermark);
        _highest = _hasWatermark ? _watermark : long.MinValue;
        _anyNew = false;
        _any = false;
        _oldest = DateTimeOffset.MaxValue;
    }

    public DeliveryDecision Decide(string eventId, long sequenceNumber, DateTimeOffset enqueuedTime)
    {
        var redelivered = _hasWatermark && sequenceNumber <= _watermark;
        _anyNew |= !redelivered;
        _any = true;
        if (enqueuedTime < _oldest) _oldest = enqueuedTime;
        _highest = Math.Max(_highest, sequenceNumber);
        if (redelivered && Duplicates.Any(d => d.SequenceNumber == sequenceNumber && d.PartitionId == _partition)) return DeliveryDecision.Duplicate;
        var index = Seen.FindLastIndex(s => s.EventId == eventId);
        if (index >= 0)
        {
            var first = Seen[index];
            if (!(first.SequenceNumber == sequenceNumber && first.PartitionId == _partition))
            {
                if ((enqueuedTime - first.EnqueuedTime).Duration() <= _horizon)
                {
                    if (!redelivered) Duplicates.Add(new DuplicateDelivery { PartitionId = _partition, SequenceNumber = sequenceNumber, EnqueuedTime = enqueuedTime });
                    return DeliveryDecision.Duplicate;
                }
                if (!redelivered)
                {
                    first.PartitionId = _partition;
                    first.SequenceNumber = sequenceNumber;
                    first.EnqueuedTime = enqueuedTime;
                }
            }
        }
        else if (!redelivered)
        {
            Seen.Add(new SeenEvent { EventId = eventId, PartitionId = _partition, SequenceNumber = sequenceNumber, EnqueuedTime = enqueuedTime });
        }
        return redelivered ? DeliveryDecision.AlreadyApplied : DeliveryDecision.New;
    }

    public void End()
    {
        if (_any) Watermarks[_partition] = _highest;
        if (Seen.Count > 0)
        {
            var newest = Seen.Max(s => s.EnqueuedTime);
            Seen.RemoveAll(s => s.EnqueuedTime < newest - _horizon);
            if (Seen.Count > _max)
            {
                var ordered = Seen.OrderBy(s => s.EnqueuedTime).ToList();
                ForgottenAtCap += ordered.Count - _max;
                Seen.Clear();
                Seen.AddRange(ordered.Skip(ordered.Count - _max));
            }
        }
        if (Duplicates.Count > 0 && _anyNew) Duplicates.RemoveAll(d => d.EnqueuedTime < _oldest);
    }
}
