using System.Collections.Concurrent;
using System.Text.Json;
using TreasureHunt.Core.Aggregation;
using TreasureHunt.Core.Features;
using TreasureHunt.Core.History;
using TreasureHunt.Core.Ports;

namespace TreasureHunt.Functions.Tests.Fakes;

/// <summary>The definitions registry in memory, with ETag concurrency; reads and writes are copies, as with a real store.</summary>
public sealed class InMemoryDefinitionsRegistry : IDefinitionsRegistry
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, (string Json, string ETag)> _documents = [];
    private int _etag;

    public Task<DefinitionsRegistryState> ReadAsync(CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            var versions = _documents.Where(d => d.Key != ActiveDefinitions.DocumentId)
                .Select(d => Copy<RegisteredDefinitions>(d.Value, (v, e) => v.ETag = e)).OrderBy(v => v.Version).ToList();
            var active = _documents.TryGetValue(ActiveDefinitions.DocumentId, out var a) ? Copy<ActiveDefinitions>(a, (v, e) => v.ETag = e) : null;
            return Task.FromResult(new DefinitionsRegistryState(versions, active));
        }
    }

    public Task<bool> TryWriteAsync(RegisteredDefinitions version, CancellationToken cancellationToken) =>
        Task.FromResult(Write(version.Id, version, version.ETag, e => version.ETag = e));

    public Task<bool> TryWriteActiveAsync(ActiveDefinitions active, CancellationToken cancellationToken) =>
        Task.FromResult(Write(active.Id, active, active.ETag, e => active.ETag = e));

    private bool Write<T>(string id, T document, string? ifMatch, Action<string> setETag)
    {
        lock (_lock)
        {
            var exists = _documents.TryGetValue(id, out var current);
            if (exists ? current.ETag != ifMatch : ifMatch is not null) return false;
            var etag = $"\"{++_etag}\"";
            _documents[id] = (JsonSerializer.Serialize(document), etag);
            setETag(etag);
            return true;
        }
    }

    private static T Copy<T>((string Json, string ETag) doc, Action<T, string> setETag)
    {
        var value = JsonSerializer.Deserialize<T>(doc.Json)!;
        setETag(value, doc.ETag);
        return value;
    }
}

/// <summary>Shadow progress in memory with ETag concurrency.</summary>
public sealed class InMemoryShadowProgressStore : IShadowProgressStore
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, (string Json, string ETag)> _documents = [];
    private int _etag;

    public Task<ShadowProgress> GetAsync(int version, string partitionId, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            if (!_documents.TryGetValue(ShadowProgress.IdOf(version, partitionId), out var doc)) return Task.FromResult(ShadowProgress.Create(version, partitionId));
            var progress = JsonSerializer.Deserialize<ShadowProgress>(doc.Json)!;
            progress.ETag = doc.ETag;
            return Task.FromResult(progress);
        }
    }

    public Task<bool> TryReplaceAsync(ShadowProgress progress, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            var exists = _documents.TryGetValue(progress.Id, out var current);
            if (exists ? current.ETag != progress.ETag : progress.ETag is not null) return Task.FromResult(false);
            progress.ETag = $"\"{++_etag}\"";
            _documents[progress.Id] = (JsonSerializer.Serialize(progress), progress.ETag);
            return Task.FromResult(true);
        }
    }
}

/// <summary>
/// User documents in memory, stored as the JSON Cosmos would hold (System.Text.Json, web defaults) and read back as a
/// copy bound to the store's definitions: the same read-apply-seal-write cycle as <c>CosmosUserDocumentStore</c>.
/// </summary>
public sealed class InMemoryUserStore(CompiledDefinitions definitions) : IUserDocumentStore
{
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private int _writes;

    public ConcurrentDictionary<string, string> Documents { get; } = new(StringComparer.Ordinal);

    /// <summary>A crash: every write after this many throws.</summary>
    public int FailAfterWrites { get; set; } = int.MaxValue;

    public Task<UserDocument?> GetAsync(string userId, CancellationToken cancellationToken)
    {
        if (!Documents.TryGetValue(userId, out var json)) return Task.FromResult<UserDocument?>(null);
        var document = JsonSerializer.Deserialize<UserDocument>(json, Json)!;
        document.Bind(definitions);
        return Task.FromResult<UserDocument?>(document);
    }

    public async Task<bool> UpdateAsync(string userId, Func<UserDocument, bool> apply, CancellationToken cancellationToken)
    {
        var document = await GetAsync(userId, cancellationToken) ?? UserDocument.Create(userId, definitions);
        if (!apply(document)) return false;
        if (Interlocked.Increment(ref _writes) > FailAfterWrites) throw new IOException("killed");
        Documents[userId] = JsonSerializer.Serialize(document, Json);
        return true;
    }

    public Task<bool> DeleteAsync(string userId, CancellationToken cancellationToken) => Task.FromResult(Documents.TryRemove(userId, out _));
}

/// <summary>In-memory user stores per container.</summary>
public sealed class InMemoryUserStoreFactory(string primaryContainer = "users") : IUserStoreFactory
{
    public ConcurrentDictionary<string, InMemoryUserStore> Stores { get; } = new(StringComparer.Ordinal);

    public string PrimaryContainer => primaryContainer;

    public string ShadowContainerOf(int version) => $"{primaryContainer}-v{version}";

    public IUserDocumentStore For(string container, CompiledDefinitions definitions) => Stores.GetOrAdd(container, _ => new InMemoryUserStore(definitions));

    public async IAsyncEnumerable<string> ListUserIdsAsync(string container, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await Task.Yield();
        foreach (var id in Stores.TryGetValue(container, out var store) ? store.Documents.Keys.ToList() : []) yield return id;
    }

    public Task EnsureContainerAsync(string container, CancellationToken cancellationToken) => Task.CompletedTask;

    public Task<bool> TryDeleteContainerAsync(string container, CancellationToken cancellationToken) => Task.FromResult(Stores.TryRemove(container, out _));
}
