using TreasureHunt.Core.Features;
using TreasureHunt.Core.Features.Aggregators;
using TreasureHunt.Pipeline.Queries;

namespace TreasureHunt.Pipeline.Export;

/// <summary>The type of an export column.</summary>
public enum ExportColumnType
{
    Long,
    Double,
    Time,
    Text,
}

/// <summary>One column of the export: its name, type, which feature it comes from and how its value is taken from the feature's answer.</summary>
public sealed record ExportColumn(string Name, ExportColumnType Type, int Feature, Func<object, object?> Take);

/// <summary>
/// The flat columns of the requested features, from the answers <see cref="FeatureAnswers.UserValue"/> gives (the same
/// values as the features route), as each aggregation lays them out (<see cref="IAggregator.Columns"/>): a count or
/// sum by type is one column per type (<c>feature.type</c>), otherwise one column (<c>feature</c>); <c>first</c>/<c>last</c>
/// add the value's time (<c>feature.time</c>); the list features (<c>decayedSum</c>, <c>lastDistinct</c>) are one text
/// column holding the route's JSON array.
/// </summary>
public static class ExportColumns
{
    public static IReadOnlyList<ExportColumn> For(IReadOnlyList<CompiledFeature> features, CompiledDefinitions definitions)
    {
        ArgumentNullException.ThrowIfNull(features);
        ArgumentNullException.ThrowIfNull(definitions);
        var columns = new List<ExportColumn>();
        for (var f = 0; f < features.Count; f++)
        {
            foreach (var column in features[f].Aggregator.Columns(features[f], definitions.TypeNames))
            {
                columns.Add(new ExportColumn(column.Name, TypeOf(column.Type), f, column.Take));
            }
        }
        return columns;
    }

    private static ExportColumnType TypeOf(AnswerColumnType type) => type switch
    {
        AnswerColumnType.Long => ExportColumnType.Long,
        AnswerColumnType.Double => ExportColumnType.Double,
        AnswerColumnType.Time => ExportColumnType.Time,
        _ => ExportColumnType.Text,
    };

    /// <summary>The value of <paramref name="column"/> for one row's answers (null when the feature has no value at that time).</summary>
    public static object? ValueOf(ExportColumn column, object?[] answers)
    {
        ArgumentNullException.ThrowIfNull(column);
        ArgumentNullException.ThrowIfNull(answers);
        var value = answers[column.Feature] is { } answer ? column.Take(answer) : null;
        // The route's counts are whole numbers carried as doubles: a count column holds them as integers.
        return column.Type == ExportColumnType.Long && value is double d ? (long)d : value;
    }
}
