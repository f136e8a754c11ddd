using System.Globalization;
using Avro.File;
using Avro.Generic;
using Azure.Core;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using TreasureHunt.Core.Events;
using TreasureHunt.Core.History;

namespace TreasureHunt.Storage.History;

/// <summary>
/// The event hub's history as Event Hubs Capture wrote it (Avro files in Blob storage), read one partition at a time in
/// sequence order with one blob open. Layout, schema and bounds: docs/internals.md#capture-history-source.
/// </summary>
public sealed class CaptureHistorySource : IHistorySource, IDisposable
{
    /// <summary>The Avro schema of a Capture record, as the Capture documentation prints it.</summary>
    public const string Schema = """
        {"type":"record","name":"EventData","namespace":"Microsoft.ServiceBus.Messaging","fields":[
          {"name":"SequenceNumber","type":"long"},
          {"name":"Offset","type":"string"},
          {"name":"EnqueuedTimeUtc","type":"string"},
          {"name":"SystemProperties","type":{"type":"map","values":["long","double","string","bytes"]}},
          {"name":"Properties","type":{"type":"map","values":["long","double","string","bytes","null"]}},
          {"name":"Body","type":["null","bytes"]}]}
        """;

    /// <summary>The container the deployment's Capture writes to (bicep/main.bicep).</summary>
    public const string DefaultContainer = "eventhubs-capture";

    /// <summary>Read-ahead buffer of the blob stream (one open blob at a time).</summary>
    public const int ReadBufferBytes = 1 << 20;

    private readonly BlobContainerClient _container;
    private readonly string? _configuredPrefix;
    private string? _prefix;
    private readonly Dictionary<string, PartitionCursor> _cursors = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _gate = new(1, 1);

    /// <param name="container">The capture container.</param>
    /// <param name="eventHubPath"><c>{Namespace}/{EventHub}</c>; null to find it (the container must then hold exactly one).</param>
    public CaptureHistorySource(BlobContainerClient container, string? eventHubPath = null)
    {
        ArgumentNullException.ThrowIfNull(container);
        _container = container;
        _configuredPrefix = eventHubPath is null ? null : eventHubPath.Trim('/') + "/";
        if (_configuredPrefix is not null && _configuredPrefix.Count(c => c == '/') != 2)
        {
            throw new ArgumentException($"the event hub path must be NAMESPACE/EVENTHUB (got '{eventHubPath}')", nameof(eventHubPath));
        }
    }

    /// <summary>The container at <paramref name="containerUri"/> (https://ACCOUNT.blob.core.windows.net/CONTAINER) with a token credential.</summary>
    public static CaptureHistorySource FromUri(Uri containerUri, TokenCredential credential, string? eventHubPath = null) =>
        new(new BlobContainerClient(containerUri, credential), eventHubPath);

    /// <summary>The container <paramref name="containerName"/> of the account a connection string names (Azurite locally).</summary>
    public static CaptureHistorySource FromConnectionString(string connectionString, string containerName, string? eventHubPath = null) =>
        new(new BlobContainerClient(connectionString, containerName), eventHubPath);

    public string Description => _container.Uri + (_configuredPrefix is { } p ? "/" + p.TrimEnd('/') : "");

