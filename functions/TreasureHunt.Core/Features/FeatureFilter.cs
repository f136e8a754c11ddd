using System.Text.Json;
using TreasureHunt.Core.Events;

namespace TreasureHunt.Core.Features;

/// <summary>
/// A feature's compiled filter: its event types (<c>types</c>, or <c>where.type</c>) as a per-type table, and every
/// other <c>where</c> condition; an event counts only when all of them hold. Compiled once with the definitions.
/// </summary>
public sealed class FeatureFilter
{
    /// <summary>At most this many values in one membership list (the filter stays a few comparisons per event).</summary>
    public const int MaxValuesPerCondition = 64;

    public static readonly FeatureFilter All = new(null, []);

    private readonly FilterCondition[] _conditions;

    private FeatureFilter(bool[]? typeFilter, FilterCondition[] conditions)
    {
        TypeFilter = typeFilter;
        _conditions = conditions;
    }

    /// <summary>Per declared type index: whether the type passes; null = every type.</summary>
    public bool[]? TypeFilter { get; }

    /// <summary>The conditions on other fields and attributes.</summary>
    public IReadOnlyList<FilterCondition> Conditions => _conditions;

    /// <summary>No filter: every event counts.</summary>
    public bool IsAll => TypeFilter is null && _conditions.Length == 0;

    public bool AcceptsType(int type) => TypeFilter is null || ((uint)type < (uint)TypeFilter.Length && TypeFilter[type]);

    /// <summary>Whether <paramref name="e"/> counts: called once per feature per event, so the common cases (no filter, a
    /// type filter) take no call beyond this one.</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    public bool Matches(TreasureEvent e)
    {
        if (TypeFilter is { } types && ((uint)e.Type >= (uint)types.Length || !types[(int)e.Type])) return false;
        return _conditions.Length == 0 || AllConditionsHold(e);
    }

    private bool AllConditionsHold(TreasureEvent e)
    {
        foreach (var c in _conditions)
        {
            if (!c.Holds(e)) return false;
        }
        return true;
    }

    /// <summary>
    /// Compiles <paramref name="feature"/>'s <c>types</c> and <c>where</c>; every error names the feature
    /// (<paramref name="at"/>) and the offending entry. Returns <see cref="All"/> when the feature has no filter.
    /// </summary>
    public static FeatureFilter Compile(FeatureDefinition feature, string[] typeNames, AttributeTable attributes, string at, List<string> errors)
    {
        ArgumentNullException.ThrowIfNull(feature);
        ArgumentNullException.ThrowIfNull(typeNames);
        ArgumentNullException.ThrowIfNull(errors);
        bool[]? types = null;
        if (feature.Types is not null)
        {
            if (feature.Types.Count == 0) errors.Add($"{at}: types, when present, must list at least one event type");
            types = TypeTable(feature.Types, typeNames, $"{at}: types", errors);
        }
        var conditions = new List<FilterCondition>();
        foreach (var (name, value) in feature.Where ?? [])
        {
            var where = $"{at}: where.{name}";
            if (name == "type")
            {
                if (feature.Types is not null) { errors.Add($"{where}: give the event types once, in 'types' or in 'where.type'"); continue; }
                if (TextValues(value, where, errors) is { } names) types = TypeTable(names, typeNames, where, errors);
                continue;
            }
            if (!EventFieldAccessor.TryCreate(name, attributes, typeNames, out var field))
            {
                var declared = attributes.Count == 0 ? "none declared" : string.Join(", ", attributes.Attributes.Select(a => a.Name));
                errors.Add($"{where}: unknown field or attribute (fields: type, category, itemId, value; attributes: {declared})");
                continue;
            }
            if (CompileCondition(field!, value, where, errors) is { } condition) conditions.Add(condition);
        }
        return types is null && conditions.Count == 0 ? All : new FeatureFilter(types, [.. conditions]);
    }

    private static bool[] TypeTable(IEnumerable<string> names, string[] typeNames, string where, List<string> errors)
    {
        var table = new bool[typeNames.Length];
        foreach (var name in names)
        {
            var index = Array.IndexOf(typeNames, name);
            if (index < 0) errors.Add($"{where} lists '{name}', which is not a declared event type");
            else table[index] = true;
        }
        return table;
    }

