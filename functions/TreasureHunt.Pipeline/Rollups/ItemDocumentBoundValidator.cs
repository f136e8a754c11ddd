using Microsoft.Extensions.Options;
using TreasureHunt.Core.Features;
using TreasureHunt.Core.Rollups;

namespace TreasureHunt.Pipeline.Rollups;

/// <summary>Start-up check: with the declared event types and <c>Rollups:ItemHourWindows</c>, the worst-case item
/// document must stay within <see cref="ItemDocument.MaxBytes"/> (item stats are one point read of ≤ 8 KB).</summary>
public sealed class ItemDocumentBoundValidator(CompiledDefinitions definitions) : IValidateOptions<RollupOptions>
{
    public ValidateOptionsResult Validate(string? name, RollupOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var worst = ItemDocument.WorstCaseBytes(definitions.TypeCount, options.ItemHourWindows);
        return worst <= ItemDocument.MaxBytes
            ? ValidateOptionsResult.Success
            : ValidateOptionsResult.Fail(
                $"{RollupOptions.Section}:ItemHourWindows: {options.ItemHourWindows} hour windows of {definitions.TypeCount} event types make an item document of up to {worst:N0} bytes, over the {ItemDocument.MaxBytes:N0}-byte bound of one item-stats read; keep fewer item hour windows (the item group's hour:N) or fewer types.");
    }
}
