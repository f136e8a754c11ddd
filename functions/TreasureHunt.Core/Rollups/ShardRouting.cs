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
}
