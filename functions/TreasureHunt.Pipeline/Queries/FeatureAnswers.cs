using TreasureHunt.Core.Aggregation;
using TreasureHunt.Core.Events;
using TreasureHunt.Core.Features;
using TreasureHunt.Core.Rollups;

namespace TreasureHunt.Pipeline.Queries;

/// <summary>
/// Answers the features routes: the value of declared features by name, for the lifetime or a sliding window
/// <c>lastN{m|h|d}</c> merged at query time from the newest N tumbling tiles counted back from the query time.
/// </summary>
public static class FeatureAnswers
{
    /// <summary>Splits and checks <c>names</c> against <paramref name="group"/>; null names = every feature of the group.</summary>
    public static bool TryResolve(string? names, CompiledFeature[] group, string groupName, QueryWindow window, out List<CompiledFeature> features, out string error)
    {
        features = [];
        error = "";
        var requested = string.IsNullOrWhiteSpace(names)
            ? group.Select(f => f.Name).ToList()
            : names.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).Distinct(StringComparer.Ordinal).ToList();
        foreach (var name in requested)
        {
            var feature = Array.Find(group, f => f.Name == name);
            if (feature is null)
            {
                error = $"unknown {groupName} feature '{name}'; declared: {string.Join(", ", group.Select(f => f.Name))}";
                return false;
            }
            if (!window.IsLifetime)
            {
                if (feature.WindowOf(window.Unit!.Value) is not { } spec)
                {
                    error = $"feature '{name}' has no {window.Unit!.Value.Name()} tiles, so window '{window}' cannot be answered (declared windows: {string.Join(", ", feature.Source.Windows ?? [WindowSpec.LifetimeName])})";
                    return false;
                }
                if (window.Tiles > spec.Keep)
                {
                    error = $"window '{window}' needs {window.Tiles} {window.Unit!.Value.Name()} tiles but feature '{name}' keeps {spec.Keep}";
                    return false;
                }
            }
            else if (feature.Kind is AggregationKind.Count or AggregationKind.Sum && !feature.Lifetime)
            {
                error = $"feature '{name}' is not kept for the lifetime; ask for a sliding window (declared windows: {string.Join(", ", feature.Source.Windows ?? [])})";
                return false;
            }
            features.Add(feature);
        }
        return true;
    }

    public static object? UserValue(CompiledFeature feature, FeatureState? state, CompiledDefinitions definitions, QueryWindow window, DateTimeOffset now)
    {
        if (state is null) return null;
        switch (feature.Kind)
        {
            case AggregationKind.Count or AggregationKind.Sum:
                var values = new double[feature.Buckets];
                if (window.IsLifetime)
                {
                    for (var b = 0; b < values.Length; b++) values[b] = state.Counts is { } c ? c[b] : state.Sums![b];
                }
                else if (state.Tiles?.GetValueOrDefault(window.Unit!.Value.Name()) is { } ring)
                {
                    foreach (var tile in window.TileIndexes(now))
                    {
                        for (var b = 0; b < values.Length; b++) values[b] += ring.SumAt(tile, b);
                    }
                }
                return Shape(feature, values, definitions.TypeNames);
            case AggregationKind.Min or AggregationKind.Max:
                return state.Value;
            case AggregationKind.First or AggregationKind.Last:
                return state.Value is { } v && state.Ticks is { } t ? new FeatureTimedValue(v, new DateTime(t, DateTimeKind.Utc)) : null;
            case AggregationKind.DecayedSum:
                return (state.Scores ?? []).Select(kv => new FeatureKeyScore(kv.Key, kv.Value))
                    .OrderByDescending(x => x.Score).ThenBy(x => x.Key, StringComparer.Ordinal).ToList();
            case AggregationKind.LastDistinct:
                return (state.Ids ?? []).Select((id, i) => new FeatureRecentValue(id, new DateTime(state.IdTicks![i], DateTimeKind.Utc))).ToList();
            default:
                return state.DistinctEstimate();
        }
    }

    /// <summary>An item feature (the rollup entities produce one shape: counts by type, lifetime and hour tiles).</summary>
    public static object? ItemValue(CompiledFeature feature, ItemStats stats, CompiledDefinitions definitions, QueryWindow window, DateTimeOffset now)
    {
        var values = new double[definitions.TypeCount];
        if (window.IsLifetime)
        {
            for (var t = 0; t < values.Length; t++) values[t] = PerType.At(stats.Totals, t);
        }
        else
        {
            var tiles = window.TileIndexes(now).Select(tile => tile * 3600).ToHashSet();
            foreach (var hour in stats.Hours)
            {
                if (!tiles.Contains(hour.Start)) continue;
                for (var t = 0; t < values.Length; t++) values[t] += PerType.At(hour.Counts, t);
            }
        }
        return Shape(feature, values, definitions.TypeNames);
    }

    private static object Shape(CompiledFeature feature, double[] values, string[] names)
    {
        var integral = feature.Kind == AggregationKind.Count;
        if (!feature.ByType)
        {
            return integral ? (long)values[0] : values[0];
        }
        var result = new Dictionary<string, object>(StringComparer.Ordinal);
        for (var t = 0; t < names.Length; t++)
        {
            if (!feature.Accepts(t)) continue;
            result[names[t]] = integral ? (long)values[t] : values[t];
        }
        return result;
    }
}
