using System.Globalization;
using System.Text;
using Avro;
using Avro.File;
using Avro.Generic;
using Azure.Storage.Blobs;
using TreasureHunt.Core.Aggregation;
using TreasureHunt.Core.Events;
using TreasureHunt.Core.Features;
using TreasureHunt.Pipeline.Export;
using TreasureHunt.Storage.History;
using TreasureHunt.Testing;

namespace TreasureHunt.IntegrationTests.Storage;

/// <summary>
/// Event Hubs Capture files — real Avro container files with the documented Capture schema, written with Apache.Avro's
/// DataFileWriter under the default archive name format — in Azurite, read back through <see cref="CaptureHistorySource"/>
/// across several files and hours, resumed mid-file, and exported from.
/// </summary>
[Collection(EmulatorFixture.CollectionName)]
public sealed class CaptureHistorySourceTests(EmulatorFixture emulators) : IAsyncLifetime
{
    // The schema as the Capture documentation prints it (https://learn.microsoft.com/azure/event-hubs/explore-captured-avro-files).
    private const string DocumentedSchema =
        """{"type":"record","name":"EventData","namespace":"Microsoft.ServiceBus.Messaging","fields":[{"name":"SequenceNumber","type":"long"},{"name":"Offset","type":"string"},{"name":"EnqueuedTimeUtc","type":"string"},{"name":"SystemProperties","type":{"type":"map","values":["long","double","string","bytes"]}},{"name":"Properties","type":{"type":"map","values":["long","double","string","bytes","null"]}},{"name":"Body","type":["null","bytes"]}]}""";

    private static readonly DateTimeOffset T0 = new(2026, 11, 27, 10, 55, 0, TimeSpan.Zero);
    private readonly BlobContainerClient _container = new(emulators.StorageConnectionString, TestNames.UniqueName("capture"));

    public async Task InitializeAsync() => await _container.CreateAsync();

    public async Task DisposeAsync() => await _container.DeleteIfExistsAsync();

    private static byte[] Body(long sequence, string user) => Encoding.UTF8.GetBytes(
        $"{{\"eventId\":\"e{sequence}-{user}\",\"userId\":\"{user}\",\"itemId\":\"t1\",\"type\":\"view\",\"timestamp\":\"{T0.AddMinutes(sequence).UtcDateTime:yyyy-MM-dd'T'HH:mm:ss'Z'}\"}}");

