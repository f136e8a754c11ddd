using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using TreasureHunt.Core.Aggregation;
using TreasureHunt.Core.Events;
using TreasureHunt.Core.Features.Aggregators;
using TreasureHunt.Core.Groups;

namespace TreasureHunt.Core.Features;

/// <summary>The definitions document was rejected: every error names the offending entry.</summary>
public sealed class FeatureDefinitionsException(string source, IReadOnlyList<string> errors)
    : Exception($"Feature definitions {source} are invalid:{Environment.NewLine}  " + string.Join(Environment.NewLine + "  ", errors))
{
    public IReadOnlyList<string> Errors { get; } = errors;
}

/// <summary>Reads, validates and compiles feature-definitions documents.</summary>
public static class FeatureDefinitionsReader
{
    public const string DefaultResource = "TreasureHunt.Core.Features.definitions.json";

    /// <summary>How documents are read and written (<c>./th features show</c> prints this format).</summary>
    public static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        ReadCommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    private const int MaxEventTypes = 64;
    private const int MaxFeaturesPerGroup = 64;

    /// <summary>Budget of a user document's features, worst case; with the delivery state and identity the document stays below 2 MB.</summary>
    public const long MaxUserFeatureBytes = 1_500_000;

    /// <summary>The default document's text (features/definitions.json, embedded in this assembly).</summary>
    public static string DefaultText()
    {
        using var stream = typeof(FeatureDefinitionsReader).Assembly.GetManifestResourceStream(DefaultResource)
            ?? throw new InvalidOperationException($"embedded resource {DefaultResource} is missing");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    public static FeatureDefinitions ReadDefault() => Parse(DefaultText(), "(default)");

    /// <summary>The definitions at <paramref name="path"/>, or the default ones when the path is null or empty.</summary>
    public static CompiledDefinitions Load(string? path)
    {
        if (string.IsNullOrWhiteSpace(path))
        {
            return CompiledDefinitions.Default;
        }
        if (!File.Exists(path))
        {
            throw new FeatureDefinitionsException(path, [$"file not found: {Path.GetFullPath(path)}"]);
        }
        return Compile(Parse(File.ReadAllText(path), path), path);
    }

    /// <summary>Parses the JSON (not yet validated); throws <see cref="FeatureDefinitionsException"/> on bad JSON.</summary>
    public static FeatureDefinitions Parse(string json, string source = "(text)")
    {
        try
        {
            return JsonSerializer.Deserialize<FeatureDefinitions>(json, Json)
                ?? throw new FeatureDefinitionsException(source, ["the document is null"]);
        }
        catch (JsonException e)
        {
            var where = e.Path is { Length: > 0 } p ? $" at {p}" : "";
            throw new FeatureDefinitionsException(source, [$"not a valid definitions document{where} (line {e.LineNumber + 1}): {FirstLine(e.Message)}"]);
        }
    }

    public static string Serialize(FeatureDefinitions definitions) => JsonSerializer.Serialize(definitions, Json);

    /// <summary>Validates and compiles; throws <see cref="FeatureDefinitionsException"/> listing every error.</summary>
    public static CompiledDefinitions Compile(FeatureDefinitions definitions, string source = "(default)")
    {
        var errors = new List<string>();
        var compiled = TryCompile(definitions, errors);
        if (errors.Count > 0 || compiled is null)
        {
            throw new FeatureDefinitionsException(source, errors);
        }
        return compiled;
    }

    /// <summary>Every error of the document, each naming its entry (empty when valid).</summary>
    public static IReadOnlyList<string> Validate(FeatureDefinitions definitions)
    {
        var errors = new List<string>();
        TryCompile(definitions, errors);
        return errors;
    }

    private static CompiledDefinitions? TryCompile(FeatureDefinitions d, List<string> errors)
    {
        ArgumentNullException.ThrowIfNull(d);
        if (d.Version < 1)
        {
            errors.Add($"version: must be an integer >= 1, got {d.Version}");
        }
        d.EventTypes ??= [];
        d.User ??= [];
        d.Item ??= [];
        d.Global ??= [];
        if (d.EventTypes.Count == 0)
        {
            errors.Add("eventTypes: at least one event type must be declared");
        }
        if (d.EventTypes.Count > MaxEventTypes)
        {
            errors.Add($"eventTypes: at most {MaxEventTypes} event types, got {d.EventTypes.Count}");
        }
        var typeNames = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < d.EventTypes.Count; i++)
        {
            var t = d.EventTypes[i];
            var at = $"eventTypes[{i}] '{t?.Name}'";
            if (t is null) { errors.Add($"eventTypes[{i}]: null entry"); continue; }
            if (!ContractLimits.IsValidId(t.Name, 32)) errors.Add($"{at}: name must be {ContractLimits.IdRule(32)}");
            else if (!typeNames.Add(t.Name)) errors.Add($"{at}: duplicate event type name");
            if (!double.IsFinite(t.Weight)) errors.Add($"{at}: weight must be a finite number");
        }
        var attributes = AttributeDefinitionsCompiler.Compile(d.Attributes, errors);
        var types = d.EventTypes.Where(t => t is not null).Select(t => t.Name).ToArray();
        var user = CompileGroup("user", d.User, types, attributes, errors);
        var (groups, leaderboards) = GroupDefinitionsCompiler.Compile(d, types, attributes, errors);
        var worstCase = user.Sum(WorstCaseBytes);
        if (worstCase > MaxUserFeatureBytes)
        {
            var largest = user.OrderByDescending(WorstCaseBytes).First();
            errors.Add($"user: the worst-case size of the features in one user document is {worstCase:N0} bytes, over the {MaxUserFeatureBytes:N0}-byte budget " +
                $"(Cosmos DB's item limit is 2 MB; the rest is kept for the delivery state); largest: '{largest.Name}' ({WorstCaseBytes(largest):N0} bytes)");
        }
        return errors.Count == 0 ? new CompiledDefinitions(d, user, groups, leaderboards, attributes) : null;
    }

