using System.ComponentModel.DataAnnotations;
using TreasureHunt.Core.Configuration;

namespace TreasureHunt.Core.Rollups;

/// <summary>Rollup settings, bound from the configuration section <c>Rollups</c>; validated at start-up by the
/// source-generated <c>RollupOptionsValidator</c> (TreasureHunt.Pipeline).</summary>
public sealed class RollupOptions
{
    public const string Section = "Rollups";

    /// <summary>
    /// Number of <c>itemshard</c> entities (default 16); an entity's key is "{ShardCount}-{index}". It can be changed on a
    /// live deployment (docs/data-model.md#resharding): new rollups go to the new layout's entities, sealed ones still
    /// go to the old layout's, which drain; item documents and leaderboards are keyed by item, not by shard.
    /// </summary>
    [SettingRange(1, 1024, ErrorMessage = $"{Section}:ShardCount must be 1..1024.")]
    public int ShardCount { get; set; } = 16;

    /// <summary>A partition's pending rollup is sent once it holds this many messages...</summary>
    [SettingRange(1, int.MaxValue, ErrorMessage = $"{Section}:FlushMinEvents must be >= 1.")]
    public int FlushMinEvents { get; set; } = 4000;

    /// <summary>...or once its oldest part is this old (bounds leaderboard/totals staleness). 2 s: below
    /// FlushMinEvents ÷ 2 events/s per partition the flushes are sealed by age, and a flush costs 1 signal per
    /// touched shard + 1 whatever it carries; at the reference point that stays under 0.01 signals per event, 1 s
    /// would not (<c>./th plan</c>'s freshness table: <c>RollupFreshness</c> in infra/TreasureHunt.Capacity).</summary>
    [SettingRange(0d, double.MaxValue, ErrorMessage = $"{Section}:FlushMaxAgeSeconds must be >= 0.")]
    public double FlushMaxAgeSeconds { get; set; } = 2;

    /// <summary>Top-K kept per (window, type) in each shard; the leaderboard's top parameter is capped at this.</summary>
    [SettingRange(1, 1000, ErrorMessage = $"{Section}:LeaderboardSize must be 1..1000.")]
    public int LeaderboardSize { get; set; } = 100;

    /// <summary>Hour windows kept per item, counted back from the item's latest event.</summary>
    [SettingRange(1, int.MaxValue, ErrorMessage = $"{Section}:ItemHourWindows must be >= 1.")]
    public int ItemHourWindows { get; set; } = 48;

    /// <summary>An item shard seals its pending item deltas (to write them to the item documents and leaderboards at
    /// the start of its next entity batch) once they are this old...</summary>
    [SettingRange(0d, 3600d, ErrorMessage = $"{Section}:ItemFlushSeconds must be 0..3600.")]
    public double ItemFlushSeconds { get; set; } = 1;

    /// <summary>...or hold this many items and keys: with <see cref="ItemFlushSeconds"/> it bounds a shard entity's
    /// state (pending and sealed buffers). 1,900 keeps that state under the 1 MB entity target at the reference point
    /// with keyed groups, whose entries carry partial states of up to ~310 B (<c>./th plan</c>, docs/data-model.md).</summary>
    [SettingRange(1, 100_000, ErrorMessage = $"{Section}:ItemFlushMaxItems must be 1..100000.")]
    public int ItemFlushMaxItems { get; set; } = 1900;

    /// <summary>A shard holding unwritten deltas schedules itself one delayed <c>flush</c> signal this far ahead (none
    /// while one is outstanding), so its tail is written when the traffic stops: at most one self-signal per this many
    /// seconds per shard.</summary>
    [SettingRange(1d, 3600d, ErrorMessage = $"{Section}:ItemTailFlushSeconds must be 1..3600.")]
    public double ItemTailFlushSeconds { get; set; } = 2;

    public TimeSpan FlushMaxAge => TimeSpan.FromSeconds(FlushMaxAgeSeconds);

    public TimeSpan ItemFlushAge => TimeSpan.FromSeconds(ItemFlushSeconds);

    public TimeSpan ItemTailFlushDelay => TimeSpan.FromSeconds(ItemTailFlushSeconds);
}
