using TreasureHunt.Core.Costs;

namespace TreasureHunt.Core.History;

/// <summary>What a back-fill of <see cref="Events"/> events costs, meter by meter (<see cref="BackfillCostModel.Estimate"/>).</summary>
internal sealed record BackfillCost(long Events, long Batches, long UserWrites, long UserReads, double RequestUnits, long BlobReads, double ComputeSeconds, CostBreakdown Price)
{
    public decimal StorageUsd { get; init; }

    /// <summary>Key document writes of the version's keyed groups (each after one read).</summary>
    public long KeyWrites { get; init; }

    /// <summary>Declared leaderboard window writes (each after one read).</summary>
    public long LeaderboardWrites { get; init; }

    public decimal TotalUsd => Price.Total + StorageUsd;
}

/// <summary>
/// The cost of a back-fill, priced with the FinOps cost model: per batch the user writes and reads, the shadow
/// progress, keyed and leaderboard writes of a version with groups, Capture reads and compute.
/// What is and is not priced: docs/internals.md#back-fill-cost.
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
    /// <param name="keysPerEvent">Distinct keys of the version's groups a batch touches (every group, <c>item</c> and
    /// <c>global</c> included), per message of the batch; 0 for a version without groups.</param>
    /// <param name="keyDocumentBytes">Average key document size.</param>
    /// <param name="leaderboardWindowsPerBatch">Declared leaderboard windows a batch's keys touch.</param>
    /// <param name="leaderboardDocumentBytes">Average leaderboard window document size.</param>
    public static BackfillCost Estimate(PriceTable prices, long events, int batchSize, double distinctUsersPerEvent, long distinctUsers, long writerCacheSize,
        int documentBytes, double eventsPerSecond, int memoryMb, int averageEventBytes = 400, int readBytes = 4 * 1024 * 1024,
        double keysPerEvent = 0, int keyDocumentBytes = 1024, double leaderboardWindowsPerBatch = 0, int leaderboardDocumentBytes = 8 * 1024)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(keysPerEvent);
        ArgumentOutOfRangeException.ThrowIfNegative(leaderboardWindowsPerBatch);
        ArgumentNullException.ThrowIfNull(prices);
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(eventsPerSecond);
        var batches = (events + batchSize - 1) / batchSize;
        var writes = (long)Math.Ceiling(events * distinctUsersPerEvent);
        // Every user is read once; when the users do not fit the writer cache, a write finds its user cached with the cache's share.
        var cachedShare = distinctUsers <= writerCacheSize ? 1.0 : (double)writerCacheSize / distinctUsers;
        var reads = Math.Min(writes, distinctUsers + (long)Math.Ceiling((writes - distinctUsers) * (1 - cachedShare)));
        var keyWrites = (long)Math.Ceiling(events * keysPerEvent);
        var leaderboardWrites = (long)Math.Ceiling(batches * leaderboardWindowsPerBatch);
        var ru = writes * RequestUnitEstimator.Write(documentBytes) + reads * RequestUnitEstimator.Read(documentBytes)
            + batches * (RequestUnitEstimator.Read(ProgressDocumentBytes) + RequestUnitEstimator.Write(ProgressDocumentBytes))
            + keyWrites * (RequestUnitEstimator.Read(keyDocumentBytes) + RequestUnitEstimator.Write(keyDocumentBytes))
            + leaderboardWrites * (RequestUnitEstimator.Read(leaderboardDocumentBytes) + RequestUnitEstimator.Write(leaderboardDocumentBytes));
        var blobReads = (long)Math.Ceiling((double)events * averageEventBytes / readBytes);
        var seconds = events / eventsPerSecond;
        var price = new CostModel(prices).Price(seconds * 1000, memoryMb, ru, ingressEvents: 0) with { Executions = 0 };
        return new BackfillCost(events, batches, writes, reads, ru, blobReads, seconds, price)
        {
            StorageUsd = blobReads * prices.StorageUsdPer10kTransactions / 10_000m,
            KeyWrites = keyWrites,
            LeaderboardWrites = leaderboardWrites,
        };
    }
}
