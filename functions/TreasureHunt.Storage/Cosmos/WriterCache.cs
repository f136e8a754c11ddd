using Microsoft.Extensions.Caching.Memory;

namespace TreasureHunt.Storage.Cosmos;

/// <summary>
/// The documents a writer wrote last, kept in process so that its next write of the same id skips the read before it
/// (one Cosmos call instead of two). Bounded: at most <c>size</c> documents (<c>Cosmos:WriterCacheSize</c> for user
/// documents, <c>Cosmos:ItemWriterCacheSize</c> for item documents), least recently used evicted first. The document's
/// ETag keeps it exact: a copy someone else wrote since fails its conditional write with 412, and the writer forgets it
/// and reads again. A writer takes a document out (atomically) while it applies and writes it, so two concurrent
/// writes of one id never mutate the same instance: the second finds the slot empty and reads its own copy.
/// </summary>
internal sealed class WriterCache<T> where T : class
{
    private readonly MemoryCache _cache;

    public WriterCache(int size)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(size, 1);
        _cache = new MemoryCache(new MemoryCacheOptions { SizeLimit = size });
    }

    /// <summary>A cache of <paramref name="size"/> documents, or none when it is 0 (the setting turns it off).</summary>
    public static WriterCache<T>? OfSize(int size) => size > 0 ? new WriterCache<T>(size) : null;

    /// <summary>Takes the kept document out of its slot: the caller owns it until it keeps it again or forgets it.</summary>
    public T? TakeOut(string id) => _cache.Get<Slot>(id) is { } slot ? Interlocked.Exchange(ref slot.Document, null) : null;

    /// <summary>Keeps <paramref name="document"/> (the version just written, or read and left unchanged) for the next write.</summary>
    public void Keep(string id, T document) => _cache.Set(id, new Slot { Document = document }, new MemoryCacheEntryOptions { Size = 1 });

    /// <summary>Forgets the id's document (its write failed or conflicted: what the caller holds is not what is stored).</summary>
    public void Forget(string id) => _cache.Remove(id);

    private sealed class Slot
    {
        public T? Document;
    }
}