    internal static CompiledFeature[] CompileGroup(string group, List<FeatureDefinition> features, string[] types, AttributeTable attributes, List<string> errors)
    {
        var result = new List<CompiledFeature>();
        var names = new HashSet<string>(StringComparer.Ordinal);
        if (features.Count > MaxFeaturesPerGroup)
        {
            errors.Add($"{group}: at most {MaxFeaturesPerGroup} features, got {features.Count}");
        }
        for (var i = 0; i < features.Count; i++)
        {
            var f = features[i];
            if (f is null) { errors.Add($"{group}[{i}]: null entry"); continue; }
            var at = $"{group}[{i}] '{f.Name}'";
            var before = errors.Count;
            if (!IsFeatureName(f.Name)) errors.Add($"{at}: name must be 1..64 chars of [A-Za-z0-9_]");
            else if (!names.Add(f.Name)) errors.Add($"{at}: duplicate feature name in group '{group}'");

            if (!Aggregations.TryGet(f.Aggregation, out var aggregator))
            {
                errors.Add($"{at}: unknown aggregation '{f.Aggregation}' (expected one of {string.Join(", ", Aggregations.Names)})");
                continue;
            }

            var filter = FeatureFilter.Compile(f, types, attributes, at, errors);

            // The members the aggregation does not take are refused here; it checks and compiles the ones it takes.
            var accepts = aggregator.Accepts;
            if (f.Of is not null && (accepts & FeatureOptions.Of) == 0) errors.Add($"{at}: 'of' does not apply to {f.Aggregation}");
            if (f.By is not null && (accepts & FeatureOptions.By) == 0) errors.Add($"{at}: 'by' does not apply to {f.Aggregation}");
            if (f.K is not null && (accepts & FeatureOptions.K) == 0) errors.Add($"{at}: 'k' applies only to {Names(FeatureOptions.K)}");
            if (f.HalfLife is not null && (accepts & FeatureOptions.HalfLife) == 0) errors.Add($"{at}: 'halfLife' applies only to {Names(FeatureOptions.HalfLife)}");
            if (f.TopN is not null && (accepts & FeatureOptions.TopN) == 0) errors.Add($"{at}: 'topN' applies only to {Names(FeatureOptions.TopN)}");
            var declaration = new FeatureDeclaration(f, at, types, attributes, errors);
            aggregator.Declare(declaration);

            var lifetime = false;
            var tumbling = new List<WindowSpec>();
            var windowed = (accepts & FeatureOptions.Windows) != 0;
            if (f.Windows is null)
            {
                lifetime = true;
            }
            else if (!windowed)
            {
                errors.Add($"{at}: windows apply only to {Names(FeatureOptions.Windows)} ({f.Aggregation} is lifetime)");
            }
            else
            {
                if (f.Windows.Count == 0) errors.Add($"{at}: windows, when present, must list at least one window");
                foreach (var text in f.Windows)
                {
                    if (!WindowSpec.TryParse(text, out var spec, out var error)) { errors.Add($"{at}: bad window: {error}"); continue; }
                    if (spec.IsLifetime)
                    {
                        if (lifetime) errors.Add($"{at}: window 'lifetime' is listed twice");
                        lifetime = true;
                    }
                    else if (tumbling.Any(w => w.Unit == spec.Unit)) errors.Add($"{at}: bad window: two {spec.Unit!.Value.Name()} windows");
                    else tumbling.Add(spec);
                }
            }

            if (declaration.By is not null && tumbling.Count > 0)
            {
                errors.Add($"{at}: a breakdown by '{f.By}' is lifetime only in this version (its topN keys are not kept per tile): remove the tumbling windows or break down by type");
            }

            if (errors.Count > before) continue;
            result.Add(new CompiledFeature
            {
                Name = f.Name,
                Aggregator = aggregator,
                Source = f,
                Field = declaration.Field,
                Of = declaration.Of,
                By = declaration.By,
                ByType = declaration.ByType,
                Buckets = declaration.ByType ? types.Length : 1,
                Filter = filter,
                Lifetime = lifetime,
                Tumbling = tumbling.OrderBy(w => w.Unit).ToArray(),
                K = declaration.K,
                HalfLifeSeconds = declaration.HalfLifeSeconds,
                TopN = declaration.TopN,
            });
        }
        return result.ToArray();
    }

