namespace TreasureHunt.Core.Parking;

/// <summary>
/// Why a message was parked (moved aside, never lost) instead of applied. Stable codes: they are stored in the
/// <c>parked</c> table and returned by <c>GET /api/parked</c>.
/// </summary>
public enum ParkReason
{
    /// <summary>The store refused the user's document for good (e.g. Cosmos 413 over 2 MB, 400): the message was not applied.</summary>
    DocumentRefused,

    /// <summary>An earlier message of the same user is parked: later ones wait behind it, so a replay applies them in order.</summary>
    UserHeld,

    /// <summary>The message is a dead letter whose row the dead-letter table refused (e.g. entity or property too large).</summary>
    DeadLetterRefused,

    /// <summary>Sequence numbers that never reached the processor (a checkpoint moved past them, or they expired): no body to replay.</summary>
    SequenceGap,
}

public static class ParkReasons
{
    public static string Code(this ParkReason reason) => reason switch
    {
        ParkReason.DocumentRefused => "document_refused",
        ParkReason.UserHeld => "user_held",
        ParkReason.DeadLetterRefused => "deadletter_refused",
        ParkReason.SequenceGap => "sequence_gap",
        _ => throw new ArgumentOutOfRangeException(nameof(reason), reason, null),
    };

    public static bool TryParse(string? code, out ParkReason reason)
    {
        foreach (var r in Enum.GetValues<ParkReason>())
        {
            if (string.Equals(r.Code(), code, StringComparison.Ordinal))
            {
                reason = r;
                return true;
            }
        }
        reason = default;
        return false;
    }
}
