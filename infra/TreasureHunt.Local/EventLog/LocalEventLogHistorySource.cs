using System.Collections.Concurrent;
using System.IO.Hashing;
using System.Text.Json;
using TreasureHunt.Core.Events;
using TreasureHunt.Core.History;

namespace TreasureHunt.Local.EventLog;

/// <summary>
/// The local event log as history, read by another process than the host that appends to it: the files are opened
/// read-only (sharing read/write with the host) and never repaired — <see cref="LogPartition"/>'s recovery truncates a
/// torn tail, which only the log's owner may do. A record that is incomplete or fails its CRC ends what the history
/// holds now (the host may be appending it); the next read looks again. Sequence numbers increase with gaps where a
/// compaction removed erased users' records. Memory: one (sequence, offset) cursor per partition; a read that does not
/// continue from the cursor (or whose record a compaction moved) walks headers from the start of the file.
/// </summary>
internal sealed class LocalEventLogHistorySource(string folder) : IHistorySource
{
    private readonly ConcurrentDictionary<string, (long After, long Offset)> _cursors = new(StringComparer.Ordinal);

    public string Description => $"local event log {folder}";

    public Task<IReadOnlyList<string>> PartitionsAsync(CancellationToken cancellationToken)
    {
        var metaPath = Path.Combine(folder, "meta.json");
        if (!File.Exists(metaPath))
        {
            throw new InvalidOperationException($"no event log in {folder} (no meta.json): nothing to back-fill from");
        }
        using var meta = JsonDocument.Parse(File.ReadAllText(metaPath));
        var count = meta.RootElement.GetProperty("Partitions").GetInt32();
        IReadOnlyList<string> partitions = Enumerable.Range(0, count).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToList();
        return Task.FromResult(partitions);
    }

    public async Task<IReadOnlyList<RawMessage>> ReadAsync(string partitionId, long afterSequence, int maxMessages, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxMessages, 1);
        var path = Path.Combine(folder, $"p{partitionId}.log");
        if (!File.Exists(path)) return [];
        await using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 1 << 16, useAsync: false);
        var length = file.Length;
        var header = new byte[LogRecord.HeaderSize];
        // The cursor holds the offset of the last record returned: it is used only if that record is still there (a
        // compaction may have rewritten the file since, moving records down).
        long next = 0, offset = 0;
        if (_cursors.TryGetValue(partitionId, out var cursor) && cursor.After == afterSequence && cursor.Offset + LogRecord.HeaderSize <= length)
        {
            file.Position = cursor.Offset;
            file.ReadExactly(header);
            if (LogRecord.TryReadHeader(header, out var lastLength, out var lastSequence, out _, out _) && lastSequence == afterSequence)
            {
                (next, offset) = (afterSequence + 1, cursor.Offset + LogRecord.HeaderSize + lastLength);
            }
        }
        var messages = new List<RawMessage>(Math.Min(maxMessages, 4096));
        var lastOffset = -1L;
        while (messages.Count < maxMessages && !cancellationToken.IsCancellationRequested)
        {
            if (offset + LogRecord.HeaderSize > length) break;
            file.Position = offset;
            file.ReadExactly(header);
            if (!LogRecord.TryReadHeader(header, out var bodyLength, out var stored, out var enqueued, out var crc)
                || stored < next || offset + LogRecord.HeaderSize + bodyLength > length)
            {
                break; // a record still being written (or a tail the host will cut): the end of the history for now
            }
            if (stored > afterSequence)
            {
                var body = new byte[bodyLength];
                file.ReadExactly(body);
                if (Crc32.HashToUInt32(body) != crc) break;
                messages.Add(new RawMessage(body, stored, enqueued));
                lastOffset = offset;
            }
            offset += LogRecord.HeaderSize + bodyLength;
            next = stored + 1; // sequence numbers increase; a compaction leaves gaps
        }
        if (messages.Count > 0) _cursors[partitionId] = (messages[^1].SequenceNumber, lastOffset);
        return messages;
    }
}
