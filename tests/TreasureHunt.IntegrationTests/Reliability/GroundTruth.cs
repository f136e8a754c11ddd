using System.Text.Json;

namespace TreasureHunt.IntegrationTests.Reliability;

/// <summary>
/// What the aggregates must say, computed independently of the product's code (System.Text.Json DOM over the
/// messages sent, each distinct eventId counted once): per user counts/values per type and first/last event
/// time, per item counts per type (all time and per hour), and global counts per type.
/// </summary>
internal sealed class GroundTruth
{
    private static readonly string[] Types = ["view", "click", "share", "claim", "purchase"];
    private readonly HashSet<string> _eventIds = [];

    public Dictionary<string, UserTruth> Users { get; } = [];
    public Dictionary<string, long[]> Items { get; } = [];
    public Dictionary<(string Item, long HourStart), long[]> ItemHours { get; } = [];
    public long[] ByType { get; } = new long[5];
    public long Events { get; private set; }

    /// <summary>Adds a valid event message; a second copy of an eventId already seen is ignored (a producer duplicate).</summary>
    public void Add(byte[] message)
    {
        using var json = JsonDocument.Parse(message);
        var e = json.RootElement;
        if (!_eventIds.Add(e.GetProperty("eventId").GetString()!)) return;
        var type = Array.IndexOf(Types, e.GetProperty("type").GetString());
        var value = e.TryGetProperty("value", out var v) ? v.GetDouble() : 1.0;
        var time = DateTimeOffset.Parse(e.GetProperty("timestamp").GetString()!, System.Globalization.CultureInfo.InvariantCulture);
        var userId = e.GetProperty("userId").GetString()!;
        var itemId = e.GetProperty("itemId").GetString()!;

        if (!Users.TryGetValue(userId, out var user)) Users[userId] = user = new UserTruth();
        user.Counts[type]++;
        user.Values[type] += value;
        if (user.First is null || time < user.First) user.First = time;
        if (user.Last is null || time > user.Last) user.Last = time;

        if (!Items.TryGetValue(itemId, out var item)) Items[itemId] = item = new long[5];
        item[type]++;
        var hour = time.ToUnixTimeSeconds() / 3600 * 3600;
        if (!ItemHours.TryGetValue((itemId, hour), out var hourCounts)) ItemHours[(itemId, hour)] = hourCounts = new long[5];
        hourCounts[type]++;
        ByType[type]++;
        Events++;
    }

    /// <summary>The top items of an hour for a type: count descending, then itemId ascending.</summary>
    public List<(string ItemId, long Count)> Leaderboard(int type, long hourStart, int top) =>
        ItemHours.Where(kv => kv.Key.HourStart == hourStart && kv.Value[type] > 0)
            .Select(kv => (kv.Key.Item, kv.Value[type]))
            .OrderByDescending(x => x.Item2).ThenBy(x => x.Item, StringComparer.Ordinal).Take(top).ToList();

    internal sealed class UserTruth
    {
        public long[] Counts { get; } = new long[5];
        public double[] Values { get; } = new double[5];
        public DateTimeOffset? First { get; set; }
        public DateTimeOffset? Last { get; set; }
    }
}
