using Microsoft.DurableTask.Entities;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using TreasureHunt.Core.Rollups;
using TreasureHunt.Pipeline.Rollups;
using TreasureHunt.Pipeline.Telemetry;

namespace TreasureHunt.Pipeline.Entities;

/// <summary>
/// One item shard entity (<c>itemshard</c>): <c>apply</c> merges a partition's signal, <c>flush</c> writes the tail when
/// traffic stops; a failed write leaves the buffer sealed for a later batch, so no signal is lost. Shared by both hosts
/// (one instance per entity batch). Bounds: <see cref="ItemShardState"/>.
/// </summary>
public sealed class ItemShardEntity(
    IOptions<RollupOptions> options,
    ItemShardWriter writer,
    TreasureHunt.Core.Features.CompiledDefinitions definitions,
    TimeProvider time,
    PipelineMetrics metrics,
    ILogger<ItemShardEntity> logger) : TaskEntity<ItemShardState>
{
    public const string ApplyOperation = "apply";
    public const string FlushOperation = "flush";

    /// <summary>True once this batch sealed a buffer: that state is not committed yet, so this batch must not write it
    /// (a retry after a crash could seal different contents under the same number).</summary>
    private bool _sealedInThisBatch;

    public async Task<bool> Apply(ItemShardSignal signal)
    {
        ArgumentNullException.ThrowIfNull(signal);
        await WriteSealedAsync();
        var now = time.GetUtcNow();
        var applied = State.Apply(signal, now, definitions);
        if (applied && signal.SentAt is { } sentAt)
        {
            metrics.RecordEntityLag(RollupEntityNames.ItemShard, signal.SourcePartition, sentAt, now);
        }
        if (State.ShouldSeal(now, options.Value))
        {
            State.Seal();
            _sealedInThisBatch = true;
        }
        ScheduleTailFlush(now);
        return applied;
    }

    public async Task Flush()
    {
        var now = time.GetUtcNow();
        var delayed = State.TailFlushAt is { } due && due <= now + TimeSpan.FromSeconds(1);
        if (delayed) State.TailFlushAt = null;
        await WriteSealedAsync();
        if (State.Sealed is null && State.PendingCount > 0)
        {
            State.Seal(); // the tail: no newer signal is coming to seal it by age
            _sealedInThisBatch = true;
            if (delayed)
            {
                // The next batch writes it: signal one now rather than wait for the next delayed flush, so a tail is
                // written about ItemTailFlushSeconds after the shard's last signal, not twice that. Only the delayed
                // flush does this, so self-signals stay at most two per ItemTailFlushSeconds; the flush signalled now
                // schedules the next delayed one if anything is still unwritten then.
                Context.SignalEntity(Context.Id, FlushOperation);
                metrics.RecordEntitySelfSignal(RollupEntityNames.ItemShard);
                return;
            }
        }
        ScheduleTailFlush(now);
    }

    public ItemShardState Get() => State;

    protected override ItemShardState InitializeState(TaskEntityOperation entityOperation) => new();

    private async Task WriteSealedAsync()
    {
        if (State.Sealed is not { } buffer || _sealedInThisBatch) return;
        try
        {
            await writer.WriteAsync(Context.Id.Key, buffer, CancellationToken.None);
            State.Written(buffer.Number);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // Kept sealed: a later batch (the next signal, or the tail flush) writes it again, idempotently.
            logger.LogWarning(e, "Item shard {Shard}: writing buffer {Number} ({Items} items, {Keys} keys) failed; retried by a later batch", Context.Id.Key, buffer.Number, buffer.Items.Count, buffer.Keys?.Count ?? 0);
            metrics.RecordItemShardWriteFailure(Context.Id.Key);
        }
    }

    /// <summary>While anything is unwritten, keeps one delayed <c>flush</c> signal outstanding (at most one per
    /// <c>ItemTailFlushSeconds</c>), so the last buffer is written even if no partition signals this shard again.</summary>
    private void ScheduleTailFlush(DateTimeOffset now)
    {
        if (!State.HasUnwritten || State.TailFlushAt is { } at && at > now) return;
        var due = now + options.Value.ItemTailFlushDelay;
        Context.SignalEntity(Context.Id, FlushOperation, input: null, new SignalEntityOptions { SignalTime = due });
        State.TailFlushAt = due;
        metrics.RecordEntitySelfSignal(RollupEntityNames.ItemShard);
    }
}
