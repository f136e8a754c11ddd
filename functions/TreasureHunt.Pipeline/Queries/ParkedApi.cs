using System.Globalization;
using System.Text;
using Microsoft.AspNetCore.Http;
using TreasureHunt.Core.Parking;
using TreasureHunt.Core.Ports;
using TreasureHunt.Pipeline.Processing;

namespace TreasureHunt.Pipeline.Queries;

/// <summary>
/// <c>GET /api/parked</c> (what is parked, keyed) and <c>POST /api/parked/replay</c> (re-apply it once the cause is
/// fixed; what <c>th replay-parked</c> calls). Host-neutral, like <see cref="QueryApi"/>. One replay at a time per
/// process (a singleton in both hosts): a second request while one runs is answered 409 rather than replaying the same
/// rows twice concurrently.
/// </summary>
internal sealed class ParkedApi(IParkedStore parked, ParkedReplayer replayer, Erasure.PendingErasures erasures) : IDisposable
{
    private readonly SemaphoreSlim _replaying = new(1, 1);

    public const int MaxTop = 1000;

    /// <summary>Body bytes shown per row (the row keeps the whole body).</summary>
    public const int MaxBodyPreviewBytes = 8 * 1024;

    /// <summary><c>?partition=</c> (optional), <c>?status=parked|all</c> (default parked), <c>?top=</c> 1..1000 (default 100); in partition and sequence order, without the rows of erasures whose cleanup is pending.</summary>
    public async Task<ApiResponse> GetParkedAsync(IQueryCollection query, CancellationToken cancellationToken)
    {
        var partition = query["partition"].ToString();
        if (partition.Length > 0 && (partition.Length > 64 || !partition.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_')))
        {
            return ApiResponse.BadRequest("partition must be 1..64 chars of [A-Za-z0-9_-]");
        }
        var status = query["status"].ToString() is { Length: > 0 } s ? s : "parked";
        if (status is not ("parked" or "all"))
        {
            return ApiResponse.BadRequest("status must be 'parked' (default) or 'all' (replayed and superseded rows too)");
        }
        var topText = query["top"].ToString();
        var top = 100;
        if (topText.Length > 0 && !(int.TryParse(topText, NumberStyles.None, CultureInfo.InvariantCulture, out top) && top is >= 1 and <= MaxTop))
        {
            return ApiResponse.BadRequest($"top must be an integer from 1 to {MaxTop}");
        }
        // Rows of an erased user wait for the cleanup worker: never shown meanwhile, and read past so that top rows are shown.
        var pending = await erasures.ReadAsync(cancellationToken);
        var rows = await Erasure.PendingErasures.ShownAsync(top, n => parked.ListAsync(partition.Length == 0 ? null : partition, status == "parked", n, cancellationToken), pending.Hides);
        return ApiResponse.Ok(new ParkedListView(rows.Count, rows.Select(ParkedView.From).ToList()));
    }

    public async Task<ApiResponse> ReplayAsync(string consumerGroup, CancellationToken cancellationToken)
    {
        if (!await _replaying.WaitAsync(TimeSpan.Zero, cancellationToken))
        {
            return ApiResponse.Problem(409, "Conflict", "a replay of parked messages is already running in this process; retry once it has finished");
        }
        try
        {
            var report = await replayer.ReplayAsync(consumerGroup, cancellationToken);
            return ApiResponse.Ok(new ReplayView(report.Replayed, report.Superseded, report.Deferred, report.UsersReleased, report.GapsNotReplayable, report.StillRefused, report.Erased));
        }
        finally
        {
            _replaying.Release();
        }
    }

    public void Dispose() => _replaying.Dispose();
}

internal sealed record ParkedListView(int Count, IReadOnlyList<ParkedView> Items);

internal sealed record ParkedView(
    string PartitionId, long SequenceNumber, long LastSequenceNumber, DateTime EnqueuedTime, string? UserId, string Reason, string Detail,
    string Status, DateTime ParkedAt, DateTime? ResolvedAt, int BodyBytes, string Body, bool BodyTruncated)
{
    public static ParkedView From(ParkedMessage m)
    {
        var shown = m.Body.Span[..Math.Min(m.Body.Length, ParkedApi.MaxBodyPreviewBytes)];
        return new(m.PartitionId, m.SequenceNumber, m.ThroughSequenceNumber, m.EnqueuedTime.UtcDateTime, m.UserId, m.ReasonCode, m.Detail,
            m.Status.Code(), m.ParkedAt.UtcDateTime, m.ResolvedAt?.UtcDateTime, m.Body.Length, Encoding.UTF8.GetString(shown), shown.Length < m.Body.Length);
    }
}

/// <param name="Erased">Parked rows of erased users found older than the erasure: deleted, never applied.</param>
internal sealed record ReplayView(int Replayed, int Superseded, int Deferred, int UsersReleased, int GapsNotReplayable, IReadOnlyList<string> StillRefused, int Erased);
