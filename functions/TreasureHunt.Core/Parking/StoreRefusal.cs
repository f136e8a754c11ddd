namespace TreasureHunt.Core.Parking;

/// <summary>
/// Tells a store's permanent refusal of one request (the request itself can never succeed: too large, invalid)
/// from everything else. Only a refusal parks a message; every other failure — throttling (429), unavailability
/// (503), timeouts (408), and any error this classifier does not know — holds the partition and is retried without
/// limit, because parking on an unknown error (a wrong key, a deleted container) would move the whole stream aside.
/// Implemented next to the SDKs (TreasureHunt.Storage), which know their exception types.
/// </summary>
public interface IStoreRefusalClassifier
{
    /// <summary>True when <paramref name="exception"/> is a permanent refusal of the request; <paramref name="detail"/> says which.</summary>
    bool IsRefusal(Exception exception, out string detail);
}
