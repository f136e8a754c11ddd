using System.Globalization;
using System.Text.Json.Serialization;

namespace TreasureHunt.Core.Rollups;

/// <summary>
/// One leaderboard — one event type, in one hour window or all time — as one Cosmos document (container
/// <c>leaderboards</c>, partition key /id): a section per item shard, each that shard's exact top-K of its own items.
/// Items are split disjointly across the shards of a layout, so the union of the sections contains the global top-K;
/// a query reads this one document and merges (<see cref="Top"/>). Each shard replaces only its own section
/// (conditional write), after writing the item documents the counts come from.
/// <para>
/// After a reshard, an item may appear in a section of the old layout and one of the new: counts only grow and every
/// section holds a count read from the item's document, so the highest is the newest and the merge takes it; a
/// section's entries are K distinct items, so the merged top-K stays exact. Bounded: sections × K entries (16 × 100
/// ≈ 50 KB with short ids); hour documents expire (<see cref="TimeToLiveSeconds"/>).
/// </para>
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
