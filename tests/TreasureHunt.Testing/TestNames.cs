using System.Text;

namespace TreasureHunt.Testing;

/// <summary>Names that keep each test's data apart on the shared emulators.</summary>
public static class TestNames
{
    /// <summary>Longest prefix kept, so that prefix + suffix stays within the table-name limit of 63.</summary>
    public const int MaxPrefixLength = 40;

    /// <summary>
    /// A name unique to this call: the prefix reduced to lowercase ASCII letters and digits (at most 40 chars,
    /// starting with a letter, "t" if none is left) plus 16 random hex digits. Valid everywhere the tests need a
    /// name: Azure table names (^[A-Za-z][A-Za-z0-9]{2,62}$), Cosmos database and container ids, queue and blob
    /// container names (lowercase, 3-63 chars).
    /// </summary>
    public static string UniqueName(string prefix)
    {
        var name = new StringBuilder(MaxPrefixLength + 16);
        foreach (var c in prefix ?? string.Empty)
        {
            var lower = char.ToLowerInvariant(c);
            if (name.Length == 0 ? lower is >= 'a' and <= 'z' : lower is >= 'a' and <= 'z' or >= '0' and <= '9')
                name.Append(lower);
            if (name.Length == MaxPrefixLength)
                break;
        }

        if (name.Length == 0)
            name.Append('t');
        name.Append(Guid.NewGuid().ToString("N").AsSpan(0, 16));
        return name.ToString();
    }
}
