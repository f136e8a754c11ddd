using System.Text.Json;

namespace TreasureHunt.Core.Features.Aggregators;

/// <summary>The text column of a list answer: the features route's JSON array.</summary>
internal static class AnswerText
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public static AnswerColumn Column(CompiledFeature feature) =>
        new(feature.Name, AnswerColumnType.Text, v => JsonSerializer.Serialize(v, v.GetType(), Json));
}
