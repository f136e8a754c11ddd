using System.Text.Json;
using TreasureHunt.Core.Ports;
using TreasureHunt.Core.Rollups;

namespace TreasureHunt.Functions.Tests.Fakes;

/// <summary>Progress documents in memory with ETag concurrency; every read and write is a copy, as with a real store.</summary>
public sealed class InMemoryProgressStore : IProgressStore
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, (string Json, string ETag)> _documents = [];
    private int _version;

    /// <summary>Successful writes so far.</summary>
    public int Writes { get; private set; }

    public PartitionProgress? Find(string consumerGroup, string partitionId)
    {
        lock (_lock)
        {
            return _documents.TryGetValue(PartitionProgress.IdOf(consumerGroup, partitionId), out var doc) ? Read(doc) : null;
        }
    }

    public Task<PartitionProgress> GetAsync(string consumerGroup, string partitionId, CancellationToken cancellationToken) =>
        Task.FromResult(Find(consumerGroup, partitionId) ?? PartitionProgress.Create(consumerGroup, partitionId));

    /// <summary>A crash: this many of the next writes throw before storing anything.</summary>
    public int FailNextWrites { get; set; }

    public Task<bool> TryReplaceAsync(PartitionProgress progress, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            if (FailNextWrites > 0)
            {
                FailNextWrites--;
                throw new IOException("killed before the progress write");
            }
            var exists = _documents.TryGetValue(progress.Id, out var current);
            if (exists ? current.ETag != progress.ETag : progress.ETag is not null)
            {
                return Task.FromResult(false);
            }
            progress.ETag = $"\"{++_version}\"";
            Writes++;
            _documents[progress.Id] = (JsonSerializer.Serialize(progress), progress.ETag);
            return Task.FromResult(true);
        }
    }

    public Task<IReadOnlyList<PartitionProgress>> ListWithPendingErasureCleanupsAsync(string consumerGroup, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            IReadOnlyList<PartitionProgress> list = _documents.Values.Select(Read).Where(p => p.ConsumerGroup == consumerGroup && p.PendingCleanups.Count > 0).ToList();
            return Task.FromResult(list);
        }
    }

    public Task<IReadOnlyList<PartitionProgress>> ListWithPendingRollupsAsync(string consumerGroup, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            IReadOnlyList<PartitionProgress> list = _documents.Values.Select(Read).Where(p => p.ConsumerGroup == consumerGroup && p.RollupPending).ToList();
            return Task.FromResult(list);
        }
    }

    private static PartitionProgress Read((string Json, string ETag) doc)
    {
        var progress = JsonSerializer.Deserialize<PartitionProgress>(doc.Json)!;
        progress.ETag = doc.ETag;
        return progress;
    }
}
