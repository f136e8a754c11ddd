using System.Buffers.Binary;
using System.IO.Hashing;

namespace TreasureHunt.Local.EventLog;

/// <summary>
/// On-disk record of the local event log: a 28-byte header then the message body exactly as received.
/// Header: magic "TH" (2) · version (1) · reserved (1) · body length (4) · sequence number (8) ·
/// enqueue time in Unix ms (8) · CRC-32 of body (4). Little-endian.
/// </summary>
internal static class LogRecord
{
    public const int HeaderSize = 28;

    /// <summary>
    /// The largest body a header may claim: the largest ingest request ever accepted (4 MiB), so no acknowledged
    /// record is above it whatever the per-message cap was when it was written. A header claiming more (or more than
    /// the file holds) is corrupt: it is never used to size a read.
    /// </summary>
    public const int MaxBodyBytes = 4 * 1024 * 1024;
    private const ushort Magic = 0x4854; // "TH"
    private const byte Version = 1;

    public static void WriteHeader(Span<byte> header, ReadOnlySpan<byte> body, long sequenceNumber, DateTimeOffset enqueued)
    {
        BinaryPrimitives.WriteUInt16LittleEndian(header, Magic);
        header[2] = Version;
        header[3] = 0;
        BinaryPrimitives.WriteInt32LittleEndian(header[4..], body.Length);
        BinaryPrimitives.WriteInt64LittleEndian(header[8..], sequenceNumber);
        BinaryPrimitives.WriteInt64LittleEndian(header[16..], enqueued.ToUnixTimeMilliseconds());
        BinaryPrimitives.WriteUInt32LittleEndian(header[24..], Crc32.HashToUInt32(body));
    }

    /// <summary>Parses a header; false when it is not a valid header (a torn or foreign tail).</summary>
    public static bool TryReadHeader(ReadOnlySpan<byte> header, out int bodyLength, out long sequenceNumber, out DateTimeOffset enqueued, out uint crc)
    {
        bodyLength = 0;
        sequenceNumber = 0;
        enqueued = default;
        crc = 0;
        if (header.Length < HeaderSize || BinaryPrimitives.ReadUInt16LittleEndian(header) != Magic || header[2] != Version)
        {
            return false;
        }
        bodyLength = BinaryPrimitives.ReadInt32LittleEndian(header[4..]);
        sequenceNumber = BinaryPrimitives.ReadInt64LittleEndian(header[8..]);
        enqueued = DateTimeOffset.FromUnixTimeMilliseconds(BinaryPrimitives.ReadInt64LittleEndian(header[16..]));
        crc = BinaryPrimitives.ReadUInt32LittleEndian(header[24..]);
        return bodyLength is >= 0 and <= MaxBodyBytes;
    }
}
