using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using TreasureHunt.Core.Aggregation;
using TreasureHunt.Core.Events;
using TreasureHunt.Core.Features;
using TreasureHunt.Core.Parking;
using TreasureHunt.Core.Ports;
using TreasureHunt.Core.Rollups;

namespace TreasureHunt.Pipeline.Processing;

/// <summary>
/// Re-applies parked messages once their cause is fixed (<c>th replay-parked</c>, <c>POST /api/parked/replay</c>), exactly
/// once: only committed parkings, a held user's messages in order before anything newer, each with its own rollup range,
/// never a row older than the user's erasure. Why each holds: docs/internals.md#parked-replay.
/// </summary>
public sealed class ParkedReplayer(
    IParkedStore parked,
    IProgressStore progressStore,
    IUserDocumentStore users,
    IDeadLetterStore deadLetters,
    IRollupClient rollups,
    IStoreRefusalClassifier refusals,
    CompiledDefinitions definitions,
    DeliveryRules deliveryRules,
    IOptions<RollupOptions> rollupOptions,
    IOptions<ContractOptions> contractOptions,
    Erasure.UserErasure erasure,
    TimeProvider time,
    ILogger<ParkedReplayer> logger)
{
    /// <summary>Most parked rows one run reads (a run is repeated until nothing is left).</summary>
    public const int MaxRowsPerRun = 10_000;

    public static string ReplaySource(string partitionId) => $"replay-{partitionId}";

    public async Task<ReplayReport> ReplayAsync(string consumerGroup, CancellationToken cancellationToken)
    {
        var report = new ReplayReport();
        var rows = await parked.ListAsync(null, onlyParked: true, MaxRowsPerRun, cancellationToken);
        foreach (var partition in rows.GroupBy(r => r.PartitionId, StringComparer.Ordinal))
        {
            foreach (var userId in partition.Where(r => r.UserId is not null).Select(r => r.UserId!).Distinct(StringComparer.Ordinal))
            {
                await ReplayUserAsync(consumerGroup, partition.Key, userId, report, cancellationToken);
            }
            foreach (var row in partition.Where(r => r.UserId is null))
            {
                if (row.Reason == ParkReason.SequenceGap) report.GapsNotReplayable++;
                else await ReplayDeadLetterAsync(consumerGroup, row, report, cancellationToken);
            }
        }
        logger.LogInformation(
            "Replay of parked messages: {Replayed} replayed, {Superseded} superseded, {Deferred} deferred, {UsersReleased} users released, {Gaps} sequence gaps, {StillRefused} users still refused",
            report.Replayed, report.Superseded, report.Deferred, report.UsersReleased, report.GapsNotReplayable, report.StillRefused.Count);
        return report;
    }

    private async Task ReplayUserAsync(string consumerGroup, string partitionId, string userId, ReplayReport report, CancellationToken cancellationToken)
    {
        while (true)
        {
            var progress = await progressStore.GetAsync(consumerGroup, partitionId, cancellationToken);
            var rows = await parked.ListForUserAsync(partitionId, userId, cancellationToken);
            if (progress.ErasedAt(userId) is { } erasedAt && rows.Any(r => r.SequenceNumber < erasedAt))
            {
                rows = await ForgetErasedRowsAsync(partitionId, userId, rows, erasedAt, report, cancellationToken);
            }
            var held = progress.ParkedUsers.TryGetValue(userId, out var heldFrom);
            var stale = rows.Where(r => r.SequenceNumber <= progress.AppliedThrough && (!held || r.SequenceNumber < heldFrom)).ToList();
            if (stale.Count > 0)
            {
                await parked.ResolveAsync(stale, ParkedStatus.Superseded, time.GetUtcNow(), cancellationToken);
                report.Superseded += stale.Count;
            }
            var inFlight = rows.Count(r => r.SequenceNumber > progress.AppliedThrough);
            if (!held)
            {
                report.Deferred += inFlight;
                return;
            }
            var committed = rows.Where(r => r.SequenceNumber >= heldFrom && r.SequenceNumber <= progress.AppliedThrough).ToList();
            if (committed.Count == 0)
            {
                progress.ParkedUsers.Remove(userId);
                if (await progressStore.TryReplaceAsync(progress, cancellationToken))
                {
                    report.UsersReleased++;
                    report.Deferred += inFlight;
                    return;
                }
                continue; // the progress moved: look again
            }

            var parsed = new BatchParser(new EventParser(definitions) { MaxEventAge = contractOptions.Value.MaxEventAge }).Parse(new PartitionBatch(partitionId,
                committed.Select(r => new RawMessage(r.Body, r.SequenceNumber, r.EnqueuedTime)).ToList()));
            var events = parsed.ByUser.TryGetValue(userId, out var list) ? list : [];
            var slots = new EventOutcome[events.Count];
            try
            {
                await users.UpdateAsync(userId, document =>
                {
                    document.Apply(events, partitionId, definitions, deliveryRules, slots);
                    return slots.Any(o => o is EventOutcome.Applied or EventOutcome.AppliedLate);
                }, cancellationToken);
                if (parsed.DeadLetters.Count > 0) await deadLetters.WriteAsync(parsed.DeadLetters, cancellationToken);
            }
            catch (Exception e) when (refusals.IsRefusal(e, out var detail))
            {
                // The user id only at Debug: logs above it carry no personal data (the replay's answer lists the users).
                logger.LogWarning("Replay: a user of partition {PartitionId} is still refused ({Detail}); it stays parked", partitionId, detail);
                logger.LogDebug("Replay: the user still refused in partition {PartitionId} is {UserId}", partitionId, userId);
                report.StillRefused.Add($"{partitionId}/{userId}: {detail}");
                report.Deferred += inFlight;
                return;
            }
            var now = await progressStore.GetAsync(consumerGroup, partitionId, cancellationToken);
            if (now.ErasedAt(userId) is { } erasedMeanwhile && erasedMeanwhile > committed[^1].SequenceNumber)
            {
                // Erased while this replay wrote: undo the write; the erasure has deleted (or deletes) the rows.
                await erasure.DeleteDocumentsAsync(userId, cancellationToken);
                await parked.DeleteForUserAsync(partitionId, userId, cancellationToken);
                report.Erased += committed.Count;
                return;
            }
            for (var i = 0; i < events.Count; i++)
            {
                var builder = new RollupDeltaBuilder(rollupOptions.Value.ShardCount, definitions);
                builder.Add(events[i], slots[i]);
                builder.AddUnparked();
                await SignalAsync(partitionId, builder.Build(events[i].SequenceNumber, events[i].SequenceNumber), cancellationToken);
            }
            foreach (var letter in parsed.DeadLetters)
            {
                await SignalDeadLetterAsync(partitionId, letter.SequenceNumber, cancellationToken);
            }
            await parked.ResolveAsync(committed, ParkedStatus.Replayed, time.GetUtcNow(), cancellationToken);
            report.Replayed += committed.Count; // then the next pass releases the user (or finds more)
        }
    }

    /// <summary>Rows of an erased user older than its erasure: deleted (only those, when newer ones exist), never applied.</summary>
    private async Task<IReadOnlyList<ParkedMessage>> ForgetErasedRowsAsync(string partitionId, string userId, IReadOnlyList<ParkedMessage> rows, long erasedAt,
        ReplayReport report, CancellationToken cancellationToken)
    {
        var newer = rows.Where(r => r.SequenceNumber > erasedAt).ToList();
        report.Erased += rows.Count - newer.Count;
        if (newer.Count == 0)
        {
            await parked.DeleteForUserAsync(partitionId, userId, cancellationToken);
        }
        else
        {
            await parked.ResolveAsync(rows.Where(r => r.SequenceNumber < erasedAt).ToList(), ParkedStatus.Superseded, time.GetUtcNow(), cancellationToken);
        }
        return newer;
    }

    private async Task ReplayDeadLetterAsync(string consumerGroup, ParkedMessage row, ReplayReport report, CancellationToken cancellationToken)
    {
        var progress = await progressStore.GetAsync(consumerGroup, row.PartitionId, cancellationToken);
        if (progress.ParkedDeadLetters.BinarySearch(row.SequenceNumber) < 0)
        {
            if (row.SequenceNumber <= progress.AppliedThrough)
            {
                await parked.ResolveAsync([row], ParkedStatus.Superseded, time.GetUtcNow(), cancellationToken);
                report.Superseded++;
            }
            else
            {
                report.Deferred++;
            }
            return;
        }
        var parsed = new BatchParser(new EventParser(definitions) { MaxEventAge = contractOptions.Value.MaxEventAge }).Parse(new PartitionBatch(row.PartitionId, [new RawMessage(row.Body, row.SequenceNumber, row.EnqueuedTime)]));
        if (parsed.DeadLetters.Count != 1)
        {
            report.StillRefused.Add($"{row.PartitionId}/{row.SequenceNumber}: parked as a dead letter but now parses as an event; left parked");
            return;
        }
        try
        {
            await deadLetters.WriteAsync(parsed.DeadLetters, cancellationToken);
        }
        catch (Exception e) when (refusals.IsRefusal(e, out var detail))
        {
            report.StillRefused.Add($"{row.PartitionId}/{row.SequenceNumber}: {detail}");
            return;
        }
        await SignalDeadLetterAsync(row.PartitionId, row.SequenceNumber, cancellationToken);
        await parked.ResolveAsync([row], ParkedStatus.Replayed, time.GetUtcNow(), cancellationToken);
        report.Replayed++;
        while (true)
        {
            progress.ParkedDeadLetters.Remove(row.SequenceNumber);
            if (await progressStore.TryReplaceAsync(progress, cancellationToken)) return;
            progress = await progressStore.GetAsync(consumerGroup, row.PartitionId, cancellationToken);
        }
    }

    private Task SignalDeadLetterAsync(string partitionId, long sequenceNumber, CancellationToken cancellationToken)
    {
        var builder = new RollupDeltaBuilder(rollupOptions.Value.ShardCount, definitions);
        builder.AddDeadLetter();
        builder.AddUnparked();
        return SignalAsync(partitionId, builder.Build(sequenceNumber, sequenceNumber), cancellationToken);
    }

    private async Task SignalAsync(string partitionId, RollupDelta delta, CancellationToken cancellationToken) =>
        await rollups.SignalAsync(RollupSignals.From(ReplaySource(partitionId), delta, rollupOptions.Value.ShardCount), cancellationToken);
}

/// <summary>What one replay run did.</summary>
public sealed class ReplayReport
{
    /// <summary>Parked messages applied now.</summary>
    public int Replayed { get; set; }

    /// <summary>Rows whose batch attempt never committed; the redelivered batch had applied them.</summary>
    public int Superseded { get; set; }

    /// <summary>Rows of batches still in flight: left for the next run.</summary>
    public int Deferred { get; set; }

    /// <summary>Rows of erased users: never applied (deleted).</summary>
    public int Erased { get; set; }

    /// <summary>Users no longer held.</summary>
    public int UsersReleased { get; set; }

    /// <summary>Sequence gaps listed: nothing to replay (the messages never reached the pipeline).</summary>
    public int GapsNotReplayable { get; set; }

    /// <summary>Users or messages whose store still refuses them (partition/user: detail).</summary>
    public List<string> StillRefused { get; } = [];

    public override string ToString() =>
        $"replayed={Replayed} superseded={Superseded} deferred={Deferred} usersReleased={UsersReleased} erased={Erased} gaps={GapsNotReplayable} stillRefused={StillRefused.Count}";
}
