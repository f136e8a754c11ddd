using TreasureHunt.Core.Erasure;
using TreasureHunt.Core.Ports;

namespace TreasureHunt.Local.EventLog;

/// <summary>
/// The local host's way into the stream for an erase control message: appended to the event log like an ingested
/// message, through the same partitioner (its top-level userId), so it lands in the user's partition after every
/// event of the user appended before it. Durable (fsync) when the task completes.
/// </summary>
internal sealed class LocalEventLogErasureSender(LocalEventLog log, TimeProvider time) : IErasureSender
{
    public Task SendAsync(EraseRequest request, CancellationToken cancellationToken) =>
        log.AppendAsync([EraseControlMessage.Encode(request)], time.GetUtcNow(), cancellationToken);
}
