using TreasureHunt.Core.Aggregation;
using TreasureHunt.Core.Events;
using TreasureHunt.Core.Features;
using TreasureHunt.Core.Rollups;

namespace TreasureHunt.Pipeline.Queries;

/// <summary>
/// Answers the features routes: the value of declared features by name, for the lifetime, a sliding window
/// <c>lastN{m|h|d}</c> merged at query time from the newest N tumbling tiles counted back from the query time, or the
/// tumbling tile of a unit containing a given time.
/// </summary>
public static class FeatureAnswers
{
    /// <summary>Splits and checks <c>names</c> against <paramref name="group"/> and <paramref name="window"/> at
    /// <paramref name="now"/>; null names = every feature of the group.</summary>
    public static bool TryResolve(string? names, CompiledFeature[] group, string groupName, QueryWindow window, DateTimeOffset now, out List<CompiledFeature> features, out string error)
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
                if (window.TileOutsideRetention(now, spec.Keep) is { } reason)
                {
                    error = $"feature '{name}': {reason}";
                    return false;
                }
            }
            else if (!feature.Lifetime)
            {
                error = $"feature '{name}' is not kept for the lifetime; ask for a sliding window (declared windows: {string.Join(", ", feature.Source.Windows ?? [])})";
                return false;
            }
            features.Add(feature);
        }
        return true;
    }

    /// <summary>The answer of a user feature for <paramref name="window"/> (null when the user has no state for it).</summary>
    public static object? UserValue(CompiledFeature feature, FeatureState? state, CompiledDefinitions definitions, QueryWindow window, DateTimeOffset now) =>
        state is null ? null : feature.Aggregator.Answer(state, feature, window, now, definitions.TypeNames);

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
        // Item features are counts by type (the only shape the rollup entities produce): one count per type by name.
        var result = new Dictionary<string, object>(StringComparer.Ordinal);
        for (var t = 0; t < values.Length; t++)
        {
            if (feature.Filter.AcceptsType(t)) result[definitions.TypeNames[t]] = (long)values[t];
        }
        return result;
    }

    /// <summary>A global group feature the global totals answer: its lifetime count per accepted type.</summary>
    public static object? GlobalValue(CompiledFeature feature, GlobalCounters totals, CompiledDefinitions definitions)
    {
        ArgumentNullException.ThrowIfNull(feature);
        ArgumentNullException.ThrowIfNull(totals);
        ArgumentNullException.ThrowIfNull(definitions);
        var result = new Dictionary<string, object>(StringComparer.Ordinal);
        for (var t = 0; t < definitions.TypeCount; t++)
        {
            if (feature.Filter.AcceptsType(t)) result[definitions.TypeNames[t]] = PerType.At(totals.ByType, t);
        }
        return result;
    }
}
