namespace TreasureHunt.Pipeline.Export;

/// <summary>What both exports need of a label row: its position in the label file and the time its features are wanted at.</summary>
public interface ILabelRow
{
    int Index { get; }

    DateTimeOffset Time { get; }
}

/// <summary>The label rows of an export in replay order, checked once: each index 0..n−1 exactly once.</summary>
internal static class LabelRows
{
    /// <summary>
    /// The rows sorted by time (then index), an empty answer slot per row, and how many rows each subject (user or
    /// key document) has; <paramref name="check"/> validates a row beyond its index.
    /// </summary>
    public static (TRow[] Rows, object?[][] Values, Dictionary<string, int> RowsPerSubject) Plan<TRow>(
        IReadOnlyList<TRow> labels, Func<TRow, string> subjectOf, Action<TRow>? check = null)
        where TRow : ILabelRow
    {
        var rows = labels.OrderBy(r => r.Time.UtcTicks).ThenBy(r => r.Index).ToArray();
        var values = new object?[labels.Count][];
        var rowsPerSubject = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var row in rows)
        {
            if (row.Index < 0 || row.Index >= values.Length || values[row.Index] is not null)
            {
                throw new ArgumentException($"label row indexes must be 0..{values.Length - 1}, each once", nameof(labels));
            }
            check?.Invoke(row);
            values[row.Index] = [];
            var subject = subjectOf(row);
            rowsPerSubject[subject] = rowsPerSubject.GetValueOrDefault(subject) + 1;
        }
        return (rows, values, rowsPerSubject);
    }
}
