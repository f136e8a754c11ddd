using TreasureHunt.Core.Events;

namespace TreasureHunt.Core.Features.Aggregators;

/// <summary>
/// One feature definition being checked and compiled: what <see cref="IAggregator.Declare"/> reads (the definition,
/// the declared types and attributes), where it reports errors (each prefixed with the entry, e.g.
/// <c>user[2] 'affinity'</c>) and the compiled settings it sets.
/// </summary>
public sealed class FeatureDeclaration
{
    private readonly List<string> _errors;
    private readonly string[] _types;

    internal FeatureDeclaration(FeatureDefinition definition, string at, string[] types, AttributeTable attributes, List<string> errors)
    {
        Definition = definition;
        At = at;
        Types = _types = types;
        Attributes = attributes;
        _errors = errors;
    }

    public FeatureDefinition Definition { get; }

    /// <summary>The entry, as errors name it: <c>group[index] 'name'</c>.</summary>
    public string At { get; }

    /// <summary>The declared event type names, in order.</summary>
    public IReadOnlyList<string> Types { get; }

    /// <summary>The declared attributes.</summary>
    public AttributeTable Attributes { get; }

    /// <summary>The aggregated core field (value, itemId, category), or the decayed sum's key; None for an attribute.</summary>
    public EventField Field { get; set; }

    /// <summary>The field or attribute <c>of</c> reads (null when the aggregation reads none).</summary>
    public EventFieldAccessor? Of { get; set; }

    /// <summary>The field or attribute keying a breakdown other than by type (the decayed sum's key, a keyed count, sum or avg).</summary>
    public EventFieldAccessor? By { get; set; }

    /// <summary>One counter per declared event type (<c>by: type</c>).</summary>
    public bool ByType { get; set; }

    public int K { get; set; }
    public double HalfLifeSeconds { get; set; }
    public int TopN { get; set; }

    public void Error(string message) => _errors.Add($"{At}: {message}");

    /// <summary>
    /// <c>by</c> of a counter aggregation (count, sum, avg): absent (one counter), <c>type</c> (one per declared type) or
    /// another text field — category, itemId, a string or boolean attribute — kept as at most <c>topN</c> keys.
    /// </summary>
    public void ParseCounterBy()
    {
        var f = Definition;
        if (f.By == "type") ByType = true;
        else if (f.By is not null) By = Resolve("by", f.By, a => !a.IsNumeric, "type, category, itemId or a string or boolean attribute");
        if (By is null)
        {
            if (f.TopN is not null) Error($"'topN' applies to {f.Aggregation} only with 'by' a field other than type (category, itemId or an attribute)");
            return;
        }
        if (f.TopN is not { } n || n < 1 || n > KeyedCounters.MaxTopN) Error($"{f.Aggregation} by '{f.By}' needs 'topN' from 1 to {KeyedCounters.MaxTopN} (the keys kept per user)");
        else TopN = n;
    }

    /// <summary><c>of</c> as a number: <c>value</c> (also when absent) or a number attribute.</summary>
    public void ParseNumberOf()
    {
        Of = Resolve("of", Definition.Of ?? "value", a => a.IsNumeric, "value or a number attribute");
        Field = Of?.Field ?? EventField.None;
    }

    /// <summary><c>of</c> as text, required: <c>itemId</c>, <c>category</c> or a string attribute.</summary>
    public void ParseTextOf()
    {
        const string Expected = "itemId, category or a string attribute";
        if (Definition.Of is not { } name) { Error($"{Definition.Aggregation} needs 'of': {Expected}"); return; }
        if (name == "userId" && Definition.Aggregation == AggregationKind.ApproxDistinct)
        {
            // Distinct users per key: the sketch keeps hashes only, so no user id leaves the user's own document.
            Of = EventFieldAccessor.UserId(_types);
            Field = EventField.UserId;
            return;
        }
        Of = Resolve("of", name, a => a.Field is EventField.ItemId or EventField.Category || a.Attribute?.Type == AttributeType.String, Expected);
        Field = Of?.Field ?? EventField.None;
    }

    /// <summary>
    /// The accessor of <paramref name="name"/> (the value of <paramref name="member"/>) when it is an event field or a
    /// declared attribute that <paramref name="fits"/>; otherwise an error naming what it is, and null.
    /// </summary>
    public EventFieldAccessor? Resolve(string member, string name, Func<EventFieldAccessor, bool> fits, string expected)
    {
        ArgumentNullException.ThrowIfNull(fits);
        var aggregation = Definition.Aggregation;
        if (!EventFieldAccessor.TryCreate(name, Attributes, _types, out var field))
        {
            var declared = Attributes.Count == 0 ? "none declared" : string.Join(", ", Attributes.Attributes.Select(a => a.Name));
            Error($"'{member}' must be {expected} for {aggregation}, got '{name}', which is neither an event field nor a declared attribute (attributes: {declared})");
            return null;
        }
        if (!fits(field!))
        {
            Error($"'{member}' must be {expected} for {aggregation}, got '{name}', {Describe(field!)}");
            return null;
        }
        return field;
    }

    private static string Describe(EventFieldAccessor field) =>
        field.Attribute is { } a ? $"a {a.TypeName} attribute" : field.IsNumeric ? "a number field" : "a text field";

    public static string Name(EventField field) => field switch
    {
        EventField.Value => "value", EventField.ItemId => "itemId", EventField.Category => "category", EventField.Type => "type", EventField.UserId => "userId", _ => "",
    };
}
