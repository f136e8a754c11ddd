using System.IO.Hashing;

namespace TreasureHunt.Core.Events;

/// <summary>
/// Reuses the string instances of ids that repeat (users, items, categories follow a Zipf law), so that parsing
/// a batch allocates one string per distinct id instead of one per event. Looked up by the id's validated ASCII bytes
/// as they are in the message (an open-addressing table keyed by a seeded 64-bit XxHash3 of the bytes), so a pooled
/// id costs neither a transcoding nor a string. Bounded: at most <c>capacity</c> strings, cleared when full; the table
/// starts small and doubles (≤ 2 × capacity slots).
/// Not thread-safe: one pool per parser, one parser per partition processor.
/// </summary>
internal sealed class StringPool
{
    private const int InitialSlots = 64;

    private readonly int _capacity;
    // A per-pool seed: ids come from producers, so probe chains must not be predictable (hash flooding).
    private readonly long _seed = Random.Shared.NextInt64();
    private string?[] _strings = new string?[InitialSlots];
    private uint[] _hashes = new uint[InitialSlots];
    private int _count;

    public StringPool(int capacity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        _capacity = capacity;
    }

    /// <summary>Returns the pooled string for ASCII bytes (ids are validated ASCII before they get here).</summary>
    public string GetAscii(ReadOnlySpan<byte> ascii)
    {
        var hash = (uint)XxHash3.HashToUInt64(ascii, _seed);
        var strings = _strings;
        var mask = strings.Length - 1;
        var i = (int)hash & mask;
        while (strings[i] is { } existing)
        {
            if (_hashes[i] == hash && existing.Length == ascii.Length && System.Text.Ascii.Equals(ascii, existing))
            {
                return existing;
            }
            i = (i + 1) & mask;
        }
        return Add(System.Text.Encoding.ASCII.GetString(ascii), hash, i);
    }

    /// <summary>Returns the pooled string for any text (attribute values, decoded by the caller for its own checks). Keep one pool to one method: the two hash different bytes.</summary>
    public string GetText(ReadOnlySpan<char> chars)
    {
        var hash = (uint)XxHash3.HashToUInt64(System.Runtime.InteropServices.MemoryMarshal.AsBytes(chars), _seed);
        var strings = _strings;
        var mask = strings.Length - 1;
        var i = (int)hash & mask;
        while (strings[i] is { } existing)
        {
            if (_hashes[i] == hash && chars.SequenceEqual(existing))
            {
                return existing;
            }
            i = (i + 1) & mask;
        }
        return Add(new string(chars), hash, i);
    }

    /// <summary>Stores a new string at its free slot <paramref name="i"/> (clearing the pool first when it is full).</summary>
    private string Add(string created, uint hash, int i)
    {
        var mask = _strings.Length - 1;
        if (_count >= _capacity)
        {
            Array.Clear(_strings);
            Array.Clear(_hashes);
            _count = 0;
            i = (int)hash & mask;
        }
        _strings[i] = created;
        _hashes[i] = hash;
        if (++_count * 2 > _strings.Length)
        {
            Grow();
        }
        return created;
    }

    private void Grow()
    {
        var oldStrings = _strings;
        var oldHashes = _hashes;
        var strings = new string?[oldStrings.Length * 2];
        var hashes = new uint[strings.Length];
        var mask = strings.Length - 1;
        for (var s = 0; s < oldStrings.Length; s++)
        {
            if (oldStrings[s] is not { } value) continue;
            var i = (int)oldHashes[s] & mask;
            while (strings[i] is not null) i = (i + 1) & mask;
            strings[i] = value;
            hashes[i] = oldHashes[s];
        }
        _strings = strings;
        _hashes = hashes;
    }
}
