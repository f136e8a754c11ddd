namespace TreasureHunt.Core.Features.Aggregators;

/// <summary>The type of a flat answer column.</summary>
public enum AnswerColumnType
{
    Long,
    Double,
    Time,
    Text,
}

/// <summary>One flat column of a feature's answer (the export's columns): its name, type and how its value is taken from the answer.</summary>
public sealed record AnswerColumn(string Name, AnswerColumnType Type, Func<object, object?> Take);
