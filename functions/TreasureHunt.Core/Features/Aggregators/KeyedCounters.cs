using System.Runtime.InteropServices;

namespace TreasureHunt.Core.Features.Aggregators;

/// <summary>
/// The breakdown of count, sum and avg by a text field other than type (<c>by</c>: category, itemId, a string or boolean
/// attribute): per key, the number of events (<c>kn</c>) and, for sum and avg, the sum of their values (<c>ks</c>).
/// At most topN keys are kept: a new key beyond them evicts the key with the fewest events (ties: the ordinally greatest
/// key), counted in <c>capped</c>. Lifetime only. Merging adds per key and evicts the same way; it is exact while no
/// key was evicted (an evicted key's counters are gone), like the decayed sum's.
/// </summary>
internal static class KeyedCounters
{
    public const int MaxTopN = 10_000;

    /// <summary>Per key at most 128 characters, quoted, and a number of at most 25 characters; one or two maps.</summary>
    public static long WorstCaseBytes(CompiledFeature feature, bool sums) => (sums ? 2 : 1) * feature.TopN * (long)(128 + 4 + 25);

    /// <summary>The keyed maps (and none of the per-bucket members, which belong to the breakdown by type).</summary>
    public static void Bind(FeatureState state, bool sums)
    {
        state.KeyCounts ??= new Dictionary<string, long>(StringComparer.Ordinal);
        state.KeySums = sums ? state.KeySums ?? new Dictionary<string, double>(StringComparer.Ordinal) : null;
        state.Counts = null;
        state.Sums = null;
        state.Tiles = null;
        state.Rings = [];
    }

    /// <summary>Counts one event of <paramref name="key"/> (and adds <paramref name="value"/> to its sum when summed).</summary>
    public static void Add(FeatureState state, CompiledFeature feature, string key, double value, ref long capsReached) =>
        Add(state, feature, key, 1, value, ref capsReached);

    public static void Merge(FeatureState into, FeatureState other, CompiledFeature feature)
    {
        var caps = 0L;
        var sums = other.KeySums;
        foreach (var (key, count) in other.KeyCounts!)
        {
            Add(into, feature, key, count, sums is null ? 0 : sums.GetValueOrDefault(key), ref caps);
        }
        into.CapReached += other.CapReached;
    }

    private static void Add(FeatureState state, CompiledFeature feature, string key, long count, double value, ref long capsReached)
    {
        var counts = state.KeyCounts!;
        CollectionsMarshal.GetValueRefOrAddDefault(counts, key, out var existed) += count;
        if (state.KeySums is { } sums) CollectionsMarshal.GetValueRefOrAddDefault(sums, key, out _) += value;
        if (!existed && counts.Count > feature.TopN)
        {
            EvictFewest(state);
            state.CapReached++;
            capsReached++;
        }
    }

    private static void EvictFewest(FeatureState state)
    {
        string? victim = null;
        var fewest = long.MaxValue;
        foreach (var (key, count) in state.KeyCounts!)
        {
            if (victim is null || count < fewest || (count == fewest && string.CompareOrdinal(key, victim) > 0))
            {
                victim = key;
                fewest = count;
            }
        }
        state.KeyCounts!.Remove(victim!);
        state.KeySums?.Remove(victim!);
    }

    /// <summary>
    /// Key → the value <paramref name="answer"/> makes of its count and sum, most events first (ties by key, ordinal);
    /// lifetime only, so any tumbling window answers an empty breakdown.
    /// </summary>
    public static Dictionary<string, object?> Answer(FeatureState state, QueryWindow window, Func<long, double, object?> answer)
    {
        var result = new Dictionary<string, object?>(StringComparer.Ordinal);
        if (!window.IsLifetime || state.KeyCounts is not { } counts) return result;
        foreach (var (key, count) in counts.OrderByDescending(kv => kv.Value).ThenBy(kv => kv.Key, StringComparer.Ordinal))
        {
            result[key] = answer(count, state.KeySums?.GetValueOrDefault(key) ?? 0);
        }
        return result;
    }
}
