using System.Globalization;
using CsvHelper;
using Parquet;
using Parquet.Schema;

namespace TreasureHunt.Pipeline.Export;

/// <summary>
/// Writes the export: one row per label row, in the label file's order — the entity columns (<c>userId</c>; for a keyed
/// group its key fields), <c>timestamp</c> (UTC), then the feature columns (<see cref="ExportColumns"/>). CSV (CsvHelper; numbers in the invariant culture, times ISO-8601 with
/// Z, an empty cell for no value; text cells — ids, names, list columns — neutralized against formula injection by
/// <see cref="CsvCellText"/>) or Parquet (Parquet.Net; typed, nullable columns: int64, double, timestamp, string),
/// chosen by the extension. Parquet is written in row groups of <see cref="RowGroupRows"/> rows.
/// </summary>
public static class ExportFile
{
    public const int RowGroupRows = 100_000;

    /// <summary>The user features export: the entity column is <c>userId</c>.</summary>
    public static Task WriteAsync(string path, IReadOnlyList<LabelRow> labels, object?[][] answers, IReadOnlyList<ExportColumn> columns, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(labels);
        return WriteAsync(path, ["userId"], labels.Select(l => new ExportRow(l.Index, [l.UserId], l.Time)).ToList(), answers, columns, cancellationToken);
    }

    /// <summary>A row of the export: its label row's index, entity values (one per entity column) and time.</summary>
    public readonly record struct ExportRow(int Index, string[] Entity, DateTimeOffset Time);

    public static async Task WriteAsync(string path, IReadOnlyList<string> entityColumns, IReadOnlyList<ExportRow> labels, object?[][] answers, IReadOnlyList<ExportColumn> columns, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(entityColumns);
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentNullException.ThrowIfNull(answers);
        ArgumentNullException.ThrowIfNull(columns);
        switch (LabelFile.FormatOf(path))
        {
            case "csv":
                await WriteCsvAsync(path, entityColumns, labels, answers, columns, cancellationToken);
                break;
            case "parquet":
                await WriteParquetAsync(path, entityColumns, labels, answers, columns, cancellationToken);
                break;
            default:
                throw new ArgumentException($"{path}: the export file must be .csv or .parquet", nameof(path));
        }
    }

    private static async Task WriteCsvAsync(string path, IReadOnlyList<string> entityColumns, IReadOnlyList<ExportRow> labels, object?[][] answers, IReadOnlyList<ExportColumn> columns, CancellationToken cancellationToken)
    {
        await using var writer = CsvWriter.Create(new StreamWriter(path), new CsvWriterOptions { FormatProvider = CultureInfo.InvariantCulture }, leaveOpen: false);
        foreach (var name in entityColumns) writer.WriteField(CsvCellText.Neutralize(name));
        writer.WriteField("timestamp");
        foreach (var column in columns) writer.WriteField(CsvCellText.Neutralize(column.Name));
        writer.EndRecord();
        foreach (var label in labels)
        {
            foreach (var value in label.Entity) writer.WriteField(CsvCellText.Neutralize(value));
            writer.WriteField(Time(label.Time.UtcDateTime));
            foreach (var column in columns)
            {
                writer.WriteField(ExportColumns.ValueOf(column, answers[label.Index]) switch
                {
                    null => "",
                    long l => l.ToString(CultureInfo.InvariantCulture),
                    double d => d.ToString("R", CultureInfo.InvariantCulture),
                    DateTime t => Time(t),
                    var other => CsvCellText.Neutralize(Convert.ToString(other, CultureInfo.InvariantCulture) ?? ""),
                });
            }
            await writer.EndRecordAsync(cancellationToken);
        }
        await writer.FlushAsync(cancellationToken);
    }

    private static async Task WriteParquetAsync(string path, IReadOnlyList<string> entityColumns, IReadOnlyList<ExportRow> labels, object?[][] answers, IReadOnlyList<ExportColumn> columns, CancellationToken cancellationToken)
    {
        var entityFields = entityColumns.Select(n => new DataField<string>(n)).ToArray();
        var timeField = new DataField<DateTime>("timestamp");
        var fields = columns.Select(c => (DataField)(c.Type switch
        {
            ExportColumnType.Long => new DataField<long?>(c.Name),
            ExportColumnType.Double => new DataField<double?>(c.Name),
            ExportColumnType.Time => new DataField<DateTime?>(c.Name),
            _ => new DataField<string>(c.Name, true),
        })).ToArray();
        var schema = new ParquetSchema([.. entityFields, timeField, .. fields]);
        await using var stream = File.Create(path);
        await using var writer = await ParquetWriter.CreateAsync(schema, stream, cancellationToken: cancellationToken);
        for (var start = 0; start < labels.Count; start += RowGroupRows)
        {
            var rows = Enumerable.Range(start, Math.Min(RowGroupRows, labels.Count - start)).Select(i => labels[i]).ToArray();
            using var group = writer.CreateRowGroup();
            for (var e = 0; e < entityFields.Length; e++) await group.WriteAsync(entityFields[e], rows.Select(r => r.Entity[e]).ToArray());
            await group.WriteAsync<DateTime>(timeField, rows.Select(r => r.Time.UtcDateTime).ToArray(), cancellationToken: cancellationToken);
            for (var c = 0; c < columns.Count; c++)
            {
                var column = columns[c];
                var values = rows.Select(r => ExportColumns.ValueOf(column, answers[r.Index])).ToArray();
                switch (column.Type)
                {
                    case ExportColumnType.Long:
                        await group.WriteAsync<long>(fields[c], values.Select(v => v is null ? (long?)null : Convert.ToInt64(v, CultureInfo.InvariantCulture)).ToArray(), cancellationToken: cancellationToken);
                        break;
                    case ExportColumnType.Double:
                        await group.WriteAsync<double>(fields[c], values.Select(v => v is null ? (double?)null : Convert.ToDouble(v, CultureInfo.InvariantCulture)).ToArray(), cancellationToken: cancellationToken);
                        break;
                    case ExportColumnType.Time:
                        await group.WriteAsync<DateTime>(fields[c], values.Select(v => (DateTime?)v).ToArray(), cancellationToken: cancellationToken);
                        break;
                    default:
                        await group.WriteAsync(fields[c], values.Select(v => (string?)v).ToArray()!);
                        break;
                }
            }
            group.CompleteValidate();
        }
    }

    private static string Time(DateTime utc) => DateTime.SpecifyKind(utc, DateTimeKind.Utc).ToString("yyyy-MM-dd'T'HH:mm:ss.FFFFFFF'Z'", CultureInfo.InvariantCulture);
}