    /// <summary>One capture file: records for the given sequence numbers, enqueued one a minute from T0, named by its window start.</summary>
    private async Task WriteFileAsync(string hubPath, string partition, DateTimeOffset windowStart, IEnumerable<(long Sequence, byte[] Body)> records)
    {
        var schema = (RecordSchema)Schema.Parse(DocumentedSchema);
        using var buffer = new MemoryStream();
        using (var writer = DataFileWriter<GenericRecord>.OpenWriter(new GenericDatumWriter<GenericRecord>(schema), buffer, leaveOpen: true))
        {
            foreach (var (sequence, body) in records)
            {
                var record = new GenericRecord(schema);
                record.Add("SequenceNumber", sequence);
                record.Add("Offset", (sequence * 512).ToString(CultureInfo.InvariantCulture));
                // ISO-8601 with seven fractional digits (published samples of Capture-format Avro) in partition 1, the
                // invariant culture's general date and time in partition 0: both are read.
                var enqueued = T0.AddMinutes(sequence).UtcDateTime;
                record.Add("EnqueuedTimeUtc", partition == "1"
                    ? enqueued.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture)
                    : enqueued.ToString("M/d/yyyy h:mm:ss tt", CultureInfo.InvariantCulture));
                record.Add("SystemProperties", new Dictionary<string, object> { ["x-opt-sequence-number"] = sequence });
                record.Add("Properties", new Dictionary<string, object>());
                record.Add("Body", body);
                writer.Append(record);
            }
        }
        buffer.Position = 0;
        var name = $"{hubPath}/{partition}/{windowStart.UtcDateTime:yyyy'/'MM'/'dd'/'HH'/'mm'/'ss}.avro";
        await _container.GetBlobClient(name).UploadAsync(buffer);
    }

    private static IEnumerable<(long, byte[])> Records(long from, long to, string user = "u1") =>
        Enumerable.Range((int)from, (int)(to - from + 1)).Select(s => ((long)s, Body(s, user)));

    /// <summary>Partition 0: files across three hours (uploaded out of order, one empty); partition 1: two files.</summary>
    private async Task WriteHistoryAsync(string hubPath = "th-ns/events")
    {
        await WriteFileAsync(hubPath, "0", T0.AddHours(2).AddMinutes(10), Records(75, 139));
        await WriteFileAsync(hubPath, "0", T0, Records(0, 4));
        await WriteFileAsync(hubPath, "0", T0.AddMinutes(5), Records(5, 64));
        await WriteFileAsync(hubPath, "0", T0.AddMinutes(65), []); // an empty window
        await WriteFileAsync(hubPath, "0", T0.AddMinutes(70), Records(65, 74));
        await WriteFileAsync(hubPath, "1", T0, Records(0, 2, "u2"));
        await WriteFileAsync(hubPath, "1", T0.AddHours(2), Records(3, 9, "u2"));
    }

    private static async Task<List<RawMessage>> ReadAllAsync(CaptureHistorySource source, string partition, long after, int chunk)
    {
        var all = new List<RawMessage>();
        while (true)
        {
            var messages = await source.ReadAsync(partition, after, chunk, CancellationToken.None);
            if (messages.Count == 0) return all;
            Assert.True(messages.Count <= chunk);
            all.AddRange(messages);
            after = messages[^1].SequenceNumber;
        }
    }

    [Fact]
    public async Task Partitions_read_in_sequence_order_across_files_and_hours()
    {
        await WriteHistoryAsync();
        using var source = new CaptureHistorySource(_container);

        Assert.Equal(["0", "1"], await source.PartitionsAsync(CancellationToken.None));
        var p0 = await ReadAllAsync(source, "0", -1, chunk: 7);
        Assert.Equal(Enumerable.Range(0, 140).Select(i => (long)i), p0.Select(m => m.SequenceNumber));
        Assert.All(p0, m => Assert.Equal(Body(m.SequenceNumber, "u1"), m.Body.ToArray()));
        Assert.All(p0, m => Assert.Equal(T0.AddMinutes(m.SequenceNumber), m.EnqueuedTime));
        var p1 = await ReadAllAsync(source, "1", -1, chunk: 1000);
        Assert.Equal(Enumerable.Range(0, 10).Select(i => (long)i), p1.Select(m => m.SequenceNumber));
        Assert.All(p1, m => Assert.Equal(T0.AddMinutes(m.SequenceNumber), m.EnqueuedTime));
    }

    [Fact]
    public async Task Reading_resumes_after_any_sequence_number_and_sees_files_written_since()
    {
        await WriteHistoryAsync();
        using var source = new CaptureHistorySource(_container, "th-ns/events");

        var resumed = await ReadAllAsync(source, "0", 66, chunk: 50); // in the middle of the fourth file
        Assert.Equal(Enumerable.Range(67, 73).Select(i => (long)i), resumed.Select(m => m.SequenceNumber));
        var first = await source.ReadAsync("0", 4, 3, CancellationToken.None); // the end of the first file, then the next
        Assert.Equal([5L, 6L, 7L], first.Select(m => m.SequenceNumber));

        Assert.Empty(await source.ReadAsync("0", 139, 10, CancellationToken.None));
        await WriteFileAsync("th-ns/events", "0", T0.AddHours(3), Records(140, 141));
        Assert.Equal([140L, 141L], (await source.ReadAsync("0", 139, 10, CancellationToken.None)).Select(m => m.SequenceNumber));
    }

    [Fact]
    public async Task A_container_with_several_event_hubs_needs_one_named()
    {
        await WriteHistoryAsync();
        await WriteHistoryAsync("other-ns/clicks");
        using var unnamed = new CaptureHistorySource(_container);
        var e = await Assert.ThrowsAsync<InvalidOperationException>(() => unnamed.PartitionsAsync(CancellationToken.None));
        Assert.Contains("other-ns/clicks", e.Message);
        Assert.Contains("th-ns/events", e.Message);

        using var named = CaptureHistorySource.FromConnectionString(emulators.StorageConnectionString, _container.Name, "other-ns/clicks");
        Assert.Equal(10, (await ReadAllAsync(named, "1", -1, 100)).Count);
    }

    [Fact]
    public async Task A_point_in_time_export_reads_the_capture()
    {
        await WriteHistoryAsync();
        using var source = new CaptureHistorySource(_container);
        var definitions = CompiledDefinitions.Default;
        // u1 at the enqueue time of sequence 100 (partition 0): events 0..100; u2 at that of 5 (partition 1): 0..5.
        LabelRow[] labels = [new(0, "u1", T0.AddMinutes(100)), new(1, "u2", T0.AddMinutes(5)), new(2, "u1", T0.AddMinutes(-1))];
        var result = await new PointInTimeExport(definitions, DeliveryRules.Default).RunAsync(
            source, labels, [definitions.UserFeature("events")!], Core.Features.QueryWindow.Lifetime, null, CancellationToken.None);

        long Views(int row) => Convert.ToInt64(((IReadOnlyDictionary<string, object>)result.Values[row][0]!)["view"], CultureInfo.InvariantCulture);
        Assert.Equal(101, Views(0));
        Assert.Equal(6, Views(1));
        Assert.Null(result.Values[2][0]);
    }

    [Fact]
    public async Task Th_export_writes_training_rows_from_a_capture_container()
    {
        await WriteHistoryAsync();
        var directory = Directory.CreateTempSubdirectory("th-export-").FullName;
        try
        {
            var labels = Path.Combine(directory, "labels.csv");
            await File.WriteAllTextAsync(labels, $"userId,timestamp\nu1,{T0.AddMinutes(100).UtcDateTime:yyyy-MM-dd'T'HH:mm:ss'Z'}\nu2,{T0.AddMinutes(5).UtcDateTime:yyyy-MM-dd'T'HH:mm:ss'Z'}\n");
            var output = Path.Combine(directory, "training.csv");
            var exit = TreasureHunt.Tools.Cli.ThApp.Create().Run(
                ["export", "--as-of", labels, "--features", "events", "--source", $"capture:{emulators.StorageConnectionString}/{_container.Name}", "--out", output]);

            Assert.Equal(0, exit);
            var lines = await File.ReadAllLinesAsync(output);
            Assert.Equal("userId,timestamp,events.view,events.click,events.share,events.claim,events.purchase", lines[0]);
            Assert.Equal($"u1,{T0.AddMinutes(100).UtcDateTime:yyyy-MM-dd'T'HH:mm:ss'Z'},101,0,0,0,0", lines[1]);
            Assert.Equal($"u2,{T0.AddMinutes(5).UtcDateTime:yyyy-MM-dd'T'HH:mm:ss'Z'},6,0,0,0,0", lines[2]);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public async Task A_blob_that_is_not_avro_is_reported_by_name()
    {
        await _container.GetBlobClient("ns/hub/0/2026/11/27/10/55/00.avro").UploadAsync(BinaryData.FromString("not avro"));
        using var source = new CaptureHistorySource(_container);
        var e = await Assert.ThrowsAsync<InvalidDataException>(() => source.ReadAsync("0", -1, 10, CancellationToken.None));
        Assert.Contains("ns/hub/0/2026/11/27/10/55/00.avro", e.Message);
    }
}
