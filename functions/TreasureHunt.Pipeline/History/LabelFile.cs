using CsvHelper;
using Parquet;
using Parquet.Schema;
using TreasureHunt.Core.Events;
using TreasureHunt.Core.Features;
using TreasureHunt.Core.Groups;
using TreasureHunt.Pipeline.Queries;

namespace TreasureHunt.Pipeline.History;

/// <summary>A label file that cannot be used: the message names the file and, for a bad row, its line or row number.</summary>
public sealed class LabelFileException(string message) : Exception(message);

/// <summary>
/// Reads the label rows of a point-in-time export: a CSV file (a header row, then one row per label; RFC 4180, read with CsvHelper)
/// or a Parquet file, chosen by the extension. The entity column is <c>userId</c> (or <c>entityId</c>), the time
/// column <c>timestamp</c> (or <c>time</c>): an ISO-8601 time with <c>Z</c> or an offset, as the query API takes it
/// (<see cref="QueryTime"/>), or in Parquet a timestamp column. Other columns are ignored. Every row is checked; the
/// first bad one is reported with its position. A keyed export's label rows name a key of a group instead
/// (<see cref="ReadKeyedAsync"/>).
/// </summary>
public static class LabelFile
{
    /// <summary>Rows a label file may hold: the answers are kept in memory until the file is written (≈ 100 B a row a feature).</summary>
    public const int MaxRows = 10_000_000;

    public static readonly string[] EntityColumns = ["userId", "entityId"];
    public static readonly string[] TimeColumns = ["timestamp", "time"];

    /// <summary>True for the extensions the export reads and writes.</summary>
    public static bool IsSupported(string path) => FormatOf(path) is not null;

    /// <summary>"csv", "parquet", or null.</summary>
    public static string? FormatOf(string path) => Path.GetExtension(path).ToLowerInvariant() switch
    {
        ".csv" => "csv",
        ".parquet" => "parquet",
        _ => null,
    };

    public static async Task<IReadOnlyList<LabelRow>> ReadAsync(string path, DateTimeOffset now, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (!File.Exists(path)) throw new LabelFileException($"{path}: no such file");
        var rows = FormatOf(path) switch
        {
            "csv" => await ReadCsvAsync(path, now, cancellationToken),
            "parquet" => await ReadParquetAsync(path, now, cancellationToken),
            _ => throw new LabelFileException($"{path}: a label file must be .csv or .parquet"),
        };
        return rows.Count > 0 ? rows : throw new LabelFileException($"{path}: no label rows");
    }

