namespace TreasureHunt.Core.Features.Aggregators;

/// <summary>
/// What first and last share: a value and its event time (<c>v</c>, <c>t</c>), kept when it is earlier (first) or later
/// (last) than the one held. Equal times are broken by the value (first keeps the smaller, last the larger), so the
/// result never depends on arrival or merge order — the stored state has no event id to break them with.
/// </summary>
internal static class TimedValue
{
    /// <summary>Keeps (<paramref name="ticks"/>, <paramref name="value"/>) when it precedes the held one in the order of <paramref name="direction"/> (−1: earliest first, +1: latest first).</summary>
    public static void Keep(FeatureState state, long ticks, double value, int direction)
    {
        if (state.Ticks is not { } held
            || (direction < 0 ? ticks < held : ticks > held)
            || (ticks == held && (direction < 0 ? value < state.Value : value > state.Value)))
        {
            state.Ticks = ticks;
            state.Value = value;
        }
    }

    public static object? Answer(FeatureState state) =>
        state.Value is { } v && state.Ticks is { } t ? new FeatureTimedValue(v, new DateTime(t, DateTimeKind.Utc)) : null;

    public static IEnumerable<AnswerColumn> Columns(CompiledFeature feature) =>
    [
        new AnswerColumn(feature.Name, AnswerColumnType.Double, v => ((FeatureTimedValue)v).Value),
        new AnswerColumn(feature.Name + ".time", AnswerColumnType.Time, v => ((FeatureTimedValue)v).Time),
    ];
}
