using TreasureHunt.Core.Costs;

namespace TreasureHunt.Core.History;

/// <summary>What a back-fill of <see cref="Events"/> events costs, meter by meter (<see cref="BackfillCostModel.Estimate"/>).</summary>
internal sealed record BackfillCost(long Events, long Batches, long UserWrites, long UserReads, double RequestUnits, long BlobReads, double ComputeSeconds, CostBreakdown Price)
{
    public decimal StorageUsd { get; init; }

    public decimal TotalUsd => Price.Total + StorageUsd;
}

/// <summary>
/// The cost model of a back-fill, priced with the FinOps <see cref="CostModel"/> and <see cref="PriceTable"/> (docs/deploy.md):
/// per batch of <c>B</c> messages of one partition, one conditional write per distinct user touched (the live path's
/// rule) at the document's write RU (<see cref="RequestUnitEstimator"/>), one read per user not in the writer cache,
/// and one read plus one write of the shadow progress; Capture blobs read in ranges of <c>readBytes</c>; compute as
/// GB-seconds of the job's memory at the measured throughput. No Event Hubs ingress (the history is read from Capture)
/// and no rollup work. Not priced here: the keyed group documents of a version that declares groups (one read and one
/// write per distinct key a batch touches, <c>ShadowKeyedWriter</c>).
/// </summary>
internal static class BackfillCostModel
{
    public const int ProgressDocumentBytes = 300;

    /// <param name="events">Messages in the history.</param>
    /// <param name="batchSize">Messages per batch (<c>th backfill --batch</c>).</param>
    /// <param name="distinctUsersPerEvent">Distinct users a batch touches, per message of the batch (1 when no user has two events in a batch).</param>
    /// <param name="distinctUsers">Users in the history.</param>
    /// <param name="writerCacheSize">Documents the back-fill keeps after writing them (Cosmos:WriterCacheSize).</param>
    /// <param name="documentBytes">Average user document size.</param>
    /// <param name="eventsPerSecond">Measured back-fill throughput of one job instance.</param>
    /// <param name="memoryMb">Memory billed for the job.</param>
    /// <param name="averageEventBytes">Average Capture record size (body plus Avro framing).</param>
    /// <param name="readBytes">Bytes per blob range read.</param>
    public static BackfillCost Estimate(PriceTable prices, long events, int batchSize, double distinctUsersPerEvent, long distinctUsers, long writerCacheSize,
        int documentBytes, double eventsPerSecond, int memoryMb, int averageEventBytes = 400, int readBytes = 4 * 1024 * 1024)
    {
        ArgumentNullException.ThrowIfNull(prices);
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(eventsPerSecond);
        var batches = (events + batchSize - 1) / batchSize;
        var writes = (long)Math.Ceiling(events * distinctUsersPerEvent);
        // Every user is read once; when the users do not fit the writer cache, a write finds its user cached with the cache's share.
        var cachedShare = distinctUsers <= writerCacheSize ? 1.0 : (double)writerCacheSize / distinctUsers;
        var reads = Math.Min(writes, distinctUsers + (long)Math.Ceiling((writes - distinctUsers) * (1 - cachedShare)));
        var ru = writes * RequestUnitEstimator.Write(documentBytes) + reads * RequestUnitEstimator.Read(documentBytes)
            + batches * (RequestUnitEstimator.Read(ProgressDocumentBytes) + RequestUnitEstimator.Write(ProgressDocumentBytes));
        var blobReads = (long)Math.Ceiling((double)events * averageEventBytes / readBytes);
        var seconds = events / eventsPerSecond;
        var price = new CostModel(prices).Price(seconds * 1000, memoryMb, ru, ingressEvents: 0) with { Executions = 0 };
        return new BackfillCost(events, batches, writes, reads, ru, blobReads, seconds, price)
        {
            StorageUsd = blobReads * prices.StorageUsdPer10kTransactions / 10_000m,
        };
    }
}