    /// <summary>
    /// The label rows of a keyed export: one column per key field of <paramref name="group"/> (named as the field, such
    /// as <c>itemId,country</c>; in Parquet string columns) and the time column. Each value is checked as the group
    /// route checks a key (<see cref="GroupKeys.Parse"/>; an itemId as an id), and kept in its canonical form.
    /// </summary>
    public static async Task<IReadOnlyList<KeyedLabelRow>> ReadKeyedAsync(string path, CompiledGroup group, DateTimeOffset now, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(group);
        if (!File.Exists(path)) throw new LabelFileException($"{path}: no such file");
        var keyNames = group.KeyNames.ToArray();
        var rows = new List<KeyedLabelRow>();
        void Add(string?[] key, string? time, string where)
        {
            if (rows.Count >= MaxRows) throw new LabelFileException($"{where}: more than {MaxRows:N0} label rows");
            var values = new string[key.Length];
            for (var i = 0; i < key.Length; i++)
            {
                var field = group.Key[i];
                if (field.Field == EventField.ItemId && !ContractLimits.IsValidId(key[i]))
                {
                    throw new LabelFileException($"{where}: itemId '{Shorten(key[i])}' must be {ContractLimits.IdRule()}");
                }
                values[i] = GroupKeys.Parse(field, key[i] ?? "", out var error) ?? throw new LabelFileException($"{where}: {error}");
            }
            if (!QueryTime.TryParse(time ?? "", "timestamp", now, out var t, out var timeError)) throw new LabelFileException($"{where}: {timeError}");
            rows.Add(new KeyedLabelRow(rows.Count, values, t));
        }
        switch (FormatOf(path))
        {
            case "csv":
                try
                {
                    using var reader = CsvReader.Create(new StreamReader(path), new CsvReaderOptions
                    {
                        HasHeader = true, MalformedData = CsvMalformedDataHandling.Throw, FieldCountMismatch = CsvFieldCountHandling.Throw, TrackLineNumbers = true,
                    }, leaveOpen: false);
                    await reader.ReadHeaderAsync(cancellationToken);
                    var names = reader.Headers.ToList();
                    if (names.Count == 0) throw new LabelFileException($"{path}: empty file (a header row {string.Join(',', keyNames)},timestamp is required)");
                    var keyColumns = keyNames.Select(k => Column(names, [k], path)).ToArray();
                    var time = Column(names, TimeColumns, path);
                    while (await reader.ReadAsync(cancellationToken))
                    {
                        Add(keyColumns.Select(c => (string?)reader.GetString(c)).ToArray(), reader.GetString(time), $"{path} line {reader.LineNumber}");
                    }
                }
                catch (CsvFormatException e)
                {
                    throw new LabelFileException($"{path}: not a well-formed CSV file ({e.Message})");
                }
                break;
            case "parquet":
                await using (var stream = File.OpenRead(path))
                {
                    ParquetReader reader;
                    try
                    {
                        reader = await ParquetReader.CreateAsync(stream, cancellationToken: cancellationToken);
                    }
                    catch (Exception e) when (e is IOException or InvalidDataException or NotSupportedException or ArgumentException or InvalidOperationException)
                    {
                        throw new LabelFileException($"{path}: not a Parquet file ({e.Message})");
                    }
                    await using (reader)
                    {
                        var fields = reader.Schema.GetDataFields();
                        var names = fields.Select(f => f.Name).ToList();
                        var keyFields = keyNames.Select(k => fields[Column(names, [k], path)]).ToArray();
                        var time = fields[Column(names, TimeColumns, path)];
                        foreach (var field in keyFields.Where(f => !IsText(f)))
                        {
                            throw new LabelFileException($"{path}: column {field.Name} must be a string column (it is {field.ClrType.Name})");
                        }
                        for (var g = 0; g < reader.RowGroupCount; g++)
                        {
                            using var rowGroup = reader.OpenRowGroupReader(g);
                            var count = checked((int)rowGroup.RowCount);
                            var columns = new string?[keyFields.Length][];
                            for (var c = 0; c < keyFields.Length; c++)
                            {
                                columns[c] = new string?[count];
                                await rowGroup.ReadAsync(keyFields[c], columns[c].AsMemory(), cancellationToken: cancellationToken);
                            }
                            var times = await ReadTimesAsync(rowGroup, time, count, path, cancellationToken);
                            for (var i = 0; i < count; i++)
                            {
                                Add(columns.Select(c => c[i]).ToArray(), times[i], $"{path} row {rows.Count + 1}");
                            }
                        }
                    }
                }
                break;
            default:
                throw new LabelFileException($"{path}: a label file must be .csv or .parquet");
        }
        return rows.Count > 0 ? rows : throw new LabelFileException($"{path}: no label rows");
    }

    private static async Task<List<LabelRow>> ReadCsvAsync(string path, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var options = new CsvReaderOptions
        {
            HasHeader = true,
            MalformedData = CsvMalformedDataHandling.Throw,
            FieldCountMismatch = CsvFieldCountHandling.Throw,
            TrackLineNumbers = true,
        };
        var rows = new List<LabelRow>();
        try
        {
            using var reader = CsvReader.Create(new StreamReader(path), options, leaveOpen: false);
            await reader.ReadHeaderAsync(cancellationToken);
            var names = reader.Headers.ToList();
            if (names.Count == 0) throw new LabelFileException($"{path}: empty file (a header row userId,timestamp is required)");
            var entity = Column(names, EntityColumns, path);
            var time = Column(names, TimeColumns, path);
            while (await reader.ReadAsync(cancellationToken))
            {
                rows.Add(Row(rows.Count, reader.GetString(entity), reader.GetString(time), now, $"{path} line {reader.LineNumber}"));
            }
        }
        catch (CsvFormatException e)
        {
            throw new LabelFileException($"{path}: not a well-formed CSV file ({e.Message})");
        }
        return rows;
    }

