using CsvHelper;
using Parquet;
using Parquet.Schema;
using TreasureHunt.Core.Events;
using TreasureHunt.Core.Features;
using TreasureHunt.Core.Groups;
using TreasureHunt.Pipeline.Queries;

namespace TreasureHunt.Pipeline.Export;

/// <summary>A label file that cannot be used: the message names the file and, for a bad row, its line or row number.</summary>
public sealed class LabelFileException(string message) : Exception(message);

/// <summary>
/// Reads the label rows of a point-in-time export from a CSV file (RFC 4180, CsvHelper) or a Parquet file, chosen by
/// the extension: key columns (<c>userId</c> or <c>entityId</c>; for a keyed export the group's key fields) and a time
/// column (<c>timestamp</c> or <c>time</c>, as the query API takes it, or a Parquet timestamp). Other columns are
/// ignored; the first bad row is reported with its position.
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

    /// <summary>The label rows of a user export: a user id and a time each.</summary>
    public static async Task<IReadOnlyList<LabelRow>> ReadAsync(string path, DateTimeOffset now, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(path);
        var rows = new List<LabelRow>();
        await ReadTableAsync(path, [EntityColumns], (key, time, where) => rows.Add(Row(rows.Count, key[0], time, now, where)), cancellationToken);
        return rows;
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
        var rows = new List<KeyedLabelRow>();
        void Add(string?[] key, string? time, string where)
        {
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
        await ReadTableAsync(path, group.KeyNames.Select(k => new[] { k }).ToArray(), Add, cancellationToken);
        return rows;
    }

    /// <summary>
    /// Reads every row's key columns (each found by any of its accepted names) and time column, and hands them to
    /// <paramref name="add"/> with the row's position; refuses a missing file, a bad format, a row beyond
    /// <see cref="MaxRows"/> and a file without rows.
    /// </summary>
    private static async Task ReadTableAsync(
        string path, string[][] keyColumns, Action<string?[], string?, string> add, CancellationToken cancellationToken)
    {
        if (!File.Exists(path)) throw new LabelFileException($"{path}: no such file");
        var count = 0;
        void Next(string?[] key, string? time, string where)
        {
            if (count >= MaxRows) throw new LabelFileException($"{where}: more than {MaxRows:N0} label rows");
            add(key, time, where);
            count++;
        }
        switch (FormatOf(path))
        {
            case "csv":
                await ReadCsvAsync(path, keyColumns, Next, cancellationToken);
                break;
            case "parquet":
                await ReadParquetAsync(path, keyColumns, Next, cancellationToken);
                break;
            default:
                throw new LabelFileException($"{path}: a label file must be .csv or .parquet");
        }
        if (count == 0) throw new LabelFileException($"{path}: no label rows");
    }

    private static async Task ReadCsvAsync(string path, string[][] keyColumns, Action<string?[], string?, string> add, CancellationToken cancellationToken)
    {
        var options = new CsvReaderOptions
        {
            HasHeader = true,
            MalformedData = CsvMalformedDataHandling.Throw,
            FieldCountMismatch = CsvFieldCountHandling.Throw,
            TrackLineNumbers = true,
        };
        try
        {
            using var reader = CsvReader.Create(new StreamReader(path), options, leaveOpen: false);
            await reader.ReadHeaderAsync(cancellationToken);
            var names = reader.Headers.ToList();
            if (names.Count == 0)
            {
                var header = string.Join(',', keyColumns.Select(k => k[0]));
                throw new LabelFileException($"{path}: empty file (a header row {header},timestamp is required)");
            }
            var keys = keyColumns.Select(k => Column(names, k, path)).ToArray();
            var time = Column(names, TimeColumns, path);
            while (await reader.ReadAsync(cancellationToken))
            {
                add(keys.Select(c => (string?)reader.GetString(c)).ToArray(), reader.GetString(time), $"{path} line {reader.LineNumber}");
            }
        }
        catch (CsvFormatException e)
        {
            throw new LabelFileException($"{path}: not a well-formed CSV file ({e.Message})");
        }
    }

    private static async Task ReadParquetAsync(string path, string[][] keyColumns, Action<string?[], string?, string> add, CancellationToken cancellationToken)
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
            var keys = keyColumns.Select(k => fields[Column(names, k, path)]).ToArray();
            var time = fields[Column(names, TimeColumns, path)];
            foreach (var field in keys.Where(f => !IsText(f)))
            {
                throw new LabelFileException($"{path}: column {field.Name} must be a string column (it is {field.ClrType.Name})");
            }
            var row = 0;
            for (var g = 0; g < reader.RowGroupCount; g++)
            {
                using var rowGroup = reader.OpenRowGroupReader(g);
                var count = checked((int)rowGroup.RowCount);
                var columns = new string?[keys.Length][];
                for (var c = 0; c < keys.Length; c++)
                {
                    columns[c] = new string?[count];
                    await rowGroup.ReadAsync(keys[c], columns[c].AsMemory(), cancellationToken: cancellationToken);
                }
                var times = await ReadTimesAsync(rowGroup, time, count, path, cancellationToken);
                for (var i = 0; i < count; i++)
                {
                    var where = $"{path} row {++row}";
                    if (times[i] is null) throw new LabelFileException($"{where}: {time.Name} is empty");
                    add(columns.Select(c => c[i]).ToArray(), times[i], where);
                }
            }
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
