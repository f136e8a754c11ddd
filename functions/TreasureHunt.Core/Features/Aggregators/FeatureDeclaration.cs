namespace TreasureHunt.Core.Features.Aggregators;

/// <summary>
/// One feature definition being checked and compiled: what <see cref="IAggregator.Declare"/> reads (the definition,
/// the declared types), where it reports errors (each prefixed with the entry, e.g. <c>user[2] 'affinity'</c>) and the
/// compiled settings it sets.
/// </summary>
public sealed class FeatureDeclaration
{
    private readonly List<string> _errors;

    internal FeatureDeclaration(FeatureDefinition definition, string at, IReadOnlyList<string> types, List<string> errors)
    {
        Definition = definition;
        At = at;
        Types = types;
        _errors = errors;
    }

    public FeatureDefinition Definition { get; }

    /// <summary>The entry, as errors name it: <c>group[index] 'name'</c>.</summary>
    public string At { get; }

    /// <summary>The declared event type names, in order.</summary>
    public IReadOnlyList<string> Types { get; }

    /// <summary>The aggregated field (value, itemId, category), or the decayed sum's key.</summary>
    public EventField Field { get; set; }

    /// <summary>One counter per declared event type (<c>by: type</c>).</summary>
    public bool ByType { get; set; }

    public int K { get; set; }
    public double HalfLifeSeconds { get; set; }
    public int TopN { get; set; }

    public void Error(string message) => _errors.Add($"{At}: {message}");

    /// <summary><c>by</c>: absent (one counter) or <c>type</c> (one per declared type).</summary>
    public bool ParseByType()
    {
        var f = Definition;
        if (f.By is null) return false;
        if (f.By == "type") return true;
        Error($"'by' must be 'type' for {f.Aggregation}, got '{f.By}'");
        return false;
    }

    /// <summary><c>of</c>: one of <paramref name="allowed"/>, or <paramref name="fallback"/> when absent (required when null).</summary>
    public EventField ParseOf(EventField[] allowed, EventField? fallback)
    {
        var f = Definition;
        if (f.Of is null)
        {
            if (fallback is { } d) return d;
            Error($"{f.Aggregation} needs 'of': {string.Join(" or ", allowed.Select(Name))}");
            return EventField.None;
        }
        foreach (var a in allowed) if (Name(a) == f.Of) return a;
        Error($"'of' must be {string.Join(" or ", allowed.Select(Name))} for {f.Aggregation}, got '{f.Of}'");
        return EventField.None;
    }

    public static string Name(EventField field) => field switch
    {
        EventField.Value => "value", EventField.ItemId => "itemId", EventField.Category => "category", EventField.Type => "type", _ => "",
    };
}
