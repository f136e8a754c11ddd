using System.Text.Json.Serialization;

namespace TreasureHunt.Core.Rollups;

/// <summary>An item and its count in one leaderboard.</summary>
public sealed class LeaderEntry
{
    [JsonPropertyName("itemId")] public string ItemId { get; set; } = "";
    [JsonPropertyName("count")] public long Count { get; set; }

    /// <summary>Count descending, then itemId ascending: a total order, so top-K is exact and deterministic.</summary>
    public static readonly IComparer<LeaderEntry> Ranking = Comparer<LeaderEntry>.Create((a, b) =>
    {
        var byCount = b.Count.CompareTo(a.Count);
        return byCount != 0 ? byCount : string.CompareOrdinal(a.ItemId, b.ItemId);
    });
}

/// <summary>
/// An exact top-K under <see cref="LeaderEntry.Ranking"/> for counters that only grow: an item outside the list can
/// only enter by growing past the worst entry, and an entry only leaves when a better one takes its place.
/// </summary>
internal static class TopK
{
    public static void Offer(List<LeaderEntry> top, string itemId, long count, int k)
    {
        for (var i = 0; i < top.Count; i++)
        {
            if (top[i].ItemId == itemId)
            {
                top[i].Count = count;
                return;
            }
        }
        var candidate = new LeaderEntry { ItemId = itemId, Count = count };
        if (top.Count < k)
        {
            top.Add(candidate);
            return;
        }
        var worst = 0;
        for (var i = 1; i < top.Count; i++)
        {
            if (LeaderEntry.Ranking.Compare(top[i], top[worst]) > 0) worst = i;
        }
        if (LeaderEntry.Ranking.Compare(candidate, top[worst]) < 0)
        {
            top[worst] = candidate;
        }
    }

    /// <summary>Merges per-shard lists (disjoint item sets) into the overall top <paramref name="n"/>.</summary>
    public static List<LeaderEntry> Merge(IEnumerable<IEnumerable<LeaderEntry>> lists, int n) =>
        lists.SelectMany(l => l).Order(LeaderEntry.Ranking).Take(n).ToList();
}
