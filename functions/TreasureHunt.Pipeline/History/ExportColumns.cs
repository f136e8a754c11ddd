using System.Text.Json;
using TreasureHunt.Core.Features;
using TreasureHunt.Pipeline.Queries;

namespace TreasureHunt.Pipeline.History;

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
/// values as the features route): a count or sum by type is one column per type (<c>feature.type</c>), otherwise one
/// column (<c>feature</c>); <c>first</c>/<c>last</c> add the value's time (<c>feature.time</c>); the list features
/// (<c>decayedSum</c>, <c>lastDistinct</c>) are one text column holding the route's JSON array.
/// </summary>
public static class ExportColumns
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public static IReadOnlyList<ExportColumn> For(IReadOnlyList<CompiledFeature> features, CompiledDefinitions definitions)
    {
        ArgumentNullException.ThrowIfNull(features);
        ArgumentNullException.ThrowIfNull(definitions);
        var columns = new List<ExportColumn>();
        for (var f = 0; f < features.Count; f++)
        {
            var feature = features[f];
            switch (feature.Kind)
            {
                case AggregationKind.Count or AggregationKind.Sum:
                    var type = feature.Kind == AggregationKind.Count ? ExportColumnType.Long : ExportColumnType.Double;
                    if (!feature.ByType)
                    {
                        columns.Add(new ExportColumn(feature.Name, type, f, v => v));
                        break;
                    }
                    for (var t = 0; t < definitions.TypeCount; t++)
                    {
                        if (!feature.Accepts(t)) continue;
                        var typeName = definitions.TypeNames[t];
                        columns.Add(new ExportColumn($"{feature.Name}.{typeName}", type, f, v => ((IReadOnlyDictionary<string, object>)v).GetValueOrDefault(typeName)));
                    }
                    break;
                case AggregationKind.Min or AggregationKind.Max:
                    columns.Add(new ExportColumn(feature.Name, ExportColumnType.Double, f, v => v));
                    break;
                case AggregationKind.First or AggregationKind.Last:
                    columns.Add(new ExportColumn(feature.Name, ExportColumnType.Double, f, v => ((FeatureTimedValue)v).Value));
                    columns.Add(new ExportColumn(feature.Name + ".time", ExportColumnType.Time, f, v => ((FeatureTimedValue)v).Time));
                    break;
                case AggregationKind.DecayedSum or AggregationKind.LastDistinct:
                    columns.Add(new ExportColumn(feature.Name, ExportColumnType.Text, f, v => JsonSerializer.Serialize(v, v.GetType(), Json)));
                    break;
                default:
                    columns.Add(new ExportColumn(feature.Name, ExportColumnType.Long, f, v => v));
                    break;
            }
        }
        return columns;
    }

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
