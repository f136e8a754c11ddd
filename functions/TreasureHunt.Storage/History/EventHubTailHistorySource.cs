using Azure.Core;
using Azure.Messaging.EventHubs.Consumer;
using TreasureHunt.Core.Events;
using TreasureHunt.Core.History;

namespace TreasureHunt.Storage.History;

/// <summary>
/// The events an Event Hub still retains, read partition by partition from a sequence number with the Event Hubs SDK
/// (<see cref="EventHubConsumerClient.ReadEventsFromPartitionAsync(string, EventPosition, ReadEventOptions, CancellationToken)"/>,
/// Azure.Messaging.EventHubs 5.12.2) and a managed identity: the tail a back-fill over Capture needs to reach the live
/// position (<see cref="ChainedHistorySource"/>). A read stops at the partition's last enqueued event (its properties,
/// <c>LastEnqueuedSequenceNumber</c>), so it never waits for new traffic. Reads use their own consumer group
/// (default <c>$Default</c>) and never checkpoint: they do not disturb the Aggregate function's own.
/// Not run locally (no Event Hubs emulator here); the chaining is tested with in-memory sources.
/// </summary>
public sealed class EventHubTailHistorySource : IHistorySource, IAsyncDisposable, IDisposable
{
    /// <summary>How long one read waits for the next event before returning what it has (the SDK's per-event wait).</summary>
    public static readonly TimeSpan MaximumWait = TimeSpan.FromSeconds(5);

    private readonly EventHubConsumerClient _client;

    public EventHubTailHistorySource(string fullyQualifiedNamespace, string eventHubName, TokenCredential credential, string consumerGroup = EventHubConsumerClient.DefaultConsumerGroupName)
    {
        _client = new EventHubConsumerClient(consumerGroup, fullyQualifiedNamespace, eventHubName, credential);
        Description = $"event hub {fullyQualifiedNamespace}/{eventHubName} (retained tail, consumer group {consumerGroup})";
    }

    public string Description { get; }

    public async Task<IReadOnlyList<string>> PartitionsAsync(CancellationToken cancellationToken) =>
        await _client.GetPartitionIdsAsync(cancellationToken);

    public async Task<IReadOnlyList<RawMessage>> ReadAsync(string partitionId, long afterSequence, int maxMessages, CancellationToken cancellationToken)
    {
        var properties = await _client.GetPartitionPropertiesAsync(partitionId, cancellationToken);
        if (properties.IsEmpty || properties.LastEnqueuedSequenceNumber <= afterSequence) return [];
        var start = afterSequence < properties.BeginningSequenceNumber
            ? EventPosition.Earliest
            : EventPosition.FromSequenceNumber(afterSequence, isInclusive: false);
        var messages = new List<RawMessage>(Math.Min(maxMessages, 4096));
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        try
        {
            await foreach (var received in _client.ReadEventsFromPartitionAsync(partitionId, start, new ReadEventOptions { MaximumWaitTime = MaximumWait }, stop.Token))
            {
                if (received.Data is not { } data) break; // waited MaximumWait without an event
                messages.Add(new RawMessage(data.EventBody.ToMemory(), data.SequenceNumber, data.EnqueuedTime));
                if (messages.Count >= maxMessages || data.SequenceNumber >= properties.LastEnqueuedSequenceNumber) break;
            }
        }
        finally
        {
            await stop.CancelAsync();
        }
        return messages;
    }

    public ValueTask DisposeAsync() => _client.DisposeAsync();

    public void Dispose() => _client.DisposeAsync().AsTask().GetAwaiter().GetResult();
}
