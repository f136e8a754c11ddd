using TreasureHunt.Core.Events;

namespace TreasureHunt.Core.Features;

/// <summary>One condition of a feature's <c>where</c> on one field or attribute; an absent value never holds.</summary>
public abstract class FilterCondition(EventFieldAccessor field)
{
    public EventFieldAccessor Field { get; } = field;

    public abstract bool Holds(TreasureEvent e);
}

/// <summary>Text equality or membership (<c>"channel": "app"</c>, <c>"category": ["a", "b"]</c>), ordinal.</summary>
internal sealed class TextInCondition(EventFieldAccessor field, string[] values) : FilterCondition(field)
{
    public override bool Holds(TreasureEvent e)
    {
        var text = Field.TextOf(e);
        if (text is null) return false;
        foreach (var v in values)
        {
            if (string.Equals(v, text, StringComparison.Ordinal)) return true;
        }
        return false;
    }
}

/// <summary>Number equality or membership (<c>"quantity": [1, 2]</c>).</summary>
internal sealed class NumberInCondition(EventFieldAccessor field, double[] values) : FilterCondition(field)
{
    public override bool Holds(TreasureEvent e) => Field.NumberOf(e) is { } x && Array.IndexOf(values, x) >= 0;
}

/// <summary>A numeric range (<c>"value": {"gte": 100, "lt": 500}</c>); a missing bound is open.</summary>
internal sealed class NumberRangeCondition(EventFieldAccessor field, double lower, bool lowerInclusive, double upper, bool upperInclusive) : FilterCondition(field)
{
    public override bool Holds(TreasureEvent e) =>
        Field.NumberOf(e) is { } x
        && (lowerInclusive ? x >= lower : x > lower)
        && (upperInclusive ? x <= upper : x < upper);
}
