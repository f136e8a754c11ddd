using TreasureHunt.Core.Events;

namespace TreasureHunt.Core.Features;

/// <summary>Validates the definitions' <c>attributes</c> and compiles them into the parser's <see cref="AttributeTable"/>.</summary>
internal static class AttributeDefinitionsCompiler
{
    private static readonly Dictionary<string, AttributeType> Types = new(StringComparer.Ordinal)
    {
        ["string"] = AttributeType.String, ["number"] = AttributeType.Number, ["boolean"] = AttributeType.Boolean,
    };

    /// <summary>The table of the declared attributes (empty when none); every error names its entry.</summary>
    public static AttributeTable Compile(List<AttributeDefinition>? attributes, List<string> errors)
    {
        if (attributes is null || attributes.Count == 0)
        {
            return AttributeTable.Empty;
        }
        if (attributes.Count > ContractLimits.MaxAttributes)
        {
            errors.Add($"attributes: at most {ContractLimits.MaxAttributes} attributes, got {attributes.Count}");
        }
        var compiled = new List<CompiledAttribute>();
        var names = new HashSet<string>(StringComparer.Ordinal);
        var before = errors.Count;
        for (var i = 0; i < attributes.Count; i++)
        {
            var a = attributes[i];
            if (a is null) { errors.Add($"attributes[{i}]: null entry"); continue; }
            var at = $"attributes[{i}] '{a.Name}'";
            if (!IsAttributeName(a.Name)) errors.Add($"{at}: name must be 1..{ContractLimits.MaxAttributeNameLength} chars of [A-Za-z0-9_]");
            else if (ContractLimits.CoreFields.Contains(a.Name)) errors.Add($"{at}: '{a.Name}' is a core field of the event ({string.Join(", ", ContractLimits.CoreFields)}); choose another name");
            else if (!names.Add(a.Name)) errors.Add($"{at}: duplicate attribute name");

            if (!Types.TryGetValue(a.Type ?? "", out var type))
            {
                errors.Add($"{at}: unknown type '{a.Type}' (expected one of {string.Join(", ", Types.Keys)})");
                continue;
            }
            var maxLength = ContractLimits.DefaultAttributeLength;
            if (a.MaxLength is { } max)
            {
                if (type != AttributeType.String) errors.Add($"{at}: 'maxLength' applies only to string attributes");
                else if (max < 1 || max > ContractLimits.MaxAttributeLength) errors.Add($"{at}: maxLength must be from 1 to {ContractLimits.MaxAttributeLength}, got {max}");
                else maxLength = max;
            }
            compiled.Add(new CompiledAttribute(compiled.Count, a.Name, type, type == AttributeType.String ? maxLength : 0, a.Required));
        }
        return errors.Count > before || compiled.Count > ContractLimits.MaxAttributes ? AttributeTable.Empty : new AttributeTable(compiled);
    }

    private static bool IsAttributeName(string? name) =>
        name is { Length: > 0 } && name.Length <= ContractLimits.MaxAttributeNameLength && name.All(c => char.IsAsciiLetterOrDigit(c) || c == '_');
}
