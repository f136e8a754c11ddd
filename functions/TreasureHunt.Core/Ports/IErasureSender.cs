using TreasureHunt.Core.Erasure;

namespace TreasureHunt.Core.Ports;

/// <summary>Sends an erase control message into the user's own partition of the event stream (partition key = userId).</summary>
public interface IErasureSender
{
    Task SendAsync(EraseRequest request, CancellationToken cancellationToken);
}
