namespace TreasureHunt.Core.Events;

/// <summary>
/// Per-type counter arrays (indexed by <see cref="EventType"/>, i.e. the position of the type in the feature
/// definitions). Arrays start at the five types of the default definitions and grow when a declared type beyond them
/// occurs, so documents and entity states written before a type was added stay readable and keep their shape.
/// </summary>
public static class PerType
{
    /// <summary>Makes <paramref name="counts"/> long enough to index <paramref name="type"/>.</summary>
    public static long[] Ensure(ref long[] counts, int type)
    {
        if (type >= counts.Length)
        {
            Array.Resize(ref counts, type + 1);
        }
        return counts;
    }

    /// <summary>Adds <paramref name="source"/> into <paramref name="target"/>, growing it when needed.</summary>
    public static void AddInto(ref long[] target, ReadOnlySpan<long> source)
    {
        if (source.Length > target.Length)
        {
            Array.Resize(ref target, source.Length);
        }
        for (var i = 0; i < source.Length; i++)
        {
            target[i] += source[i];
        }
    }

    /// <summary>The counter of <paramref name="type"/>, 0 beyond the array.</summary>
    public static long At(long[] counts, int type) => type < counts.Length ? counts[type] : 0;
}
