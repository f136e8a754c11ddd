using System.Globalization;
using System.Text;
using CsvHelper;
using Parquet;
using Parquet.Schema;
using TreasureHunt.Core.Erasure;
using TreasureHunt.Core.Events;
using TreasureHunt.Core.Features;
using TreasureHunt.Pipeline.Export;
using TreasureHunt.Pipeline.Queries;

namespace TreasureHunt.Core.Tests.History;

/// <summary>Label files in, export files out: both formats round-trip (read back with CsvHelper / Parquet.Net); bad label files are refused with their position.</summary>
public sealed class ExportFileTests : IDisposable
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 27, 0, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset Now = new(2026, 12, 3, 0, 0, 0, TimeSpan.Zero);
    private readonly string _dir = Directory.CreateTempSubdirectory("th-export-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Write(string name, string text)
    {
        var path = Path.Combine(_dir, name);
        File.WriteAllText(path, text);
        return path;
    }

    private static byte[] Body(string id, string user, string type, double value, DateTimeOffset time) => Encoding.UTF8.GetBytes(
        $"{{\"eventId\":\"{id}\",\"userId\":\"{user}\",\"itemId\":\"i-{id}\",\"category\":\"c1\",\"type\":\"{type}\",\"value\":{value.ToString(CultureInfo.InvariantCulture)},\"timestamp\":\"{time.UtcDateTime:yyyy-MM-dd'T'HH:mm:ss'Z'}\"}}");

    /// <summary>Every default user feature for three rows (one of a user without events), exported.</summary>
    private async Task<(IReadOnlyList<LabelRow> Labels, object?[][] Values, IReadOnlyList<ExportColumn> Columns)> ExportAsync()
    {
        var labelsPath = Write("labels.csv", "timestamp,userId,label\n2026-11-27T00:10:00Z,u1,1\n\"2026-11-27T01:00:00+01:00\",u1,0\n2026-11-27T00:30:00Z,nobody,1\n");
        var labels = await LabelFile.ReadAsync(labelsPath, Now, CancellationToken.None);
        var messages = new List<RawMessage>
        {
            new(Body("a", "u1", "view", 1, T0.AddMinutes(1)), 0, T0.AddMinutes(1)),
            new(Body("b", "u1", "purchase", 12.5, T0.AddMinutes(2)), 1, T0.AddMinutes(2)),
            new(Body("c", "u1", "purchase", 3.25, T0.AddMinutes(20)), 2, T0.AddMinutes(20)),
        };
        var source = new ListHistorySource(new Dictionary<string, List<RawMessage>> { ["0"] = messages });
        var definitions = CompiledDefinitions.Default;
        var features = definitions.User.Where(f => f.Kind is not (AggregationKind.Count or AggregationKind.Sum) || f.Lifetime).ToList();
        var result = await new PointInTimeExport(definitions, Core.Aggregation.DeliveryRules.Default).RunAsync(source, labels, features, QueryWindow.Lifetime, null, CancellationToken.None);
        return (labels, result.Values, ExportColumns.For(features, definitions));
    }

    [Fact]
    public async Task Csv_round_trips()
    {
        var (labels, values, columns) = await ExportAsync();
        var path = Path.Combine(_dir, "out.csv");
        await ExportFile.WriteAsync(path, labels, values, columns, CancellationToken.None);

        using var reader = CsvReader.Create(new StreamReader(path), new CsvReaderOptions { HasHeader = true }, leaveOpen: false);
        await reader.ReadHeaderAsync(CancellationToken.None);
        Assert.Equal(["userId", "timestamp", .. columns.Select(c => c.Name)], reader.Headers.ToArray());
        var row = 0;
        while (await reader.ReadAsync(CancellationToken.None))
        {
            Assert.Equal(labels[row].UserId, reader.GetString(0));
            Assert.Equal(labels[row].Time, DateTimeOffset.Parse(reader.GetString(1), CultureInfo.InvariantCulture));
            for (var c = 0; c < columns.Count; c++)
            {
                var expected = ExportColumns.ValueOf(columns[c], values[labels[row].Index]);
                var text = reader.GetString(c + 2);
                switch (expected)
                {
                    case null: Assert.Equal("", text); break;
                    case long l: Assert.Equal(l, long.Parse(text, CultureInfo.InvariantCulture)); break;
                    case double d: Assert.Equal(d, double.Parse(text, CultureInfo.InvariantCulture)); break;
                    case DateTime t: Assert.Equal(t, DateTime.Parse(text, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal)); break;
                    default: Assert.Equal(expected, text); break;
                }
            }
            row++;
        }
        Assert.Equal(labels.Count, row);
        // Spot checks: u1 at 00:10 has a view and a purchase of 12.5; at 01:00+01:00 (= 00:00Z) nothing yet; "nobody" has nothing.
        var text2 = await File.ReadAllLinesAsync(path);
        Assert.Contains("u1,2026-11-27T00:10:00Z,1,0,0,0,1", text2[1]);
        Assert.StartsWith("u1,2026-11-27T00:00:00Z,,", text2[2]);
    }

    [Fact]
    public async Task Csv_text_cells_that_a_spreadsheet_would_evaluate_are_neutralized_and_numbers_stay_numbers()
    {
        // OWASP CSV injection: a text cell starting with = + - @ tab or CR gets a leading single quote; numeric cells do not.
        string[] texts = ["=HYPERLINK(\"http://x\")", "+1+2", "-2+3", "@SUM(A1)", "\tx", "\rx", "safe", ""];
        var labels = texts.Select((_, i) => new LabelRow(i, i == 0 ? "-u1" : i == 1 ? "@u2" : $"u{i}", T0)).ToList();
        var columns = new List<ExportColumn>
        {
            new("signed", ExportColumnType.Double, 0, v => v),
            new("count", ExportColumnType.Long, 1, v => v),
            new("note", ExportColumnType.Text, 2, v => v),
            new("-name", ExportColumnType.Text, 2, v => v),
        };
        var values = texts.Select(t => new object?[] { -1.5, -3L, t }).ToArray();
        var path = Path.Combine(_dir, "injection.csv");
        await ExportFile.WriteAsync(path, labels, values, columns, CancellationToken.None);

        using var reader = CsvReader.Create(new StreamReader(path), new CsvReaderOptions { HasHeader = true }, leaveOpen: false);
        await reader.ReadHeaderAsync(CancellationToken.None);
        Assert.Equal(["userId", "timestamp", "signed", "count", "note", "'-name"], reader.Headers.ToArray());
        string[] expected = ["'=HYPERLINK(\"http://x\")", "'+1+2", "'-2+3", "'@SUM(A1)", "'\tx", "'\rx", "safe", ""];
        var row = 0;
        while (await reader.ReadAsync(CancellationToken.None))
        {
            Assert.Equal(row switch { 0 => "'-u1", 1 => "'@u2", _ => $"u{row}" }, reader.GetString(0));
            Assert.Equal("-1.5", reader.GetString(2));
            Assert.Equal("-3", reader.GetString(3));
            Assert.Equal(expected[row], reader.GetString(4));
            row++;
        }
        Assert.Equal(texts.Length, row);
    }

    [Fact]
    public async Task Parquet_round_trips()
    {
        var (labels, values, columns) = await ExportAsync();
        var path = Path.Combine(_dir, "out.parquet");
        await ExportFile.WriteAsync(path, labels, values, columns, CancellationToken.None);

        await using var stream = File.OpenRead(path);
        await using var reader = await ParquetReader.CreateAsync(stream);
        var fields = reader.Schema.GetDataFields();
        Assert.Equal(["userId", "timestamp", .. columns.Select(c => c.Name)], fields.Select(f => f.Name).ToArray());
        using var group = reader.OpenRowGroupReader(0);
        Assert.Equal(labels.Count, group.RowCount);
        var ids = new string?[labels.Count];
        await group.ReadAsync(fields[0], ids.AsMemory());
        var times = new DateTime[labels.Count];
        await group.ReadAsync<DateTime>(fields[1], times.AsMemory());
        for (var r = 0; r < labels.Count; r++)
        {
            Assert.Equal(labels[r].UserId, ids[r]);
            Assert.Equal(labels[r].Time.UtcDateTime, DateTime.SpecifyKind(times[r], DateTimeKind.Utc));
        }
        for (var c = 0; c < columns.Count; c++)
        {
            var expected = labels.Select(l => ExportColumns.ValueOf(columns[c], values[l.Index])).ToArray();
            object?[] actual;
            switch (columns[c].Type)
            {
                case ExportColumnType.Long:
                    var longs = new long?[labels.Count];
                    await group.ReadAsync<long>(fields[c + 2], longs.AsMemory());
                    actual = longs.Select(v => (object?)v).ToArray();
                    break;
                case ExportColumnType.Double:
                    var doubles = new double?[labels.Count];
                    await group.ReadAsync<double>(fields[c + 2], doubles.AsMemory());
                    actual = doubles.Select(v => (object?)v).ToArray();
                    break;
                case ExportColumnType.Time:
                    var stamps = new DateTime?[labels.Count];
                    await group.ReadAsync<DateTime>(fields[c + 2], stamps.AsMemory());
                    actual = stamps.Select(v => v is { } t ? (object?)DateTime.SpecifyKind(t, DateTimeKind.Utc) : null).ToArray();
                    break;
                default:
                    var strings = new string?[labels.Count];
                    await group.ReadAsync(fields[c + 2], strings.AsMemory());
                    actual = strings;
                    break;
            }
            Assert.Equal(expected, actual);
        }
        Assert.Equal(12.5, Array.Find(columns.ToArray(), c => c.Name == "maxPurchase") is { } max ? ExportColumns.ValueOf(max, values[0]) : null);
    }

    [Fact]
    public async Task Parquet_label_files_are_read()
    {
        var path = Path.Combine(_dir, "labels.parquet");
        var user = new DataField<string>("userId");
        var time = new DataField<DateTime>("timestamp");
        await using (var stream = File.Create(path))
        await using (var writer = await ParquetWriter.CreateAsync(new ParquetSchema(user, time), stream))
        {
            using var group = writer.CreateRowGroup();
            await group.WriteAsync(user, new[] { "u1", "u2" });
            await group.WriteAsync<DateTime>(time, new[] { T0.UtcDateTime, T0.AddHours(1).UtcDateTime });
        }
        var labels = await LabelFile.ReadAsync(path, Now, CancellationToken.None);
        Assert.Equal([new LabelRow(0, "u1", T0), new LabelRow(1, "u2", T0.AddHours(1))], labels);
    }

    [Theory]
    [InlineData("no userId or entityId column", "time,label\n2026-11-27T00:00:00Z,1\n")]
    [InlineData("no timestamp or time column", "userId,label\nu1,1\n")]
    [InlineData("empty file", "")]
    [InlineData("no label rows", "userId,timestamp\n")]
    [InlineData("line 3: timestamp must be an ISO-8601 time", "userId,timestamp\nu1,2026-11-27T00:00:00Z\nu2,27/11/2026\n")]
    [InlineData("line 2: timestamp must be an ISO-8601 time", "userId,timestamp\nu1,2026-11-27T00:00:00\n")]
    [InlineData("line 2: userId 'bad user' must be 1..128 chars", "userId,timestamp\nbad user,2026-11-27T00:00:00Z\n")]
    [InlineData("line 2: userId '' must be", "userId,timestamp\n,2026-11-27T00:00:00Z\n")]
    [InlineData("not a well-formed CSV file", "userId,timestamp\nu1,2026-11-27T00:00:00Z,extra\n")]
    [InlineData("not a well-formed CSV file", "userId,timestamp\n\"u1,2026-11-27T00:00:00Z\n")]
    public async Task Bad_csv_label_files_are_refused_with_their_position(string expected, string text)
    {
        var path = Write("bad.csv", text);
        var e = await Assert.ThrowsAsync<LabelFileException>(() => LabelFile.ReadAsync(path, Now, CancellationToken.None));
        Assert.Contains(expected, e.Message);
        Assert.StartsWith(path, e.Message);
    }

    [Theory]
    [InlineData("out.csv")]
    [InlineData("out.parquet")]
    public async Task An_erased_users_rows_before_the_erasure_are_not_in_the_file(string name)
    {
        // "gone" is erased at 00:30: its rows at 00:10 and 00:20 are withheld, its row at 00:40 is answered from the
        // purchase after the erasure; "kept" is another user.
        var labelsPath = Write("erase-labels.csv",
            "userId,timestamp\ngone,2026-11-27T00:10:00Z\nkept,2026-11-27T00:10:00Z\ngone,2026-11-27T00:20:00Z\ngone,2026-11-27T00:40:00Z\n");
        var labels = await LabelFile.ReadAsync(labelsPath, Now, CancellationToken.None);
        var messages = new List<RawMessage>
        {
            new(Body("a", "gone", "view", 1, T0.AddMinutes(1)), 0, T0.AddMinutes(1)),
            new(Body("b", "kept", "view", 1, T0.AddMinutes(2)), 1, T0.AddMinutes(2)),
            new(EraseControlMessage.Encode(new EraseRequest("x", "gone", T0.AddMinutes(30))), 2, T0.AddMinutes(30)),
            new(Body("c", "gone", "purchase", 7, T0.AddMinutes(35)), 3, T0.AddMinutes(35)),
        };
        var definitions = CompiledDefinitions.Default;
        var features = definitions.User.Where(f => f.Kind is not (AggregationKind.Count or AggregationKind.Sum) || f.Lifetime).ToList();
        var result = await new PointInTimeExport(definitions, Core.Aggregation.DeliveryRules.Default).RunAsync(
            new ListHistorySource(new Dictionary<string, List<RawMessage>> { ["0"] = messages }), labels, features, QueryWindow.Lifetime, null, CancellationToken.None);
        Assert.Equal(2, result.Summary.ErasedRowsWithheld);
        var path = Path.Combine(_dir, name);
        var columns = ExportColumns.For(features, definitions);

        await ExportFile.WriteAsync(path, result.AnsweredRows(labels), result.Values, columns, CancellationToken.None);

        var rows = new List<(string? User, DateTime Time)>();
        if (name.EndsWith(".csv", StringComparison.Ordinal))
        {
            using var reader = CsvReader.Create(new StreamReader(path), new CsvReaderOptions { HasHeader = true }, leaveOpen: false);
            await reader.ReadHeaderAsync(CancellationToken.None);
            while (await reader.ReadAsync(CancellationToken.None))
            {
                rows.Add((reader.GetString(0), DateTimeOffset.Parse(reader.GetString(1), CultureInfo.InvariantCulture).UtcDateTime));
            }
            var lines = await File.ReadAllLinesAsync(path);
            Assert.Contains(lines, l => l.StartsWith("gone,2026-11-27T00:40:00Z,0,0,0,0,1", StringComparison.Ordinal)); // the purchase only
        }
        else
        {
            await using var stream = File.OpenRead(path);
            await using var reader = await ParquetReader.CreateAsync(stream);
            var fields = reader.Schema.GetDataFields();
            using var group = reader.OpenRowGroupReader(0);
            var ids = new string?[group.RowCount];
            var times = new DateTime[group.RowCount];
            await group.ReadAsync(fields[0], ids.AsMemory());
            await group.ReadAsync<DateTime>(fields[1], times.AsMemory());
            rows.AddRange(ids.Zip(times, (u, t) => (u, t)));
        }
        Assert.Equal([("kept", T0.AddMinutes(10).UtcDateTime), ("gone", T0.AddMinutes(40).UtcDateTime)], rows);
    }

    [Fact]
    public async Task A_file_that_is_not_parquet_is_refused()
    {
        var path = Write("bad.parquet", "userId,timestamp\n");
        var e = await Assert.ThrowsAsync<LabelFileException>(() => LabelFile.ReadAsync(path, Now, CancellationToken.None));
        Assert.Contains("not a Parquet file", e.Message);
    }
}
