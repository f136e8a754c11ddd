namespace TreasureHunt.Core.Rollups;

/// <summary>Rollup settings, bound from the configuration section <c>Rollups</c>.</summary>
public sealed class RollupOptions
{
    public const string Section = "Rollups";

    /// <summary>Number of item shard entities (default 16). Changing it re-homes items: only do so on an empty deployment.</summary>
    public int ShardCount { get; set; } = 16;

    /// <summary>A partition's pending rollup is sent once it holds this many messages...</summary>
    public int FlushMinEvents { get; set; } = 2000;

    /// <summary>...or once its oldest part is this old (bounds leaderboard/totals staleness).</summary>
    public double FlushMaxAgeSeconds { get; set; } = 5;

    /// <summary>Top-K kept per (window, type) in each shard; the leaderboard's top parameter is capped at this.</summary>
    public int LeaderboardSize { get; set; } = 100;

    /// <summary>Hour windows kept per item, counted back from the item's latest event.</summary>
    public int ItemHourWindows { get; set; } = 48;

    public TimeSpan FlushMaxAge => TimeSpan.FromSeconds(FlushMaxAgeSeconds);

    public void Validate()
    {
        if (ShardCount is < 1 or > 1024) throw new InvalidOperationException($"{Section}:ShardCount must be 1..1024.");
        if (FlushMinEvents < 1) throw new InvalidOperationException($"{Section}:FlushMinEvents must be >= 1.");
        if (FlushMaxAgeSeconds < 0) throw new InvalidOperationException($"{Section}:FlushMaxAgeSeconds must be >= 0.");
        if (LeaderboardSize is < 1 or > 1000) throw new InvalidOperationException($"{Section}:LeaderboardSize must be 1..1000.");
        if (ItemHourWindows < 1) throw new InvalidOperationException($"{Section}:ItemHourWindows must be >= 1.");
    }
}
