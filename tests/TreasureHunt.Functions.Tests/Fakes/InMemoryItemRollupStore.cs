using System.Globalization;
using System.Text.Json;
using TreasureHunt.Core.Ports;
using TreasureHunt.Core.Rollups;

namespace TreasureHunt.Functions.Tests.Fakes;

/// <summary>
/// <see cref="IItemRollupStore"/> in memory with the ETag semantics of Cosmos point operations: documents are kept as
/// JSON (a reader never shares objects with the store), a write without an ETag creates or returns false when the
/// document exists, a write with an ETag replaces only if the stored ETag is still that one. The Cosmos adapter itself
/// is covered by the integration tests; this is the seam the item shard writer and the query API are tested through.
/// </summary>
public sealed class InMemoryItemRollupStore : IItemRollupStore
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, (string Json, string ETag)> _items = new(StringComparer.Ordinal);
    private readonly Dictionary<string, (string Json, string ETag)> _leaderboards = new(StringComparer.Ordinal);
    private long _version;

    /// <summary>The next this many writes (items or leaderboards) throw, like a store outage.</summary>
    public int FailNextWrites { get; set; }

    /// <summary>Successful item document writes (creates and replaces).</summary>
    public int ItemWrites { get; private set; }

    /// <summary>Successful leaderboard document writes.</summary>
    public int LeaderboardWrites { get; private set; }

    /// <summary>Conditional writes refused because the document changed (or existed) in between.</summary>
    public int Conflicts { get; private set; }

    public IReadOnlyCollection<string> ItemIds { get { lock (_lock) return _items.Keys.ToList(); } }

    public IReadOnlyCollection<string> LeaderboardIds { get { lock (_lock) return _leaderboards.Keys.ToList(); } }

    /// <summary>Item ids this store refuses for good, as the Cosmos store refuses an id it cannot address.</summary>
    public HashSet<string> RefusedItemIds { get; } = new(StringComparer.Ordinal);

    public Task<ItemDocument?> GetItemAsync(string itemId, CancellationToken cancellationToken)
    {
        RefuseIfListed(itemId);
        return Task.FromResult(Read<ItemDocument>(_items, itemId, (d, etag) => d.ETag = etag));
    }

    private void RefuseIfListed(string itemId)
    {
        if (RefusedItemIds.Contains(itemId)) throw new Storage.Cosmos.DocumentIdRefusedException($"item '{itemId}' is refused by this test store");
    }

    /// <summary>What the store tells the writer: true stands for bulk execution (all of a flush's documents at once).</summary>
    public bool GroupsConcurrentWrites { get; set; }

    private TaskCompletionSource? _readGate;
    private int _readsAtGate;
    private int _readGateOpensAt;

    private TimeSpan _readGateTimeout;

    /// <summary>The writer's item reads wait until <paramref name="reads"/> of them are in flight together (a bulk
    /// store's batch request fills this way); a writer that never has that many in flight fails with a
    /// <see cref="TimeoutException"/> after <paramref name="timeout"/>.</summary>
    public void HoldItemReadsUntilInFlight(int reads, TimeSpan timeout)
    {
        _readGateTimeout = timeout;
        _readGateOpensAt = reads;
        _readsAtGate = 0;
        _readGate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    /// <summary>Always a fresh read here (the Cosmos store's writer cache is covered by the integration tests).</summary>
    public async Task<ItemDocument?> GetItemForWriteAsync(string itemId, CancellationToken cancellationToken)
    {
        if (_readGate is { } gate)
        {
            if (Interlocked.Increment(ref _readsAtGate) >= _readGateOpensAt) gate.TrySetResult();
            await gate.Task.WaitAsync(_readGateTimeout, cancellationToken);
        }
        return await GetItemAsync(itemId, cancellationToken);
    }

    public Task<bool> TryWriteItemAsync(ItemDocument document, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(document);
        RefuseIfListed(document.Id);
        var written = Write(_items, document.Id, document.ETag, document, etag => document.ETag = etag);
        if (written) lock (_lock) ItemWrites++;
        return Task.FromResult(written);
    }

    public Task<LeaderboardDocument?> GetLeaderboardAsync(string id, CancellationToken cancellationToken) =>
        Task.FromResult(Read<LeaderboardDocument>(_leaderboards, id, (d, etag) => d.ETag = etag));

    public Task<bool> TryWriteLeaderboardAsync(LeaderboardDocument document, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(document);
        var written = Write(_leaderboards, document.Id, document.ETag, document, etag => document.ETag = etag);
        if (written) lock (_lock) LeaderboardWrites++;
        return Task.FromResult(written);
    }

    public Task<TreasureHunt.Core.Groups.GroupDocument?> GetGroupAsync(string id, CancellationToken cancellationToken) =>
        Task.FromResult(Read<TreasureHunt.Core.Groups.GroupDocument>(_items, id, (d, etag) => d.ETag = etag));

    public Task<bool> TryWriteGroupAsync(TreasureHunt.Core.Groups.GroupDocument document, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(document);
        var written = Write(_items, document.Id, document.ETag, document, etag => document.ETag = etag);
        if (written) lock (_lock) GroupWrites++;
        return Task.FromResult(written);
    }

    public Task<TreasureHunt.Core.Groups.KeyedLeaderboardDocument?> GetKeyedLeaderboardAsync(string id, CancellationToken cancellationToken) =>
        Task.FromResult(Read<TreasureHunt.Core.Groups.KeyedLeaderboardDocument>(_leaderboards, id, (d, etag) => d.ETag = etag));

    public Task<bool> TryWriteKeyedLeaderboardAsync(TreasureHunt.Core.Groups.KeyedLeaderboardDocument document, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(document);
        var written = Write(_leaderboards, document.Id, document.ETag, document, etag => document.ETag = etag);
        if (written) lock (_lock) LeaderboardWrites++;
        return Task.FromResult(written);
    }

    /// <summary>Successful keyed-group document writes.</summary>
    public int GroupWrites { get; private set; }

    private T? Read<T>(Dictionary<string, (string Json, string ETag)> documents, string id, Action<T, string> setETag) where T : class
    {
        lock (_lock)
        {
            if (!documents.TryGetValue(id, out var stored)) return null;
            var document = JsonSerializer.Deserialize<T>(stored.Json)!;
            setETag(document, stored.ETag);
            return document;
        }
    }

    private bool Write<T>(Dictionary<string, (string Json, string ETag)> documents, string id, string? etag, T document, Action<string> setETag)
    {
        lock (_lock)
        {
            if (FailNextWrites > 0)
            {
                FailNextWrites--;
                throw new InvalidOperationException($"injected store failure writing '{id}'");
            }
            var exists = documents.TryGetValue(id, out var stored);
            if (etag is null ? exists : !exists || stored.ETag != etag)
            {
                Conflicts++;
                return false;
            }
            var next = NextETag();
            documents[id] = (JsonSerializer.Serialize(document), next);
            setETag(next);
            return true;
        }
    }

    private string NextETag() => string.Create(CultureInfo.InvariantCulture, $"\"{++_version}\"");
}
