using System.Text;

namespace TreasureHunt.Core.Events;

/// <summary>The JSON type of a declared attribute's values.</summary>
public enum AttributeType
{
    String,
    Number,
    Boolean,
}

/// <summary>A validated attribute declaration: its position in every event's values (<see cref="Index"/>) and its rules.</summary>
public sealed record CompiledAttribute(int Index, string Name, AttributeType Type, int MaxLength, bool Required)
{
    public string TypeName => Type switch { AttributeType.String => "string", AttributeType.Number => "number", _ => "boolean" };
}

/// <summary>
/// The declared attributes, compiled once per definitions: the parser finds an attribute by its field name's raw UTF-8
/// bytes (candidates grouped by byte length, then compared), so no string is created for a field name.
/// </summary>
public sealed class AttributeTable
{
    /// <summary>No attribute declared: the parser keeps no attribute values at all.</summary>
    public static AttributeTable Empty { get; } = new([]);

    private readonly byte[][] _names;
    // Indices of the attributes whose name has N bytes, at [N]; names are ASCII, at most MaxAttributeNameLength bytes.
    private readonly int[][] _byLength;

    public AttributeTable(IReadOnlyList<CompiledAttribute> attributes)
    {
        ArgumentNullException.ThrowIfNull(attributes);
        if (attributes.Count > ContractLimits.MaxAttributes)
        {
            throw new ArgumentException($"at most {ContractLimits.MaxAttributes} attributes, got {attributes.Count}", nameof(attributes));
        }
        for (var i = 0; i < attributes.Count; i++)
        {
            if (attributes[i].Index != i) throw new ArgumentException($"attribute '{attributes[i].Name}' has index {attributes[i].Index}, expected {i}", nameof(attributes));
        }
        Attributes = [.. attributes];
        _names = Attributes.Select(a => Encoding.UTF8.GetBytes(a.Name)).ToArray();
        _byLength = new int[ContractLimits.MaxAttributeNameLength + 1][];
        for (var length = 0; length < _byLength.Length; length++)
        {
            _byLength[length] = Enumerable.Range(0, _names.Length).Where(i => _names[i].Length == length).ToArray();
        }
        RequiredMask = Attributes.Where(a => a.Required).Aggregate(0UL, (mask, a) => mask | (1UL << a.Index));
    }

    /// <summary>The attributes in declaration order (their index is their position).</summary>
    public CompiledAttribute[] Attributes { get; }

    public int Count => Attributes.Length;

    public CompiledAttribute this[int index] => Attributes[index];

    /// <summary>One bit per required attribute (bit <see cref="CompiledAttribute.Index"/>).</summary>
    public ulong RequiredMask { get; }

    /// <summary>The index of the attribute named by these UTF-8 bytes, or -1.</summary>
    public int IndexOf(ReadOnlySpan<byte> utf8Name)
    {
        if (utf8Name.Length >= _byLength.Length)
        {
            return -1;
        }
        foreach (var i in _byLength[utf8Name.Length])
        {
            if (utf8Name.SequenceEqual(_names[i])) return i;
        }
        return -1;
    }

    /// <summary>The attribute named <paramref name="name"/>, or null.</summary>
    public CompiledAttribute? Find(string name) => Array.Find(Attributes, a => string.Equals(a.Name, name, StringComparison.Ordinal));
}