    private static FilterCondition? CompileCondition(EventFieldAccessor field, JsonElement value, string where, List<string> errors)
    {
        if (field.IsNumeric)
        {
            return value.ValueKind == JsonValueKind.Object ? Range(field, value, where, errors)
                : NumberValues(value, where, errors) is { } numbers ? new NumberInCondition(field, numbers) : null;
        }
        if (value.ValueKind == JsonValueKind.Object)
        {
            errors.Add($"{where}: a range (lt, lte, gt, gte) applies only to a number field; '{field.Name}' is text");
            return null;
        }
        var boolean = field.Attribute?.Type == AttributeType.Boolean;
        var texts = boolean ? BooleanValues(value, where, errors) : TextValues(value, where, errors);
        return texts is null ? null : new TextInCondition(field, texts);
    }

    /// <summary>A scalar or a non-empty array of scalars of one JSON kind, read by <paramref name="read"/>.</summary>
    private static T[]? Values<T>(JsonElement value, string where, string kind, Func<JsonElement, T?> read, List<string> errors) where T : notnull
    {
        var items = value.ValueKind == JsonValueKind.Array ? value.EnumerateArray().ToArray() : [value];
        if (items.Length == 0 || items.Length > MaxValuesPerCondition)
        {
            errors.Add($"{where}: a list needs 1 to {MaxValuesPerCondition} values, got {items.Length}");
            return null;
        }
        var result = new T[items.Length];
        for (var i = 0; i < items.Length; i++)
        {
            if (read(items[i]) is not { } v)
            {
                errors.Add($"{where}: expected {kind} (or a list of them), got {items[i].ValueKind.ToString().ToLowerInvariant()} {items[i].GetRawText()}");
                return null;
            }
            result[i] = v;
        }
        return result;
    }

    private static string[]? TextValues(JsonElement value, string where, List<string> errors) =>
        Values(value, where, "a string", e => e.ValueKind == JsonValueKind.String ? e.GetString() : null, errors);

    private static string[]? BooleanValues(JsonElement value, string where, List<string> errors) =>
        Values(value, where, "true or false", e => e.ValueKind switch { JsonValueKind.True => "true", JsonValueKind.False => "false", _ => null }, errors);

    private static double[]? NumberValues(JsonElement value, string where, List<string> errors)
    {
        var numbers = Values<object>(value, where, "a number", e => e.ValueKind == JsonValueKind.Number && e.TryGetDouble(out var d) && double.IsFinite(d) ? d : null, errors);
        return numbers?.Cast<double>().ToArray();
    }

    private static NumberRangeCondition? Range(EventFieldAccessor field, JsonElement value, string where, List<string> errors)
    {
        double lower = double.NegativeInfinity, upper = double.PositiveInfinity;
        bool lowerInclusive = false, upperInclusive = false, hasLower = false, hasUpper = false, ok = true;
        foreach (var bound in value.EnumerateObject())
        {
            if (bound.Value.ValueKind != JsonValueKind.Number || !bound.Value.TryGetDouble(out var x) || !double.IsFinite(x))
            {
                errors.Add($"{where}.{bound.Name}: expected a finite number, got {bound.Value.GetRawText()}");
                ok = false;
                continue;
            }
            switch (bound.Name)
            {
                case "gt" or "gte" when hasLower:
                case "lt" or "lte" when hasUpper:
                    errors.Add($"{where}: give at most one lower bound (gt, gte) and one upper bound (lt, lte)");
                    ok = false;
                    break;
                case "gt" or "gte":
                    (lower, lowerInclusive, hasLower) = (x, bound.Name == "gte", true);
                    break;
                case "lt" or "lte":
                    (upper, upperInclusive, hasUpper) = (x, bound.Name == "lte", true);
                    break;
                default:
                    errors.Add($"{where}: unknown bound '{bound.Name}' (expected lt, lte, gt, gte)");
                    ok = false;
                    break;
            }
        }
        if (ok && !hasLower && !hasUpper)
        {
            errors.Add($"{where}: a range needs at least one of lt, lte, gt, gte");
            return null;
        }
        if (ok && (lower > upper || (lower == upper && !(lowerInclusive && upperInclusive))))
        {
            errors.Add($"{where}: impossible range, no number is {(lowerInclusive ? ">=" : ">")} {lower} and {(upperInclusive ? "<=" : "<")} {upper}");
            return null;
        }
        return ok ? new NumberRangeCondition(field, lower, lowerInclusive, upper, upperInclusive) : null;
    }
}
