using System.Text.Json;

namespace TreasureHunt.Core.Features;

/// <summary>
/// The evolution rules between the stored definitions and a candidate: what one version may add, what needs a higher
/// version, what is never allowed (docs/data-model.md, "Feature definitions"; docs/internals.md#definitions-evolution).
/// </summary>
public static class DefinitionsCompatibility
{
    public static IReadOnlyList<string> Check(FeatureDefinitions stored, FeatureDefinitions candidate)
    {
        ArgumentNullException.ThrowIfNull(stored);
        ArgumentNullException.ThrowIfNull(candidate);
        var errors = new List<string>();
        if (candidate.Version < stored.Version)
        {
            errors.Add($"version: {candidate.Version} is older than the stored version {stored.Version}");
            return errors;
        }
        for (var i = 0; i < stored.EventTypes.Count; i++)
        {
            var name = stored.EventTypes[i].Name;
            if (i >= candidate.EventTypes.Count || candidate.EventTypes[i].Name != name)
            {
                errors.Add($"eventTypes[{i}] '{name}': event types can only be added at the end (the stored version {stored.Version} declares '{name}' at position {i})");
            }
        }
        if (candidate.Version > stored.Version)
        {
            return errors; // a new version may remove or redefine features
        }
        CheckAttributes(stored, candidate, errors);
        var storedGroups = Groups(stored);
        var candidateGroups = Groups(candidate);
        var pairs = new List<(string Group, List<FeatureDefinition> Before, List<FeatureDefinition> After)> { ("user", stored.User, candidate.User) };
        foreach (var (name, key, features) in storedGroups)
        {
            var now = candidateGroups.Find(g => g.Name == name);
            if (now.Name is null)
            {
                errors.Add($"group '{name}': removed without a new version (stored version {stored.Version}); removing a group needs version {stored.Version + 1}");
                continue;
            }
            if (!now.Key.SequenceEqual(key))
            {
                errors.Add($"group '{name}': its key changed from [{string.Join(", ", key)}] to [{string.Join(", ", now.Key)}] without a new version; a new key needs version {stored.Version + 1}");
            }
            pairs.Add((name, features, now.Features));
        }
        foreach (var board in stored.Leaderboards ?? [])
        {
            var now = candidate.Leaderboards?.Find(l => l.Name == board.Name);
            if (now is null || Fingerprint(now) != Fingerprint(board))
            {
                errors.Add($"leaderboard '{board.Name}': {(now is null ? "removed" : "redefined")} without a new version (stored version {stored.Version}); that needs version {stored.Version + 1}");
            }
        }
        foreach (var (group, before, after) in pairs)
        {
            foreach (var feature in before)
            {
                var now = after.Find(f => f.Name == feature.Name);
                if (now is null)
                {
                    errors.Add($"{group} '{feature.Name}': removed without a new version (stored version {stored.Version}); removing a feature needs version {stored.Version + 1}");
                }
                else if (Fingerprint(now) != Fingerprint(feature))
                {
                    errors.Add($"{group} '{feature.Name}': redefined without a new version (stored version {stored.Version}); redefining a feature needs version {stored.Version + 1}");
                }
            }
        }
        return errors;
    }

    /// <summary>The keyed groups of a document, the <c>item</c> and <c>global</c> shorthand arrays included.</summary>
    private static List<(string Name, List<string> Key, List<FeatureDefinition> Features)> Groups(FeatureDefinitions d)
    {
        var groups = new List<(string, List<string>, List<FeatureDefinition>)>();
        if (d.Item is { Count: > 0 }) groups.Add(("item", ["itemId"], d.Item));
        if (d.Global is { Count: > 0 }) groups.Add(("global", [], d.Global));
        foreach (var g in d.Groups ?? []) groups.Add((g.Name, g.Key ?? [], g.Features ?? []));
        return groups;
    }

    /// <summary>A leaderboard without its description, as JSON.</summary>
    private static string Fingerprint(LeaderboardDefinition board) =>
        JsonSerializer.Serialize(new LeaderboardDefinition { Name = board.Name, Group = board.Group, Feature = board.Feature, Bucket = board.Bucket, Windows = board.Windows, K = board.K });

    private static void CheckAttributes(FeatureDefinitions stored, FeatureDefinitions candidate, List<string> errors)
    {
        var before = stored.Attributes ?? [];
        var after = candidate.Attributes ?? [];
        var next = $"needs version {stored.Version + 1} (stored version {stored.Version})";
        foreach (var attribute in before)
        {
            var now = after.Find(a => a.Name == attribute.Name);
            var at = $"attributes '{attribute.Name}'";
            if (now is null)
            {
                errors.Add($"{at}: removing an attribute {next}");
                continue;
            }
            if (now.Type != attribute.Type)
            {
                errors.Add($"{at}: changing the type from {attribute.Type} to {now.Type} {next}");
            }
            else if (MaxLengthOf(now) < MaxLengthOf(attribute))
            {
                errors.Add($"{at}: narrowing maxLength from {MaxLengthOf(attribute)} to {MaxLengthOf(now)} {next}");
            }
            if (now.Required && !attribute.Required)
            {
                errors.Add($"{at}: making an attribute required {next}");
            }
        }
        foreach (var added in after.Where(a => a.Required && !before.Exists(b => b.Name == a.Name)))
        {
            errors.Add($"attributes '{added.Name}': adding a required attribute {next} (an optional one is compatible)");
        }
    }

    private static int MaxLengthOf(AttributeDefinition attribute) => attribute.MaxLength ?? Events.ContractLimits.DefaultAttributeLength;

    /// <summary>
    /// The definition without its description, as canonical JSON: <c>of</c>, <c>by</c>, <c>types</c> and <c>where</c>
    /// are part of it, so changing what a feature reads or filters is a redefinition. The order of the <c>where</c>
    /// keys and of a range's bounds is not (both are sorted); a feature without <c>where</c> prints as it always has.
    /// </summary>
    public static string Fingerprint(FeatureDefinition feature)
    {
        ArgumentNullException.ThrowIfNull(feature);
        var copy = new FeatureDefinition
        {
            Name = feature.Name, Aggregation = feature.Aggregation, Of = feature.Of, By = feature.By, Types = feature.Types,
            Where = feature.Where is { } where
                ? where.OrderBy(kv => kv.Key, StringComparer.Ordinal).ToDictionary(kv => kv.Key, kv => Canonical(kv.Value), StringComparer.Ordinal)
                : null,
            Windows = feature.Windows, K = feature.K, HalfLife = feature.HalfLife, TopN = feature.TopN,
        };
        return JsonSerializer.Serialize(copy);
    }

    /// <summary>A condition's value with an object's members sorted by name (a range's bounds in any order print alike).</summary>
    private static JsonElement Canonical(JsonElement value)
    {
        if (value.ValueKind != JsonValueKind.Object) return value.Clone();
        var sorted = value.EnumerateObject().OrderBy(p => p.Name, StringComparer.Ordinal).ToDictionary(p => p.Name, p => p.Value, StringComparer.Ordinal);
        return JsonSerializer.SerializeToElement(sorted);
    }
}
