using System.ComponentModel.DataAnnotations;
using TreasureHunt.Core.Configuration;

namespace TreasureHunt.Core.Rollups;

/// <summary>Rollup settings, bound from the configuration section <c>Rollups</c>; validated at start-up by the
/// source-generated <c>RollupOptionsValidator</c> (TreasureHunt.Pipeline).</summary>
public sealed class RollupOptions
{
    public const string Section = "Rollups";

    /// <summary>Number of item shard entities (default 16). Changing it re-homes items: only do so on an empty deployment.</summary>
    [SettingRange(1, 1024, ErrorMessage = $"{Section}:ShardCount must be 1..1024.")]
    public int ShardCount { get; set; } = 16;

    /// <summary>A partition's pending rollup is sent once it holds this many messages...</summary>
    [SettingRange(1, int.MaxValue, ErrorMessage = $"{Section}:FlushMinEvents must be >= 1.")]
    public int FlushMinEvents { get; set; } = 2000;

    /// <summary>...or once its oldest part is this old (bounds leaderboard/totals staleness).</summary>
    [SettingRange(0d, double.MaxValue, ErrorMessage = $"{Section}:FlushMaxAgeSeconds must be >= 0.")]
    public double FlushMaxAgeSeconds { get; set; } = 5;

    /// <summary>Top-K kept per (window, type) in each shard; the leaderboard's top parameter is capped at this.</summary>
    [SettingRange(1, 1000, ErrorMessage = $"{Section}:LeaderboardSize must be 1..1000.")]
    public int LeaderboardSize { get; set; } = 100;

    /// <summary>Hour windows kept per item, counted back from the item's latest event.</summary>
    [SettingRange(1, int.MaxValue, ErrorMessage = $"{Section}:ItemHourWindows must be >= 1.")]
    public int ItemHourWindows { get; set; } = 48;

    public TimeSpan FlushMaxAge => TimeSpan.FromSeconds(FlushMaxAgeSeconds);
}
