using System.Globalization;
using System.Text.Json.Serialization;

namespace TreasureHunt.Core.Groups;

/// <summary>A key and its value in one declared leaderboard.</summary>
public sealed class KeyedLeaderEntry
{
    /// <summary>The key's document id (identity across sections).</summary>
    [JsonPropertyName("id")] public string Id { get; set; } = "";
    [JsonPropertyName("key")] public string[] Key { get; set; } = [];
    [JsonPropertyName("value")] public double Value { get; set; }

    /// <summary>Value descending, then the key values ascending (ordinal, field by field): a total order, so top-K is exact and deterministic.</summary>
    public static readonly IComparer<KeyedLeaderEntry> Ranking = Comparer<KeyedLeaderEntry>.Create((a, b) =>
    {
        var byValue = b.Value.CompareTo(a.Value);
        if (byValue != 0) return byValue;
        for (var i = 0; i < Math.Min(a.Key.Length, b.Key.Length); i++)
        {
            var byField = string.CompareOrdinal(a.Key[i], b.Key[i]);
            if (byField != 0) return byField;
        }
        return a.Key.Length != b.Key.Length ? a.Key.Length.CompareTo(b.Key.Length) : string.CompareOrdinal(a.Id, b.Id);
    });
}

/// <summary>
/// One window of a declared leaderboard as one document: a section per item shard with that shard's exact top-K of its
/// keys, merged at read. Exact because ranked values only grow (a negative sum breaks it): docs/internals.md#declared-leaderboards.
/// </summary>
public sealed class KeyedLeaderboardDocument
{
    [JsonPropertyName("id")] public string Id { get; set; } = "";
    [JsonPropertyName("name")] public string Name { get; set; } = "";
    [JsonPropertyName("window")] public string Window { get; set; } = "";

    /// <summary>Start of the tile (Unix seconds), or null for all time.</summary>
    [JsonPropertyName("start")] public long? Start { get; set; }

    [JsonPropertyName("sections")] public Dictionary<string, List<KeyedLeaderEntry>> Sections { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Cosmos per-item time to live in seconds (tumbling windows only; null: never expires).</summary>
    [JsonPropertyName("ttl")] [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public int? TimeToLiveSeconds { get; set; }

    [JsonIgnore] public string? ETag { get; set; }

    /// <summary>Budget of one leaderboard window's document (Cosmos DB's item limit is 2 MB).</summary>
    public const int MaxBytes = 1_500_000;

    /// <summary>
    /// Worst-case serialized size with <paramref name="sections"/> sections (two shard layouts while one drains after a
    /// reshard) of <see cref="CompiledLeaderboard.K"/> entries, every key value at its field's longest — an attribute's
    /// every character escaped as <c>\uXXXX</c> (6 bytes), core fields are ASCII ids — and the id at its longest:
    /// what the start-up check holds against <see cref="MaxBytes"/>.
    /// </summary>
    public static long WorstCaseBytes(CompiledLeaderboard board, int sections)
    {
        ArgumentNullException.ThrowIfNull(board);
        var key = board.Group.Key.Sum(k => 4L + ValueBytes(k));
        var id = board.Group.IsItem
            ? Events.ContractLimits.MaxIdLength
            : Math.Min(GroupKeys.MaxReadableIdLength, board.Group.Name.Length + 1 + board.Group.Key.Sum(k => 5L * MaxLength(k) + 1));
        var entry = 40 + id + key + 25;
        return 200 + sections * (20 + board.K * entry);
    }

    /// <summary>A key value of <paramref name="field"/> at its longest, as serialized JSON text (an attribute's every character escaped).</summary>
    internal static long ValueBytes(Features.EventFieldAccessor field) =>
        field.Attribute?.Type == Events.AttributeType.String ? 6L * MaxLength(field) : MaxLength(field);

    internal static int MaxLength(Features.EventFieldAccessor field) => field.Attribute is { } a
        ? a.Type == Events.AttributeType.String ? a.MaxLength : 24
        : field.Field switch
        {
            Features.EventField.ItemId => Events.ContractLimits.MaxIdLength,
            Features.EventField.Category => Events.ContractLimits.MaxCategoryLength,
            _ => 32,
        };

    public static string IdOf(string name, LeaderboardWindow window, long? start) => start is { } s
        ? string.Create(CultureInfo.InvariantCulture, $"{name}~{CompiledLeaderboard.NameOf(window)}~{s}")
        : $"{name}~all";

    public static KeyedLeaderboardDocument Create(string name, LeaderboardWindow window, long? start) =>
        new() { Id = IdOf(name, window, start), Name = name, Window = CompiledLeaderboard.NameOf(window), Start = start };

    /// <summary>The id of a window's document in a back-filled version's keyed container, beside the group documents:
    /// <c>~</c> and <see cref="IdOf"/>. No group document id starts with <c>~</c> (it starts with the group name), nor
    /// does an item id (which holds no <c>~</c>).</summary>
    public static string IdBesideKeys(string name, LeaderboardWindow window, long? start) => "~" + IdOf(name, window, start);

    /// <summary>A new window document kept beside a back-filled version's keys (<see cref="IdBesideKeys"/>).</summary>
    public static KeyedLeaderboardDocument CreateBesideKeys(string name, LeaderboardWindow window, long? start)
    {
        var document = Create(name, window, start);
        document.Id = IdBesideKeys(name, window, start);
        return document;
    }

    /// <summary>
    /// Offers a key's current value to the section of <paramref name="shardKey"/>, keeping that section's top <paramref name="k"/>.
    /// A section offered in write order (a shard's) takes the key's latest value; one several writers offer to in any
    /// order (<paramref name="keepHighest"/>: a back-filled version's, written per batch) keeps the key's highest —
    /// ranked values only grow, so the highest is the newest.
    /// </summary>
    public void Offer(string shardKey, KeyedLeaderEntry candidate, int k, bool keepHighest = false)
    {
        ArgumentNullException.ThrowIfNull(candidate);
        if (!Sections.TryGetValue(shardKey, out var section)) Sections[shardKey] = section = [];
        var at = section.FindIndex(e => e.Id == candidate.Id);
        if (at >= 0)
        {
            if (!keepHighest || candidate.Value > section[at].Value) section[at] = candidate;
            return;
        }
        if (section.Count < k)
        {
            section.Add(candidate);
            return;
        }
        var worst = 0;
        for (var i = 1; i < section.Count; i++)
        {
            if (KeyedLeaderEntry.Ranking.Compare(section[i], section[worst]) > 0) worst = i;
        }
        if (KeyedLeaderEntry.Ranking.Compare(candidate, section[worst]) < 0) section[worst] = candidate;
    }

    /// <summary>The overall top <paramref name="n"/>: every section merged, each key's highest value kept.</summary>
    public List<KeyedLeaderEntry> Top(int n)
    {
        var best = new Dictionary<string, KeyedLeaderEntry>(StringComparer.Ordinal);
        foreach (var entry in Sections.Values.SelectMany(s => s))
        {
            if (!best.TryGetValue(entry.Id, out var kept) || entry.Value > kept.Value) best[entry.Id] = entry;
        }
        return best.Values.Order(KeyedLeaderEntry.Ranking).Take(n).ToList();
    }
}
