using Microsoft.Extensions.Options;
using TreasureHunt.Core.Features;
using TreasureHunt.Core.Groups;
using TreasureHunt.Core.Rollups;

namespace TreasureHunt.Pipeline.Rollups;

/// <summary>Start-up check: with the declared event types and <c>Rollups:ItemHourWindows</c>, the worst-case item
/// document must stay within <see cref="ItemDocument.MaxBytes"/> (item stats are one point read of ≤ 8 KB).</summary>
public sealed class ItemDocumentBoundValidator(CompiledDefinitions definitions) : IValidateOptions<RollupOptions>
{
    public ValidateOptionsResult Validate(string? name, RollupOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        var worst = ItemDocument.WorstCaseBytes(definitions.TypeCount, options.ItemHourWindows);
        if (worst > ItemDocument.MaxBytes)
        {
            failures.Add($"{RollupOptions.Section}:ItemHourWindows: {options.ItemHourWindows} hour windows of {definitions.TypeCount} event types make an item document of up to {worst:N0} bytes, over the {ItemDocument.MaxBytes:N0}-byte bound of one item-stats read; keep fewer item hour windows (the item group's hour:N) or fewer types.");
        }
        foreach (var board in definitions.Leaderboards)
        {
            // Two layouts' sections while the old one drains after a reshard.
            var bytes = KeyedLeaderboardDocument.WorstCaseBytes(board, 2 * options.ShardCount);
            if (bytes > KeyedLeaderboardDocument.MaxBytes)
            {
                failures.Add($"{RollupOptions.Section}:ShardCount: leaderboard '{board.Name}' keeps k = {board.K} keys per shard; with {options.ShardCount} shards (twice that while a reshard drains) " +
                    $"and keys of up to {board.Group.Key.Length} field(s) a window's document may reach {bytes:N0} bytes, over the {KeyedLeaderboardDocument.MaxBytes:N0}-byte budget; declare a smaller k or use fewer shards.");
            }
        }
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