    private static async Task<List<LabelRow>> ReadParquetAsync(string path, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var stream = File.OpenRead(path);
        ParquetReader reader;
        try
        {
            reader = await ParquetReader.CreateAsync(stream, cancellationToken: cancellationToken);
        }
        catch (Exception e) when (e is IOException or InvalidDataException or NotSupportedException or ArgumentException or InvalidOperationException)
        {
            throw new LabelFileException($"{path}: not a Parquet file ({e.Message})");
        }
        await using (reader)
        {
            var fields = reader.Schema.GetDataFields();
            var names = fields.Select(f => f.Name).ToList();
            var entity = fields[Column(names, EntityColumns, path)];
            var time = fields[Column(names, TimeColumns, path)];
            if (!IsText(entity))
            {
                throw new LabelFileException($"{path}: column {entity.Name} must be a string column (it is {entity.ClrType.Name})");
            }
            var rows = new List<LabelRow>();
            for (var g = 0; g < reader.RowGroupCount; g++)
            {
                using var group = reader.OpenRowGroupReader(g);
                var count = checked((int)group.RowCount);
                if (rows.Count + count > MaxRows) throw new LabelFileException($"{path}: more than {MaxRows:N0} label rows");
                var ids = new string?[count];
                await group.ReadAsync(entity, ids.AsMemory(), cancellationToken: cancellationToken);
                var times = await ReadTimesAsync(group, time, count, path, cancellationToken);
                for (var i = 0; i < count; i++)
                {
                    var where = $"{path} row {rows.Count + 1}";
                    if (times[i] is { } t)
                    {
                        rows.Add(Row(rows.Count, ids[i], t, now, where));
                    }
                    else
                    {
                        throw new LabelFileException($"{where}: {time.Name} is empty");
                    }
                }
            }
            return rows;
        }
    }

    /// <summary>The time column as text (ISO-8601, checked like a CSV cell) or as a Parquet timestamp (taken as UTC).</summary>
    private static async Task<string?[]> ReadTimesAsync(ParquetRowGroupReader group, DataField field, int count, string path, CancellationToken cancellationToken)
    {
        if (IsText(field))
        {
            var texts = new string?[count];
            await group.ReadAsync(field, texts.AsMemory(), cancellationToken: cancellationToken);
            return texts;
        }
        if (field.ClrType == typeof(DateTime))
        {
            var times = new DateTime?[count];
            if (field.IsNullable)
            {
                await group.ReadAsync(field, times.AsMemory(), cancellationToken: cancellationToken);
            }
            else
            {
                var plain = new DateTime[count];
                await group.ReadAsync(field, plain.AsMemory(), cancellationToken: cancellationToken);
                for (var i = 0; i < count; i++) times[i] = plain[i];
            }
            return times.Select(t => t is { } v ? DateTime.SpecifyKind(v, DateTimeKind.Utc).ToString("O", System.Globalization.CultureInfo.InvariantCulture) : null).ToArray();
        }
        throw new LabelFileException($"{path}: column {field.Name} must be a timestamp or a string column (it is {field.ClrType.Name})");
    }

    /// <summary>A UTF-8 string column (Parquet.Net reports one read from a file as <c>ReadOnlyMemory&lt;char&gt;</c>).</summary>
    private static bool IsText(DataField field) => field.ClrType == typeof(string) || field.ClrType == typeof(ReadOnlyMemory<char>);

    private static LabelRow Row(int index, string? userId, string? time, DateTimeOffset now, string where)
    {
        if (!ContractLimits.IsValidId(userId))
        {
            throw new LabelFileException($"{where}: userId '{Shorten(userId)}' must be {ContractLimits.IdRule()}");
        }
        if (!QueryTime.TryParse(time ?? "", "timestamp", now, out var t, out var error))
        {
            throw new LabelFileException($"{where}: {error}");
        }
        if (index >= MaxRows) throw new LabelFileException($"{where}: more than {MaxRows:N0} label rows");
        return new LabelRow(index, userId!, t);
    }

    private static int Column(IReadOnlyList<string> names, string[] accepted, string path)
    {
        for (var i = 0; i < names.Count; i++)
        {
            if (accepted.Contains(names[i].Trim(), StringComparer.OrdinalIgnoreCase)) return i;
        }
        throw new LabelFileException($"{path}: no {string.Join(" or ", accepted)} column (columns: {string.Join(", ", names)})");
    }

    private static string Shorten(string? text) => text is null ? "" : text.Length <= 40 ? text : text[..40] + "…";
}
