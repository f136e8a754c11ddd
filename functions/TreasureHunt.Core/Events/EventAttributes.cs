using System.Globalization;

namespace TreasureHunt.Core.Events;

/// <summary>
/// The declared attributes' values of one event, indexed by <see cref="CompiledAttribute.Index"/>: a string, a boxed
/// double or a boxed bool per attribute, null when absent. One array per event, and none at all when the event
/// carries no declared attribute (<see cref="None"/>); the parser pools short strings, boxed numbers and booleans, so
/// a repeated value costs only its slot.
/// </summary>
public readonly struct EventAttributes : IEquatable<EventAttributes>
{
    private readonly object?[]? _values;

    internal EventAttributes(object?[] values) => _values = values;

    /// <summary>No attribute values (the default).</summary>
    public static EventAttributes None => default;

    internal static readonly object True = true;
    internal static readonly object False = false;

    /// <summary>Values for tests and tools: each a string, a double, a bool or null, in the table's order.</summary>
    public static EventAttributes Of(AttributeTable table, params object?[] values)
    {
        ArgumentNullException.ThrowIfNull(table);
        ArgumentNullException.ThrowIfNull(values);
        if (values.Length != table.Count) throw new ArgumentException($"{table.Count} values expected, got {values.Length}", nameof(values));
        var copy = new object?[values.Length];
        for (var i = 0; i < values.Length; i++)
        {
            copy[i] = (table[i].Type, values[i]) switch
            {
                (_, null) => null,
                (AttributeType.String, string s) => s,
                (AttributeType.Number, double d) => d,
                (AttributeType.Boolean, bool b) => b ? True : False,
                _ => throw new ArgumentException($"attribute '{table[i].Name}' is a {table[i].TypeName}, got {values[i]!.GetType().Name}", nameof(values)),
            };
        }
        return values.All(v => v is null) ? None : new EventAttributes(copy);
    }

    /// <summary>True when the event carries no declared attribute value.</summary>
    public bool IsEmpty => _values is null || Array.TrueForAll(_values, v => v is null);

    /// <summary>The value at <paramref name="index"/> (string, double or bool), or null when absent.</summary>
    public object? this[int index] => _values is { } v && (uint)index < (uint)v.Length ? v[index] : null;

    public string? TextAt(int index) => this[index] as string;

    public double? NumberAt(int index) => this[index] is double d ? d : null;

    public bool? BooleanAt(int index) => this[index] is bool b ? b : null;

    public bool Equals(EventAttributes other)
    {
        var count = Math.Max(_values?.Length ?? 0, other._values?.Length ?? 0);
        for (var i = 0; i < count; i++)
        {
            if (!Equals(this[i], other[i])) return false;
        }
        return true;
    }

    public override bool Equals(object? obj) => obj is EventAttributes other && Equals(other);

    public override int GetHashCode()
    {
        var hash = new HashCode();
        for (var i = 0; _values is not null && i < _values.Length; i++)
        {
            if (_values[i] is { } v) hash.Add((i, v)); // absent values are left out, as Equals ignores them
        }
        return hash.ToHashCode();
    }

    public static bool operator ==(EventAttributes left, EventAttributes right) => left.Equals(right);

    public static bool operator !=(EventAttributes left, EventAttributes right) => !left.Equals(right);

    /// <summary>The values in index order, for example <c>[acme, null, 3, true]</c>.</summary>
    public override string ToString() => _values is null ? "[]" :
        "[" + string.Join(", ", _values.Select(v => v switch
        {
            null => "null",
            double d => d.ToString("R", CultureInfo.InvariantCulture),
            bool b => b ? "true" : "false",
            _ => v.ToString(),
        })) + "]";
}
