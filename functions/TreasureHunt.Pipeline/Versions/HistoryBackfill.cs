using System.Diagnostics;
using Microsoft.Extensions.Logging;
using TreasureHunt.Core.Events;
using TreasureHunt.Core.Features;
using TreasureHunt.Core.History;
using TreasureHunt.Core.Ports;

namespace TreasureHunt.Pipeline.Versions;

/// <summary>Where a back-fill is: messages applied by this run, and the shadow's position against the history's size (both summed over partitions).</summary>
public sealed record BackfillProgress(long AppliedThisRun, long Position, long Target, TimeSpan Elapsed, bool CaughtUp);

/// <summary>Back-fill settings (<c>./th backfill</c> options).</summary>
public sealed record BackfillSettings(int BatchSize = 1000, DateTimeOffset? From = null, int Parallelism = 4);

/// <summary>
/// Computes a shadow definitions version from the history (event log or Capture), partition by partition from its
/// progress through <see cref="ShadowBatchProcessor"/>, resumable; it ends once the live hosts carry the version on.
/// Hand-over argument: docs/internals.md#back-fill-hand-over.
/// </summary>
public sealed class HistoryBackfill(
    ShadowBatchProcessor processor,
    IShadowProgressStore shadowProgress,
    IProgressStore liveProgress,
    DefinitionsVersions versions,
    TimeProvider time,
    ILogger<HistoryBackfill> logger)
{
    public static readonly TimeSpan HandOverMargin = TimeSpan.FromSeconds(2);

    public async Task RunAsync(DefinitionsVersion target, RegisteredDefinitions registration, IHistorySource source, string liveConsumerGroup,
        BackfillSettings settings, IProgress<BackfillProgress>? report, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(target);
        ArgumentNullException.ThrowIfNull(registration);
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(settings);
        var partitions = await source.PartitionsAsync(cancellationToken);
        var stopwatch = Stopwatch.StartNew();
        var positions = new Dictionary<string, long>(StringComparer.Ordinal);
        var live = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var p in partitions)
        {
            positions[p] = (await shadowProgress.GetAsync(target.Version, p, cancellationToken)).AppliedThrough;
            live[p] = (await liveProgress.GetAsync(liveConsumerGroup, p, cancellationToken)).AppliedThrough;
        }
        long applied = 0;
        var gate = new object();
        void Report(bool caughtUp)
        {
            lock (gate)
            {
                var position = positions.Values.Sum(v => v + 1);
                var target = partitions.Sum(p => Math.Max(positions[p], live[p]) + 1);
                report?.Report(new BackfillProgress(Interlocked.Read(ref applied), position, target, stopwatch.Elapsed, caughtUp));
            }
        }
        Report(false);
        logger.LogInformation("Back-fill of version {Version} from {Source}: {Partitions} partitions", target.Version, source.Description, partitions.Count);
        while (true)
        {
            await Parallel.ForEachAsync(partitions, new ParallelOptions { MaxDegreeOfParallelism = settings.Parallelism, CancellationToken = cancellationToken },
                async (partition, ct) =>
                {
                    long position;
                    lock (gate) position = positions[partition];
                    while (true)
                    {
                        var messages = await source.ReadAsync(partition, position, settings.BatchSize, ct);
                        if (messages.Count == 0) break;
                        // The live tombstones, read per batch: an erasure applied while the back-fill runs counts from then on.
                        var tombstones = (await liveProgress.GetAsync(liveConsumerGroup, partition, ct)).Erased;
                        var outcome = await processor.ProcessAsync(target, new PartitionBatch(partition, messages), settings.From, ct, tombstones, readAfter: position);
                        if (outcome == ShadowOutcome.Behind)
                        {
                            throw new InvalidOperationException(
                                $"partition {partition}: {source.Description} returned sequence numbers from {messages[0].SequenceNumber}, but the shadow is at {position}");
                        }
                        var stored = (await shadowProgress.GetAsync(target.Version, partition, ct)).AppliedThrough;
                        Interlocked.Add(ref applied, messages.Count);
                        position = Math.Max(messages[^1].SequenceNumber, stored);
                        lock (gate) positions[partition] = position;
                        Report(false);
                    }
                });
            // Hand-over check: the live positions are read after the shadow reached its own.
            var behind = new List<string>();
            foreach (var p in partitions)
            {
                var liveAt = (await liveProgress.GetAsync(liveConsumerGroup, p, cancellationToken)).AppliedThrough;
                var shadowAt = (await shadowProgress.GetAsync(target.Version, p, cancellationToken)).AppliedThrough;
                lock (gate)
                {
                    live[p] = liveAt;
                    positions[p] = shadowAt;
                }
                if (shadowAt < liveAt) behind.Add($"{p}: {shadowAt} < {liveAt}");
            }
            var age = time.GetUtcNow() - registration.RegisteredAt;
            var wait = versions.RefreshInterval + HandOverMargin;
            if (behind.Count == 0 && age >= wait)
            {
                Report(true);
                logger.LogInformation("Back-fill of version {Version} caught up with the live stream after {Applied} messages", target.Version, applied);
                return;
            }
            logger.LogDebug("Back-fill of version {Version} not handed over yet (behind: {Behind}; registered {Age} ago)", target.Version, string.Join(", ", behind), age);
            await Task.Delay(TimeSpan.FromMilliseconds(500), time, cancellationToken);
        }
    }
}
