namespace TreasureHunt.Tools.Load;

/// <summary>
/// One point of the cost-versus-freshness curve (./th bench --curve): the batching the product ran with and what it
/// cost and how fresh it was at the curve's offered rate. Per-event figures are per processed event of the
/// offered-rate phase; <see cref="EventsPerSecond"/> is the unthrottled phase's sustained throughput.
/// </summary>
/// <param name="MaxBatchSize">host.json maxEventBatchSize (Local:MaxBatchSize).</param>
/// <param name="MinBatchSize">host.json minEventBatchSize (Local:MinBatchSize).</param>
/// <param name="MaxWaitMs">host.json maxWaitTime (Local:MaxWaitMs).</param>
/// <param name="UserWritesPerEvent">User document writes per event (one per touched user per batch).</param>
/// <param name="UserWritesFloorPerEvent">Distinct users per batch ÷ events per batch of the phase's own traffic cut into batches of <see cref="MaxBatchSize"/> per partition: what one write per user per batch cannot go below.</param>
/// <param name="StoreWritesPerEvent">Every Cosmos write per event: user documents, progress, items, leaderboards.</param>
/// <param name="EventsPerBatch">Mean events per batch the host actually processed in the offered-rate phase (a partition
/// that does not gather a full batch within maxWaitTime is invoked with a partial one).</param>
internal sealed record CurvePoint(
    int MaxBatchSize, int MinBatchSize, int MaxWaitMs,
    double UserWritesPerEvent, double UserWritesFloorPerEvent, double StoreWritesPerEvent,
    double RuPerEvent, bool RuEstimated, double UsdPerMillionEvents,
    long FreshnessP50Ms, long FreshnessP99Ms, double EventsPerSecond, long Events, double EventsPerBatch)
{
    /// <summary>How far the measured user writes are above the floor (0.03 = 3 % above).</summary>
    public double AboveFloor => UserWritesFloorPerEvent <= 0 ? 0 : UserWritesPerEvent / UserWritesFloorPerEvent - 1;
}
