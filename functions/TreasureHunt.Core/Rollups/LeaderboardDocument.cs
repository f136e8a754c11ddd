using System.Globalization;
using System.Text.Json.Serialization;

namespace TreasureHunt.Core.Rollups;

/// <summary>
/// One per-type leaderboard window as one document: a section per item shard holding that shard's exact top-K, merged
/// at read. Why the merge stays exact across a reshard: docs/internals.md#leaderboard-documents.
/// </summary>
public sealed class LeaderboardDocument
{
    [JsonPropertyName("id")] public string Id { get; set; } = "";

    /// <summary>Event type name (names are stable: definitions may add types, never rename them).</summary>
    [JsonPropertyName("type")] public string Type { get; set; } = "";

    /// <summary>Start of the hour window (Unix seconds), or null for all time.</summary>
    [JsonPropertyName("hourStart")] public long? HourStart { get; set; }

    /// <summary>Per shard key, that shard's top-K (unordered).</summary>
    [JsonPropertyName("sections")] public Dictionary<string, List<LeaderEntry>> Sections { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Cosmos per-item time to live in seconds (hour windows only; null: never expires).</summary>
    [JsonPropertyName("ttl")] [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public int? TimeToLiveSeconds { get; set; }

    [JsonIgnore] public string? ETag { get; set; }

    public static string IdOf(string type, long? hourStart) =>
        hourStart is { } h ? string.Create(CultureInfo.InvariantCulture, $"{type}@{h}") : $"{type}@all";

    public static LeaderboardDocument Create(string type, long? hourStart) => new() { Id = IdOf(type, hourStart), Type = type, HourStart = hourStart };

    /// <summary>Offers an item's current count to the section of <paramref name="shardKey"/> (see <see cref="TopK.Offer"/>).</summary>
    public void Offer(string shardKey, string itemId, long count, int k)
    {
        if (!Sections.TryGetValue(shardKey, out var section))
        {
            Sections[shardKey] = section = [];
        }
        TopK.Offer(section, itemId, count, k);
    }

    /// <summary>The overall top <paramref name="n"/>: every section merged, an item's highest count kept.</summary>
    public List<LeaderEntry> Top(int n)
    {
        var best = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var entry in Sections.Values.SelectMany(s => s))
        {
            if (!best.TryGetValue(entry.ItemId, out var count) || entry.Count > count) best[entry.ItemId] = entry.Count;
        }
        return TopK.Merge([best.Select(b => new LeaderEntry { ItemId = b.Key, Count = b.Value })], n);
    }
}
