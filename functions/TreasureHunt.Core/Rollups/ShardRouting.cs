namespace TreasureHunt.Core.Rollups;

/// <summary>Stable hashing for item shards and local partitions (string.GetHashCode is randomized per process).</summary>
public static class ShardRouting
{
    /// <summary>32-bit FNV-1a over the UTF-16 code units: stable across processes and machines.</summary>
    public static uint StableHash(ReadOnlySpan<char> key)
    {
        var hash = 2166136261u;
        foreach (var c in key)
        {
            hash = (hash ^ c) * 16777619u;
        }
        return hash;
    }

    public static int ShardOf(string itemId, int shardCount) => (int)(StableHash(itemId) % (uint)shardCount);

    /// <summary>The entity key of shard <paramref name="index"/> of the layout with <paramref name="shardCount"/> shards:
    /// "{count}-{index}", so that two layouts (before and after a reshard) never share an entity.</summary>
    public static string ShardKey(int shardCount, int index) =>
        string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{shardCount}-{index}");

    /// <summary>The shard count of a key made by <see cref="ShardKey"/>, or 0 for a key of another form.</summary>
    public static int LayoutOf(string shardKey)
    {
        var dash = shardKey.IndexOf('-');
        return dash > 0 && int.TryParse(shardKey.AsSpan(0, dash), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var count) ? count : 0;
    }
}
