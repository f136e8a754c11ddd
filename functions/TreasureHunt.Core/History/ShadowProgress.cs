using System.Text.Json.Serialization;

namespace TreasureHunt.Core.History;

/// <summary>
/// How far one partition of the stream has been applied to a shadow definitions version (Cosmos <c>progress</c>
/// container, partition key = partitionId, id <c>shadow-v{version}:{partitionId}</c>, consumer group
/// <c>shadow-v{version}</c>). Written by the back-fill and by the live hosts; both apply only a contiguous range
/// after <see cref="AppliedThrough"/>, so every message of the partition up to it is in the shadow's user documents.
/// ~150 bytes per version and partition.
/// </summary>
public sealed class ShadowProgress
{
    [JsonPropertyName("id")] public string Id { get; set; } = "";
    [JsonPropertyName("partitionId")] public string PartitionId { get; set; } = "";
    [JsonPropertyName("consumerGroup")] public string ConsumerGroup { get; set; } = "";
    [JsonPropertyName("version")] public int Version { get; set; }

    /// <summary>The highest sequence number of the partition applied to the shadow (-1: none).</summary>
    [JsonPropertyName("appliedThrough")] public long AppliedThrough { get; set; } = -1;

    [JsonPropertyName("updatedAt")] public DateTimeOffset UpdatedAt { get; set; }

    [JsonIgnore] public string? ETag { get; set; }

    public static string ConsumerGroupOf(int version) => $"shadow-v{version}";

    public static string IdOf(int version, string partitionId) => $"{ConsumerGroupOf(version)}:{partitionId}";

    public static ShadowProgress Create(int version, string partitionId) => new()
    {
        Id = IdOf(version, partitionId),
        PartitionId = partitionId,
        ConsumerGroup = ConsumerGroupOf(version),
        Version = version,
    };
}
