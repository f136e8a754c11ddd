using TreasureHunt.Core.Aggregation;
using TreasureHunt.Core.Features;

namespace TreasureHunt.Core.Tests;

/// <summary>
/// What a test applies a <see cref="UserDocument"/> with: feature definitions (the default ones, or the default ones
/// with the windows kept, the affinity weights and half-life or the recent items changed) and the delivery rules.
/// </summary>
internal sealed class DocumentRules
{
    private DocumentRules(CompiledDefinitions definitions, DeliveryRules delivery)
    {
        Definitions = definitions;
        Delivery = delivery;
        var events = Feature("events");
        Keep = Enum.GetValues<WindowSize>().Select(size => events.WindowOf(size)?.Keep ?? 0).ToArray();
    }

    public static DocumentRules Default { get; } = new(CompiledDefinitions.Default, DeliveryRules.Default);

    public CompiledDefinitions Definitions { get; }
    public DeliveryRules Delivery { get; }

    /// <summary>Tiles kept by the <c>events</c> feature, indexed by <see cref="WindowSize"/>.</summary>
    public int[] Keep { get; }

    public int KeepOf(WindowSize size) => Keep[(int)size];

    /// <summary>Affinity weight indexed by event type.</summary>
    public double[] Weights => Definitions.Weights;

    public double HalfLifeSeconds => Feature("affinity").HalfLifeSeconds;

    public int RecentItems => Feature("recentItems").K;

    public TimeSpan DuplicateHorizon => Delivery.Horizon;

    public int MaxRememberedEventIds => Delivery.MaxRememberedIds;

    /// <summary>
    /// The default definitions and delivery rules with the given settings changed. <paramref name="weights"/> replaces
    /// every type's weight (a type it does not name weighs 0).
    /// </summary>
    public static DocumentRules With(
        int? minuteWindows = null, int? hourWindows = null, int? dayWindows = null, int? recentItems = null,
        string? halfLife = null, IReadOnlyDictionary<string, double>? weights = null,
        double? duplicateHorizonMinutes = null, int? maxRememberedEventIds = null)
    {
        var delivery = new DeliveryRules(
            duplicateHorizonMinutes is { } minutes ? TimeSpan.FromMinutes(minutes) : DeliveryRules.Default.Horizon,
            maxRememberedEventIds ?? DeliveryRules.Default.MaxRememberedIds);
        if (minuteWindows is null && hourWindows is null && dayWindows is null && recentItems is null && halfLife is null && weights is null)
        {
            return new DocumentRules(CompiledDefinitions.Default, delivery);
        }
        return new DocumentRules(CompileDefinitions(minuteWindows, hourWindows, dayWindows, recentItems, halfLife, weights), delivery);
    }

    /// <summary>The default definitions with the given settings changed, compiled (and validated) by the product.</summary>
    public static CompiledDefinitions CompileDefinitions(
        int? minuteWindows = null, int? hourWindows = null, int? dayWindows = null, int? recentItems = null,
        string? halfLife = null, IReadOnlyDictionary<string, double>? weights = null, Action<FeatureDefinitions>? change = null)
    {
        var source = FeatureDefinitionsReader.ReadDefault();
        var events = source.User.Single(f => f.Name == "events");
        var keep = CompiledDefinitions.Default.User.Single(f => f.Name == "events");
        events.Windows =
        [
            WindowSpec.LifetimeName,
            $"minute:{minuteWindows ?? keep.WindowOf(WindowSize.Minute)!.Value.Keep}",
            $"hour:{hourWindows ?? keep.WindowOf(WindowSize.Hour)!.Value.Keep}",
            $"day:{dayWindows ?? keep.WindowOf(WindowSize.Day)!.Value.Keep}",
        ];
        if (recentItems is { } k) source.User.Single(f => f.Name == "recentItems").K = k;
        if (halfLife is not null) source.User.Single(f => f.Name == "affinity").HalfLife = halfLife;
        if (weights is not null)
        {
            foreach (var type in source.EventTypes) type.Weight = weights.GetValueOrDefault(type.Name);
        }
        change?.Invoke(source);
        return FeatureDefinitionsReader.Compile(source, "(test)");
    }

    private CompiledFeature Feature(string name) => Definitions.User.Single(f => f.Name == name);
}
