using TreasureHunt.Core.Events;
using TreasureHunt.Core.History;

namespace TreasureHunt.Core.Tests.History;

/// <summary>An in-memory history: each partition a list of messages in sequence order.</summary>
internal sealed class ListHistorySource(IReadOnlyDictionary<string, List<RawMessage>> partitions) : IHistorySource
{
    public int Reads { get; private set; }

    public string Description => "memory";

    public Task<IReadOnlyList<string>> PartitionsAsync(CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<string>>(partitions.Keys.Order(StringComparer.Ordinal).ToList());

    public Task<IReadOnlyList<RawMessage>> ReadAsync(string partitionId, long afterSequence, int maxMessages, CancellationToken cancellationToken)
    {
        Reads++;
        return Task.FromResult<IReadOnlyList<RawMessage>>(partitions[partitionId].Where(m => m.SequenceNumber > afterSequence).Take(maxMessages).ToList());
    }
}
