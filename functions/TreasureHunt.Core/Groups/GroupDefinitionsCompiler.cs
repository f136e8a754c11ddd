using TreasureHunt.Core.Aggregation;
using TreasureHunt.Core.Events;
using TreasureHunt.Core.Features;

namespace TreasureHunt.Core.Groups;

/// <summary>Checks and compiles the keyed groups (the <c>item</c> / <c>global</c> shorthand arrays and <c>groups</c>) and the declared leaderboards.</summary>
internal static class GroupDefinitionsCompiler
{
    /// <summary>Budget of one keyed document's features, worst case (Cosmos DB's item limit is 2 MB; the rest is kept
    /// for the key, the flush records and the item documents' per-type stats).</summary>
    public const long MaxKeyedFeatureBytes = 1_500_000;

    private const int MaxGroups = 32;
    private const int MaxLeaderboards = 64;

    public static (CompiledGroup[] Groups, CompiledLeaderboard[] Leaderboards) Compile(FeatureDefinitions d, string[] types, AttributeTable attributes, List<string> errors)
    {
        // At: how errors name the group; Features: how they name its features (the shorthand arrays as they always were).
        var declared = new List<(string At, string Features, GroupDefinition Group)>();
        if (d.Item.Count > 0) declared.Add(("item", "item", new GroupDefinition { Name = CompiledGroup.ItemGroup, Key = ["itemId"], Features = d.Item }));
        if (d.Global.Count > 0) declared.Add(("global", "global", new GroupDefinition { Name = CompiledGroup.GlobalGroup, Key = [], Features = d.Global }));
        var listed = d.Groups ?? [];
        for (var i = 0; i < listed.Count; i++)
        {
            if (listed[i] is null) { errors.Add($"groups[{i}]: null entry"); continue; }
            declared.Add(($"groups[{i}] '{listed[i].Name}'", $"groups[{i}].features", listed[i]));
        }
        if (declared.Count > MaxGroups) errors.Add($"groups: at most {MaxGroups} groups, got {declared.Count}");

        var groups = new List<CompiledGroup>();
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (at, featuresAt, group) in declared)
        {
            var before = errors.Count;
            if (!FeatureDefinitionsReader.IsFeatureName(group.Name)) errors.Add($"{at}: name must be 1..64 chars of [A-Za-z0-9_]");
            else if (!names.Add(group.Name))
            {
                errors.Add(group.Name is CompiledGroup.ItemGroup or CompiledGroup.GlobalGroup && declared.Exists(x => x.At == group.Name)
                    ? $"{at}: the top-level '{group.Name}' array is the shorthand of the group '{group.Name}', which 'groups' declares too: declare it once"
                    : $"{at}: duplicate group name");
            }
            group.Key ??= [];
            group.Features ??= [];
            var key = CompileKey(at, group, types, attributes, errors);
            if (group.Name == CompiledGroup.ItemGroup && !(group.Key.Count == 1 && group.Key[0] == "itemId"))
            {
                errors.Add($"{at}: the group 'item' is keyed by itemId (key [\"itemId\"]); name a group of another key otherwise");
            }
            if (group.Name == CompiledGroup.GlobalGroup && group.Key.Count != 0)
            {
                errors.Add($"{at}: the group 'global' has the empty key []; name a group of another key otherwise");
            }
            var features = FeatureDefinitionsReader.CompileGroup(featuresAt, group.Features, types, attributes, errors);
            if (group.Features.Count == 0) errors.Add($"{at}: a group declares at least one feature");
            var worstCase = features.Sum(FeatureDefinitionsReader.WorstCaseBytes);
            if (worstCase > MaxKeyedFeatureBytes)
            {
                var largest = features.OrderByDescending(FeatureDefinitionsReader.WorstCaseBytes).First();
                errors.Add($"{at}: the worst-case size of the features of one key is {worstCase:N0} bytes, over the {MaxKeyedFeatureBytes:N0}-byte budget of a keyed document " +
                    $"(Cosmos DB's item limit is 2 MB); largest: '{largest.Name}' ({FeatureDefinitionsReader.WorstCaseBytes(largest):N0} bytes)");
            }
            if (errors.Count > before || key is null) continue;
            groups.Add(new CompiledGroup { Name = group.Name, Index = groups.Count, Key = key, Features = features });
        }
        var leaderboards = CompileLeaderboards(d.Leaderboards ?? [], groups, types, errors);
        foreach (var group in groups)
        {
            group.Stored = group.Features.Where(f => !group.HasCounterShape(f) || leaderboards.Any(l => l.Feature == f)).ToArray();
        }
        return (groups.ToArray(), leaderboards);
    }

    /// <summary>The worst-case serialized size of one key's features (the bound every keyed document is checked against).</summary>
    public static long WorstCaseBytes(CompiledGroup group) => group.Features.Sum(FeatureDefinitionsReader.WorstCaseBytes);

    private static EventFieldAccessor[]? CompileKey(string at, GroupDefinition group, string[] types, AttributeTable attributes, List<string> errors)
    {
        if (group.Key.Count > CompiledGroup.MaxKeyFields)
        {
            errors.Add($"{at}: a key has at most {CompiledGroup.MaxKeyFields} fields, got {group.Key.Count}");
            return null;
        }
        var key = new List<EventFieldAccessor>();
        foreach (var name in group.Key)
        {
            if (name == "value" || name == "userId")
            {
                errors.Add($"{at}: key field '{name}' is not allowed: a key is made of itemId, category, type and declared string, number or boolean attributes");
                continue;
            }
            if (!EventFieldAccessor.TryCreate(name ?? "", attributes, types, out var field))
            {
                var declared = attributes.Count == 0 ? "none declared" : string.Join(", ", attributes.Attributes.Select(a => a.Name));
                errors.Add($"{at}: key field '{name}' is neither itemId, category, type nor a declared attribute (attributes: {declared})");
                continue;
            }
            if (key.Exists(k => k.Name == name)) { errors.Add($"{at}: key field '{name}' is listed twice"); continue; }
            key.Add(field!);
        }
        return key.Count == group.Key.Count ? key.ToArray() : null;
    }

    private static CompiledLeaderboard[] CompileLeaderboards(List<LeaderboardDefinition> declared, List<CompiledGroup> groups, string[] types, List<string> errors)
    {
        if (declared.Count > MaxLeaderboards) errors.Add($"leaderboards: at most {MaxLeaderboards}, got {declared.Count}");
        var result = new List<CompiledLeaderboard>();
        var names = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < declared.Count; i++)
        {
            var l = declared[i];
            if (l is null) { errors.Add($"leaderboards[{i}]: null entry"); continue; }
            var at = $"leaderboards[{i}] '{l.Name}'";
            var before = errors.Count;
            if (!FeatureDefinitionsReader.IsFeatureName(l.Name)) errors.Add($"{at}: name must be 1..64 chars of [A-Za-z0-9_]");
            else if (!names.Add(l.Name)) errors.Add($"{at}: duplicate leaderboard name");
            if (l.K < 1 || l.K > CompiledLeaderboard.MaxK) errors.Add($"{at}: k must be 1..{CompiledLeaderboard.MaxK}, got {l.K}");
            var group = groups.Find(g => g.Name == l.Group);
            if (group is null)
            {
                errors.Add($"{at}: unknown group '{l.Group}' (declared: {string.Join(", ", groups.Select(g => g.Name))})");
                continue;
            }
            var feature = group.Feature(l.Feature);
            if (feature is null)
            {
                errors.Add($"{at}: the group '{group.Name}' has no feature '{l.Feature}' (declared: {string.Join(", ", group.Features.Select(f => f.Name))})");
                continue;
            }
            if (!CompiledLeaderboard.RankableAggregations.Contains(feature.Kind))
            {
                errors.Add($"{at}: a leaderboard ranks by a value that only grows as events arrive ({string.Join(", ", CompiledLeaderboard.RankableAggregations)}), so that each shard's top-K stays exact; '{feature.Name}' is {feature.Kind}");
            }
            if (feature.By is not null) errors.Add($"{at}: '{feature.Name}' is broken down by '{feature.Source.By}' (several values per key): rank by a feature of one value, or by type with 'bucket'");
            var bucket = -1;
            if (feature.ByType)
            {
                bucket = l.Bucket is null ? -1 : Array.IndexOf(types, l.Bucket);
                if (bucket < 0 || !feature.Filter.AcceptsType(bucket))
                {
                    errors.Add($"{at}: '{feature.Name}' is broken down by type: 'bucket' must name one of its types ({string.Join(", ", types.Where((_, t) => feature.Filter.AcceptsType(t)))}), got '{l.Bucket}'");
                }
            }
            else if (l.Bucket is not null) errors.Add($"{at}: 'bucket' applies only to a feature broken down by type; '{feature.Name}' has one value");
            var windows = new List<LeaderboardWindow>();
            if (l.Windows is not { Count: > 0 }) errors.Add($"{at}: windows must list at least one of hour, day, all");
            foreach (var text in l.Windows ?? [])
            {
                if (!CompiledLeaderboard.TryParseWindow(text, out var window)) { errors.Add($"{at}: window '{text}' must be hour, day or all"); continue; }
                if (windows.Contains(window)) { errors.Add($"{at}: window '{text}' is listed twice"); continue; }
                if (CompiledLeaderboard.UnitOf(window) is { } unit && feature.WindowOf(unit) is null)
                {
                    errors.Add($"{at}: window '{text}' needs {unit.Name()} tiles, which '{feature.Name}' does not keep (declared windows: {string.Join(", ", feature.Source.Windows ?? [WindowSpec.LifetimeName])})");
                }
                if (window == LeaderboardWindow.All && !feature.Lifetime)
                {
                    errors.Add($"{at}: window 'all' needs the lifetime value, which '{feature.Name}' does not keep (declared windows: {string.Join(", ", feature.Source.Windows ?? [])})");
                }
                windows.Add(window);
            }
            if (errors.Count > before) continue;
            result.Add(new CompiledLeaderboard { Name = l.Name, Group = group, Feature = feature, Bucket = bucket, Windows = windows.ToArray(), K = l.K });
        }
        return result.ToArray();
    }
}