    public async Task<IReadOnlyList<string>> PartitionsAsync(CancellationToken cancellationToken)
    {
        var prefix = await PrefixAsync(cancellationToken);
        var partitions = new List<string>();
        await foreach (var item in _container.GetBlobsByHierarchyAsync(BlobTraits.None, BlobStates.None, delimiter: "/", prefix: prefix, cancellationToken: cancellationToken))
        {
            if (item.IsPrefix) partitions.Add(item.Prefix[prefix.Length..].TrimEnd('/'));
        }
        // Event Hubs partition ids are "0".."N-1": numeric order, then any other id by name.
        return partitions
            .OrderBy(p => int.TryParse(p, NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : int.MaxValue)
            .ThenBy(p => p, StringComparer.Ordinal)
            .ToList();
    }

    public async Task<IReadOnlyList<RawMessage>> ReadAsync(string partitionId, long afterSequence, int maxMessages, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(partitionId);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxMessages, 1);
        await _gate.WaitAsync(cancellationToken);
        try
        {
            var prefix = await PrefixAsync(cancellationToken) + partitionId + "/";
            if (!_cursors.TryGetValue(partitionId, out var cursor))
            {
                _cursors[partitionId] = cursor = new PartitionCursor(prefix);
            }
            if (cursor.LastReturned != afterSequence)
            {
                await cursor.SeekAsync(_container, afterSequence, cancellationToken);
            }
            var messages = new List<RawMessage>(Math.Min(maxMessages, 4096));
            while (messages.Count < maxMessages)
            {
                if (cursor.Reader is null && !await cursor.OpenNextAsync(_container, cancellationToken))
                {
                    break; // the end of what Capture has written so far
                }
                if (!cursor.Reader!.HasNext())
                {
                    cursor.CloseBlob();
                    continue;
                }
                var message = ToMessage(cursor.Reader.Next(), cursor.BlobName!);
                if (message.SequenceNumber <= cursor.LastReturned)
                {
                    continue; // before the resume point (in the file that holds it)
                }
                messages.Add(message);
                cursor.LastReturned = message.SequenceNumber;
            }
            return messages;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>One Capture record as the message Event Hubs delivered.</summary>
    public static RawMessage ToMessage(GenericRecord record, string blobName)
    {
        ArgumentNullException.ThrowIfNull(record);
        if (!record.TryGetValue("SequenceNumber", out var sequence) || sequence is not long sequenceNumber)
        {
            throw new InvalidDataException($"{blobName}: a record has no long SequenceNumber; is this an Event Hubs Capture file?");
        }
        if (!record.TryGetValue("EnqueuedTimeUtc", out var enqueued) || enqueued is not string enqueuedText
            || !DateTimeOffset.TryParse(enqueuedText, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var enqueuedTime))
        {
            throw new InvalidDataException($"{blobName}: record {sequenceNumber} has no readable EnqueuedTimeUtc");
        }
        var body = record.TryGetValue("Body", out var b) && b is byte[] bytes ? bytes : [];
        return new RawMessage(body, sequenceNumber, enqueuedTime);
    }

    /// <summary><c>{Namespace}/{EventHub}/</c>: the configured one, else the only one in the container.</summary>
    private async Task<string> PrefixAsync(CancellationToken cancellationToken)
    {
        if (_prefix is not null) return _prefix;
        if (_configuredPrefix is not null) return _prefix = _configuredPrefix;
        var found = new List<string>();
        await foreach (var ns in _container.GetBlobsByHierarchyAsync(BlobTraits.None, BlobStates.None, delimiter: "/", prefix: null, cancellationToken: cancellationToken))
        {
            if (!ns.IsPrefix) continue;
            await foreach (var hub in _container.GetBlobsByHierarchyAsync(BlobTraits.None, BlobStates.None, delimiter: "/", prefix: ns.Prefix, cancellationToken: cancellationToken))
            {
                if (hub.IsPrefix) found.Add(hub.Prefix);
            }
        }
        return found.Count switch
        {
            1 => _prefix = found[0],
            0 => throw new InvalidOperationException($"{_container.Uri} holds no capture files ({{Namespace}}/{{EventHub}}/{{PartitionId}}/…)"),
            _ => throw new InvalidOperationException(
                $"{_container.Uri} holds the capture of several event hubs ({string.Join(", ", found.Select(f => f.TrimEnd('/')))}); name one as NAMESPACE/EVENTHUB"),
        };
    }

    public void Dispose()
    {
        foreach (var cursor in _cursors.Values) cursor.CloseBlob();
        _cursors.Clear();
        _gate.Dispose();
    }

    /// <summary>Where the reading of one partition is: its blob names, the open blob, the last sequence number returned.</summary>
    private sealed class PartitionCursor(string prefix)
    {
        private readonly List<string> _names = [];
        private Stream? _stream;

        public int BlobIndex { get; private set; } = -1;
        public string? BlobName => BlobIndex >= 0 && BlobIndex < _names.Count ? _names[BlobIndex] : null;
        public IFileReader<GenericRecord>? Reader { get; private set; }
        public long LastReturned { get; set; } = long.MinValue;

        /// <summary>Positions before the first record after <paramref name="afterSequence"/>: skips the files that end before it.</summary>
        public async Task SeekAsync(BlobContainerClient container, long afterSequence, CancellationToken cancellationToken)
        {
            CloseBlob();
            await RefreshNamesAsync(container, cancellationToken);
            BlobIndex = -1;
            LastReturned = afterSequence;
            // The file to start in is the last one whose first record is ≤ afterSequence + 1 (files hold contiguous runs).
            var start = 0;
            for (var i = 1; i < _names.Count; i++)
            {
                var first = await FirstSequenceAsync(container, _names[i], cancellationToken);
                if (first is null || first > afterSequence + 1) break;
                start = i;
            }
            BlobIndex = start - 1; // OpenNextAsync opens _names[start]
        }

        /// <summary>Opens the next blob; false when there is none (even after listing again for files written since).</summary>
        public async Task<bool> OpenNextAsync(BlobContainerClient container, CancellationToken cancellationToken)
        {
            CloseBlob();
            if (BlobIndex + 1 >= _names.Count)
            {
                await RefreshNamesAsync(container, cancellationToken);
                if (BlobIndex + 1 >= _names.Count) return false;
            }
            BlobIndex++;
            (_stream, Reader) = await OpenAsync(container, _names[BlobIndex], cancellationToken);
            return true;
        }

        public void CloseBlob()
        {
            Reader?.Dispose();
            _stream?.Dispose();
            Reader = null;
            _stream = null;
        }

        /// <summary>Lists the partition's capture files, adding those written since the last listing (names only grow).</summary>
        private async Task RefreshNamesAsync(BlobContainerClient container, CancellationToken cancellationToken)
        {
            var last = _names.Count > 0 ? _names[^1] : null;
            await foreach (var blob in container.GetBlobsAsync(BlobTraits.None, BlobStates.None, prefix: prefix, cancellationToken: cancellationToken))
            {
                if (!blob.Name.EndsWith(".avro", StringComparison.Ordinal)) continue;
                if (last is null || string.CompareOrdinal(blob.Name, last) > 0) _names.Add(blob.Name);
            }
        }

        private static async Task<long?> FirstSequenceAsync(BlobContainerClient container, string name, CancellationToken cancellationToken)
        {
            var (stream, reader) = await OpenAsync(container, name, cancellationToken);
            using (stream)
            using (reader)
            {
                return reader.HasNext() ? ToMessage(reader.Next(), name).SequenceNumber : null;
            }
        }

        private static async Task<(Stream, IFileReader<GenericRecord>)> OpenAsync(BlobContainerClient container, string name, CancellationToken cancellationToken)
        {
            var stream = await container.GetBlobClient(name).OpenReadAsync(
                new BlobOpenReadOptions(allowModifications: false) { BufferSize = ReadBufferBytes }, cancellationToken);
            try
            {
                return (stream, DataFileReader<GenericRecord>.OpenReader(stream, leaveOpen: true));
            }
            catch (Exception e) when (e is Avro.AvroException or IOException)
            {
                await stream.DisposeAsync();
                throw new InvalidDataException($"{container.Uri}/{name} is not an Avro container file: {e.Message}", e);
            }
        }
    }
}
