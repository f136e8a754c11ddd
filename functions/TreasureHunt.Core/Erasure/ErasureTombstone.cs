using System.Text.Json.Serialization;

namespace TreasureHunt.Core.Erasure;

/// <summary>
/// Kept in the partition's progress per erased user (by <see cref="UserIdHash"/>): the sequence number of the erase
/// control message. No path applies an event of that user with a smaller sequence number again (parked replay,
/// back-fill); later events start a new profile. Dropped after <c>Retention:ErasureTombstoneDays</c>.
/// </summary>
public sealed class ErasureTombstone
{
    [JsonPropertyName("seq")] public long SequenceNumber { get; set; }
    [JsonPropertyName("at")] public DateTimeOffset ErasedAt { get; set; }
}
