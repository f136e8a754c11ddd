using Azure.Identity;
using Azure.Messaging.EventHubs;
using Azure.Messaging.EventHubs.Producer;
using Microsoft.Extensions.Configuration;
using TreasureHunt.Core.Erasure;
using TreasureHunt.Core.Ports;

namespace TreasureHunt.Storage.EventHubs;

/// <summary>
/// Sends erase control messages to the Functions app's own event hub with partition key = userId, so each lands in
/// the user's partition after every event the user's producers sent before it (Azure.Messaging.EventHubs'
/// <see cref="EventHubProducerClient"/>). The connection is the trigger's: <c>EventHubConnection__fullyQualifiedNamespace</c>
/// with the managed identity (Azure; the app needs "Azure Event Hubs Data Sender"), or the <c>EventHubConnection</c>
/// connection string (the local Event Hubs emulator); the hub is <c>EventHubName</c>. The client is created at the
/// first erasure, so a host that never erases never connects.
/// </summary>
public sealed class EventHubErasureSender(IConfiguration configuration) : IErasureSender, IAsyncDisposable
{
    private readonly Lazy<EventHubProducerClient> _producer = new(() => Create(configuration));

    public async Task SendAsync(EraseRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var message = new EventData(EraseControlMessage.Encode(request)) { ContentType = "application/json" };
        await _producer.Value.SendAsync([message], new SendEventOptions { PartitionKey = request.UserId }, cancellationToken);
    }

    private static EventHubProducerClient Create(IConfiguration configuration)
    {
        var hub = configuration["EventHubName"] is { Length: > 0 } name
            ? name
            : throw new InvalidOperationException("EventHubName is not set: erase control messages have no event hub to go to");
        if (configuration["EventHubConnection:fullyQualifiedNamespace"] is { Length: > 0 } fullyQualifiedNamespace)
        {
            return new EventHubProducerClient(fullyQualifiedNamespace, hub, new DefaultAzureCredential());
        }
        return configuration["EventHubConnection"] is { Length: > 0 } connectionString
            ? new EventHubProducerClient(connectionString, hub)
            : throw new InvalidOperationException("neither EventHubConnection__fullyQualifiedNamespace nor EventHubConnection is set");
    }

    public async ValueTask DisposeAsync()
    {
        if (_producer.IsValueCreated) await _producer.Value.DisposeAsync();
    }
}