    /// <summary>
    /// An upper bound of the serialized size of one feature's state whatever the traffic: every counter at 20 digits,
    /// every tile non-empty, every key at the contract's 128 characters. What makes "no document exceeds 2 MB" checkable
    /// at start-up rather than discovered as a failed write.
    /// </summary>
    public static long WorstCaseBytes(CompiledFeature feature) => 64 + feature.Name.Length + feature.Aggregator.WorstCaseBytes(feature);

    /// <summary>
    /// The aggregations that take <paramref name="option"/>, for an error message: "count and sum", and any later ones
    /// after them ("count and sum and avg") — the first two as the messages have always named them.
    /// </summary>
    private static string Names(FeatureOptions option)
    {
        var names = Aggregations.Accepting(option).ToList();
        var head = string.Join(" and ", names.Take(2));
        return names.Count > 2 ? $"{head} and {string.Join(", ", names.Skip(2))}" : head;
    }

    internal static bool IsFeatureName(string? name) =>
        name is { Length: > 0 and <= 64 } && name.All(c => char.IsAsciiLetterOrDigit(c) || c == '_');

    /// <summary>A positive duration: a number followed by s, m, h or d.</summary>
    public static bool TryParseDuration(string? text, out double seconds)
    {
        seconds = 0;
        if (text is not { Length: >= 2 }) return false;
        var unit = text[^1] switch { 's' => 1.0, 'm' => 60.0, 'h' => 3600.0, 'd' => 86400.0, _ => 0 };
        if (unit == 0 || !double.TryParse(text.AsSpan(0, text.Length - 1), NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var n) || !(n > 0) || !double.IsFinite(n))
        {
            return false;
        }
        seconds = n * unit;
        return true;
    }

    private static string FirstLine(string message)
    {
        var end = message.IndexOf('\n');
        return end < 0 ? message : message[..end];
    }
}
