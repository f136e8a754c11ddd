using System.Globalization;
using TreasureHunt.Core.Events;
using TreasureHunt.Core.Features;
using TreasureHunt.Core.Groups;

namespace TreasureHunt.Pipeline.Queries;

/// <summary>What the keyed group routes share: the key read from the query string, and the key as typed JSON values.</summary>
internal static class GroupAnswers
{
    /// <summary>The key values the query names for <paramref name="group"/> (each key field a query parameter), or why not.</summary>
    public static bool TryReadKey(CompiledGroup group, Microsoft.AspNetCore.Http.IQueryCollection query, out string[] values, out string error)
    {
        ArgumentNullException.ThrowIfNull(group);
        ArgumentNullException.ThrowIfNull(query);
        values = new string[group.Key.Length];
        error = "";
        for (var i = 0; i < values.Length; i++)
        {
            var field = group.Key[i];
            var text = query[field.Name].ToString();
            if (text.Length == 0)
            {
                error = $"the group '{group.Name}' is keyed by {string.Join(", ", group.KeyNames)}: the query parameter '{field.Name}' is required";
                return false;
            }
            if (field.Field == EventField.ItemId && !ContractLimits.IsValidId(text))
            {
                error = $"itemId must be {ContractLimits.IdRule()}";
                return false;
            }
            if (GroupKeys.Parse(field, text, out var parseError) is not { } value)
            {
                error = parseError;
                return false;
            }
            values[i] = value;
        }
        return true;
    }

    /// <summary>The key as JSON values: numbers as numbers, booleans as booleans, the rest as text.</summary>
    public static IReadOnlyDictionary<string, object> KeyView(CompiledGroup group, string[] values)
    {
        ArgumentNullException.ThrowIfNull(group);
        ArgumentNullException.ThrowIfNull(values);
        var key = new Dictionary<string, object>(StringComparer.Ordinal);
        for (var i = 0; i < group.Key.Length && i < values.Length; i++)
        {
            var field = group.Key[i];
            key[field.Name] = field.IsNumeric && double.TryParse(values[i], NumberStyles.Float, CultureInfo.InvariantCulture, out var number)
                ? number
                : field.Attribute?.Type == AttributeType.Boolean ? values[i] == "true" : values[i];
        }
        return key;
    }
}
