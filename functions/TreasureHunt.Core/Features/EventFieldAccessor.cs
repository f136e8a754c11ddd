using TreasureHunt.Core.Events;

namespace TreasureHunt.Core.Features;

/// <summary>
/// Reads one event field — a core field (<see cref="EventField"/>) or a declared attribute — resolved by name once,
/// against one definitions, so that an aggregation reads it per event without a lookup or an allocation.
/// Numbers (<c>value</c>, number attributes) are read with <see cref="NumberOf"/>; text (<c>itemId</c>, <c>category</c>,
/// <c>type</c>, string attributes, and boolean attributes as <c>"true"</c>/<c>"false"</c>) with <see cref="TextOf"/>.
/// </summary>
public sealed class EventFieldAccessor
{
    private readonly string[] _typeNames;

    private EventFieldAccessor(string name, EventField field, CompiledAttribute? attribute, string[] typeNames)
    {
        Name = name;
        Field = field;
        Attribute = attribute;
        _typeNames = typeNames;
    }

    /// <summary>The field's or attribute's name as declared.</summary>
    public string Name { get; }

    /// <summary>The core field read, or <see cref="EventField.None"/> for an attribute.</summary>
    public EventField Field { get; }

    /// <summary>The attribute read, or null for a core field.</summary>
    public CompiledAttribute? Attribute { get; }

    /// <summary>True when the values are numbers (<see cref="NumberOf"/>), false when they are text (<see cref="TextOf"/>).</summary>
    public bool IsNumeric => Field == EventField.Value || Attribute?.Type == AttributeType.Number;

    /// <summary>The accessor of a core field (value, itemId, category, type) or of an attribute the definitions declare; false for any other name.</summary>
    public static bool TryCreate(string name, CompiledDefinitions definitions, out EventFieldAccessor? accessor)
    {
        ArgumentNullException.ThrowIfNull(definitions);
        return TryCreate(name, definitions.Attributes, definitions.TypeNames, out accessor);
    }

    /// <summary>The same, while the definitions are being compiled: their attributes and event type names.</summary>
    public static bool TryCreate(string name, AttributeTable attributes, string[] typeNames, out EventFieldAccessor? accessor)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(attributes);
        var field = name switch
        {
            "value" => EventField.Value, "itemId" => EventField.ItemId, "category" => EventField.Category, "type" => EventField.Type, _ => EventField.None,
        };
        var attribute = field == EventField.None ? attributes.Find(name) : null;
        accessor = field != EventField.None || attribute is not null ? new EventFieldAccessor(name, field, attribute, typeNames) : null;
        return accessor is not null;
    }

    /// <summary>The accessor of the event's user id: only what an approxDistinct reads (a sketch of hashes, never the ids),
    /// so that no group or feature keeps a user id outside the user's own document.</summary>
    public static EventFieldAccessor UserId(string[] typeNames) => new("userId", EventField.UserId, null, typeNames);

    /// <summary>The event's number: its value, or the number attribute's value (null when absent); null for a text field.</summary>
    public double? NumberOf(TreasureEvent e)
    {
        ArgumentNullException.ThrowIfNull(e);
        if (Attribute is { } a)
        {
            return a.Type == AttributeType.Number ? e.Attributes.NumberAt(a.Index) : null;
        }
        return Field == EventField.Value ? e.Value : null;
    }

    /// <summary>The event's text: its item id, category or type name, or the string or boolean attribute's value (null when absent); null for a number field.</summary>
    public string? TextOf(TreasureEvent e)
    {
        ArgumentNullException.ThrowIfNull(e);
        if (Attribute is { } a)
        {
            return a.Type switch
            {
                AttributeType.String => e.Attributes.TextAt(a.Index),
                AttributeType.Boolean => e.Attributes.BooleanAt(a.Index) is { } b ? (b ? "true" : "false") : null,
                _ => null,
            };
        }
        return Field switch
        {
            EventField.ItemId => e.ItemId,
            EventField.UserId => e.UserId,
            EventField.Category => e.Category,
            EventField.Type => (int)e.Type < _typeNames.Length ? _typeNames[(int)e.Type] : e.Type.ToName(),
            _ => null,
        };
    }
}
