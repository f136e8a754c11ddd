namespace TreasureHunt.Core.Events;

/// <summary>
/// Reuses the string instances of ids that repeat (users, items, categories follow a Zipf law), so that parsing
/// a batch allocates one string per distinct id instead of one per event. Bounded: cleared when full.
/// Not thread-safe: one pool per parser, one parser per partition processor.
/// </summary>
internal sealed class StringPool
{
    private readonly int _capacity;
    private readonly Dictionary<string, string> _strings = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string>.AlternateLookup<ReadOnlySpan<char>> _lookup;

    public StringPool(int capacity)
    {
        _capacity = capacity;
        _lookup = _strings.GetAlternateLookup<ReadOnlySpan<char>>();
    }

    /// <summary>Returns the pooled string for ASCII bytes (ids are validated ASCII before they get here).</summary>
    public string GetAscii(ReadOnlySpan<byte> ascii)
    {
        Span<char> chars = stackalloc char[ascii.Length];
        System.Text.Ascii.ToUtf16(ascii, chars, out var written);
        if (_lookup.TryGetValue(chars[..written], out var existing))
        {
            return existing;
        }
        if (_strings.Count >= _capacity)
        {
            _strings.Clear();
        }
        var created = new string(chars[..written]);
        _strings.Add(created, created);
        return created;
    }
}
