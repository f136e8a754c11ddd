using Microsoft.Win32.SafeHandles;

namespace TreasureHunt.Local.EventLog;

/// <summary>
/// The file under a log partition: positional reads and writes, fsync and truncate — no stream position and no
/// write buffer, so a failed write leaves no state behind but the bytes on disk (which the partition cuts off).
/// The seam where tests inject I/O failures (disk full, EIO).
/// </summary>
internal interface ILogFile : IDisposable
{
    long Length { get; }

    int Read(Span<byte> buffer, long offset);

    void Write(ReadOnlySpan<byte> buffer, long offset);

    void FlushToDisk();

    void SetLength(long length);
}

/// <summary>The real file: <see cref="RandomAccess"/> over one handle opened for read and write.</summary>
internal sealed class LogFile(string path) : ILogFile
{
    private readonly SafeFileHandle _handle = File.OpenHandle(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.ReadWrite);

    public long Length => RandomAccess.GetLength(_handle);

    public int Read(Span<byte> buffer, long offset) => RandomAccess.Read(_handle, buffer, offset);

    public void Write(ReadOnlySpan<byte> buffer, long offset) => RandomAccess.Write(_handle, buffer, offset);

    public void FlushToDisk() => RandomAccess.FlushToDisk(_handle);

    public void SetLength(long length) => RandomAccess.SetLength(_handle, length);

    public void Dispose() => _handle.Dispose();
}
