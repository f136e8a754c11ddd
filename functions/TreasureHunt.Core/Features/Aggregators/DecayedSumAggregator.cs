using System.Runtime.InteropServices;
using TreasureHunt.Core.Aggregation;
using TreasureHunt.Core.Events;

namespace TreasureHunt.Core.Features.Aggregators;

/// <summary>
/// decayedSum: per key (<c>by</c>: category, itemId or a string or boolean attribute), Σ weight(type) × <c>of</c>
/// (value, or a number attribute) × 0.5^(age / halfLife) over the events that pass the filter and carry both, with the age
/// counted back from the user's latest event; at most topN keys (the lowest score is evicted, and counted), lifetime.
/// Stored as <c>top</c> (key → score decayed to the document's <c>lastEventTime</c>) and <c>capped</c>. Merging rescales
/// both sides to the later reference time and adds; it is exact (up to rounding) only while neither side evicted a key,
/// since an evicted key's score is gone.
/// </summary>
internal sealed class DecayedSumAggregator : IAggregator
{
    public const int MaxTopN = 10_000;

    public string Name => AggregationKind.DecayedSum;

    public FeatureOptions Accepts => FeatureOptions.Of | FeatureOptions.By | FeatureOptions.HalfLife | FeatureOptions.TopN;

    public void Declare(FeatureDeclaration declaration)
    {
        var f = declaration.Definition;
        declaration.ParseNumberOf();
        const string Keys = "category, itemId or a string or boolean attribute";
        if (f.By is null) declaration.Error($"decayedSum needs 'by': {Keys}");
        else declaration.By = declaration.Resolve("by", f.By, a => !a.IsNumeric && a.Field != EventField.Type, Keys);
        declaration.Field = declaration.By?.Field ?? EventField.None;
        if (!FeatureDefinitionsReader.TryParseDuration(f.HalfLife, out var halfLife)) declaration.Error($"halfLife '{f.HalfLife}' must be a positive duration such as 7d, 12h or 30m");
        else declaration.HalfLifeSeconds = halfLife;
        if (f.TopN is not { } n || n < 1 || n > MaxTopN) declaration.Error($"decayedSum needs 'topN' from 1 to {MaxTopN} (the per-user cap)");
        else declaration.TopN = n;
    }

    public long WorstCaseBytes(CompiledFeature feature) => feature.TopN * (long)(128 + 4 + 25);

    public void Bind(FeatureState state, CompiledFeature feature, int[]? bucketMap) =>
        state.Scores ??= new Dictionary<string, double>(StringComparer.Ordinal);

    public bool Apply(FeatureState state, CompiledFeature feature, TreasureEvent e, bool matches, in ApplyContext context, ref long capsReached)
    {
        // Scores are kept decayed to tRef = the user's latest event time: a newer event rescales every score by
        // 0.5^(Δ/halfLife), an older one is added already decayed — Σ w·v·0.5^((tRef−t)/h) whatever the arrival order.
        var scores = state.Scores!;
        var last = context.Last;
        if (context.PreviousLast is { } oldRef && last > oldRef && scores.Count > 0)
        {
            Rescale(scores, Math.Pow(0.5, (last - oldRef).TotalSeconds / feature.HalfLifeSeconds));
        }
        if (!matches || feature.By!.TextOf(e) is not { } key || feature.Of!.NumberOf(e) is not { } value) return true;
        var type = (int)e.Type;
        var weights = context.Definitions.Weights;
        var weight = type < weights.Length ? weights[type] : 0;
        var contribution = weight * value * Math.Pow(0.5, (last - e.Timestamp).TotalSeconds / feature.HalfLifeSeconds);
        Add(state, feature, key, contribution, ref capsReached);
        return true;
    }

    public void Merge(FeatureState into, FeatureState other, CompiledFeature feature, in MergeContext context)
    {
        if (context.Last is not { } last) return;
        var scores = into.Scores!;
        if (context.IntoLast is { } intoRef && last > intoRef && scores.Count > 0)
        {
            Rescale(scores, Math.Pow(0.5, (last - intoRef).TotalSeconds / feature.HalfLifeSeconds));
        }
        var factor = context.OtherLast is { } otherRef ? Math.Pow(0.5, (last - otherRef).TotalSeconds / feature.HalfLifeSeconds) : 1;
        var caps = 0L;
        foreach (var (key, score) in other.Scores!)
        {
            Add(into, feature, key, score * factor, ref caps);
        }
        into.CapReached += other.CapReached;
    }

    private static void Rescale(Dictionary<string, double> scores, double factor)
    {
        foreach (var key in scores.Keys)
        {
            CollectionsMarshal.GetValueRefOrNullRef(scores, key) *= factor;
        }
    }

    private static void Add(FeatureState state, CompiledFeature feature, string key, double contribution, ref long capsReached)
    {
        var scores = state.Scores!;
        CollectionsMarshal.GetValueRefOrAddDefault(scores, key, out var existed) += contribution;
        if (!existed && scores.Count > feature.TopN)
        {
            EvictLowest(scores);
            state.CapReached++;
            capsReached++;
        }
    }

    /// <summary>Drops the lowest score (ties: the ordinally greatest key), keeping the top N by score.</summary>
    private static void EvictLowest(Dictionary<string, double> scores)
    {
        string? victim = null;
        var lowest = double.PositiveInfinity;
        foreach (var (key, score) in scores)
        {
            if (victim is null || score < lowest || (score == lowest && string.CompareOrdinal(key, victim) > 0))
            {
                victim = key;
                lowest = score;
            }
        }
        scores.Remove(victim!);
    }

    public object? Answer(FeatureState state, CompiledFeature feature, QueryWindow window, DateTimeOffset now, string[] typeNames) =>
        (state.Scores ?? []).Select(kv => new FeatureKeyScore(kv.Key, kv.Value))
            .OrderByDescending(x => x.Score).ThenBy(x => x.Key, StringComparer.Ordinal).ToList();

    public IEnumerable<AnswerColumn> Columns(CompiledFeature feature, string[] typeNames) => [AnswerText.Column(feature)];

    /// <summary>Schema 1's <c>affinity</c>, for a decayed sum by category without a filter (evicting down to topN, counted).</summary>
    public FeatureState? FromSchema1(CompiledFeature feature, UserDocument legacy)
    {
        if (feature.Field != EventField.Category || feature.Of?.Field != EventField.Value || !feature.Filter.IsAll || legacy.LegacyAffinity is null) return null;
        var scores = new Dictionary<string, double>(legacy.LegacyAffinity, StringComparer.Ordinal);
        var state = new FeatureState { Aggregation = Name, Scores = scores };
        while (scores.Count > feature.TopN)
        {
            var lowest = scores.OrderBy(kv => kv.Value).ThenByDescending(kv => kv.Key, StringComparer.Ordinal).First().Key;
            scores.Remove(lowest);
            state.CapReached++;
            legacy.CapsReached++;
        }
        return state;
    }
}
