using TreasureHunt.Core.Erasure;
using TreasureHunt.Core.Events;
using TreasureHunt.Core.Ports;
using TreasureHunt.Pipeline.Queries;

namespace TreasureHunt.Pipeline.Erasure;

/// <summary>
/// <c>DELETE /api/users/{userId}</c> (request an erasure: 202 with its id) and <c>GET /api/erasures/{erasureId}</c>
/// (where it stands, per store). Host-neutral, like <see cref="QueryApi"/>: both hosts serve these handlers. The
/// erasure itself is applied by the batch processor when it reaches the control message in the user's partition.
/// </summary>
public sealed class ErasureApi(IErasureSender sender, IErasureLog log, TimeProvider time)
{
    public async Task<ApiResponse> RequestAsync(string? userId, CancellationToken cancellationToken)
    {
        if (!ContractLimits.IsValidId(userId))
        {
            return ApiResponse.BadRequest($"userId must be {ContractLimits.IdRule()}");
        }
        var request = new EraseRequest(Guid.NewGuid().ToString("N"), userId!, time.GetUtcNow());
        // Logged before it is sent, so the batch processor's "applied" row always comes after this one.
        await log.WriteAsync(new ErasureRecord(request.ErasureId, UserIdHash.Of(request.UserId), request.RequestedAt, ErasureState.Requested), cancellationToken);
        await sender.SendAsync(request, cancellationToken);
        return ApiResponse.Status(202, new ErasureAccepted(request.ErasureId));
    }

    public async Task<ApiResponse> GetAsync(string? erasureId, CancellationToken cancellationToken)
    {
        if (erasureId is not { Length: 32 } || !erasureId.All(char.IsAsciiHexDigitLower))
        {
            return ApiResponse.BadRequest("erasureId must be the 32 lowercase hex digits DELETE /api/users/{userId} answered");
        }
        var record = await log.GetAsync(erasureId, cancellationToken);
        return record is null ? ApiResponse.NotFound($"no erasure '{erasureId}'") : ApiResponse.Ok(ErasureView.From(record));
    }
}

internal sealed record ErasureAccepted(string ErasureId);

/// <summary>An erasure as <c>GET /api/erasures/{erasureId}</c> shows it: never the user id (only its hash).</summary>
internal sealed record ErasureView(
    string ErasureId, string State, string UserIdHash, DateTime RequestedAt, DateTime? AppliedAt, string? PartitionId, long? SequenceNumber,
    IReadOnlyDictionary<string, string> Stores)
{
    public static ErasureView From(ErasureRecord r) => new(
        r.ErasureId, r.State == ErasureState.Applied ? "applied" : "requested", r.UserIdHash, r.RequestedAt.UtcDateTime, r.AppliedAt?.UtcDateTime,
        r.PartitionId, r.SequenceNumber, r.Stores ?? new Dictionary<string, string>());
}
