using System.Threading.Channels;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using TreasureHunt.Core.Costs;
using TreasureHunt.Core.Ports;

namespace TreasureHunt.Pipeline.FinOps;

/// <summary>
/// Buffers cost records and writes them to the ledger in batches from a background loop, so recording a cost
/// never slows down or fails an invocation. Beside the per-invocation rows it writes this writer's per-minute and
/// per-hour totals (<see cref="CostTotalsAccumulator"/>), which answer the cost query in bounded time. A failed write
/// is retried on the next round (rows are replaced, never added twice); when the buffer is full new records are
/// dropped and counted in the log (the ledger is telemetry, not data of record).
/// </summary>
public sealed class CostLedgerBuffer(ICostLedger ledger, IOptions<FinOpsOptions> options, TimeProvider time, ILogger<CostLedgerBuffer> logger) : BackgroundService
{
    // One writer id per buffer (process): only this buffer writes its minute and hour rows.
    private readonly CostTotalsAccumulator _totals = new($"{Environment.MachineName}-{Environment.ProcessId}-{Guid.NewGuid():N}"[..^24]);
    private readonly SemaphoreSlim _writing = new(1, 1);
    private readonly Channel<CostRecord> _channel = Channel.CreateBounded<CostRecord>(new BoundedChannelOptions(options.Value.LedgerMaxBuffered)
    {
        FullMode = BoundedChannelFullMode.DropWrite,
        SingleReader = true,
    });
    private long _dropped;
    private long _written;

    public long Written => Interlocked.Read(ref _written);

    public void Enqueue(CostRecord record)
    {
        if (!_channel.Writer.TryWrite(record))
        {
            var dropped = Interlocked.Increment(ref _dropped);
            if (dropped == 1 || dropped % 1000 == 0)
            {
                logger.LogWarning("Cost ledger buffer is full: {Dropped} records dropped so far", dropped);
            }
        }
    }

    /// <summary>Writes everything buffered now (used on shutdown and by tests).</summary>
    public async Task FlushAsync(CancellationToken cancellationToken)
    {
        var batch = new List<CostRecord>();
        while (_channel.Reader.TryRead(out var record))
        {
            batch.Add(record);
            if (batch.Count >= options.Value.LedgerFlushBatchSize)
            {
                await WriteAsync(batch, cancellationToken);
                batch.Clear();
            }
        }
        if (batch.Count > 0)
        {
            await WriteAsync(batch, cancellationToken);
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var interval = TimeSpan.FromSeconds(options.Value.LedgerFlushIntervalSeconds);
        var pending = new List<CostRecord>();
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                using var wait = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
                wait.CancelAfter(interval);
                while (pending.Count < options.Value.LedgerFlushBatchSize && await _channel.Reader.WaitToReadAsync(wait.Token))
                {
                    while (pending.Count < options.Value.LedgerFlushBatchSize && _channel.Reader.TryRead(out var record))
                    {
                        pending.Add(record);
                    }
                }
            }
            catch (OperationCanceledException) when (!stoppingToken.IsCancellationRequested)
            {
                // the interval elapsed: write what we have
            }
            catch (OperationCanceledException)
            {
                break;
            }
            if (pending.Count > 0 && await TryWriteAsync(pending, stoppingToken))
            {
                pending.Clear();
            }
        }
        if (pending.Count > 0)
        {
            await TryWriteAsync(pending, CancellationToken.None);
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        try
        {
            await FlushAsync(cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            logger.LogWarning(e, "Could not flush the cost ledger on shutdown");
        }
    }

    private async Task<bool> TryWriteAsync(List<CostRecord> batch, CancellationToken cancellationToken)
    {
        try
        {
            await WriteAsync(batch, cancellationToken);
            return true;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // The ledger must never fail an invocation: keep the records and try again next round.
            logger.LogWarning(e, "Writing {Count} cost records failed; retrying later", batch.Count);
            return false;
        }
    }

    /// <summary>
    /// Writes a batch's invocation rows and the totals it changed. The batch is added to the totals once (the first
    /// attempt); a retry after a failure rewrites the same absolute totals.
    /// </summary>
    private async Task WriteAsync(List<CostRecord> batch, CancellationToken cancellationToken)
    {
        await _writing.WaitAsync(cancellationToken);
        try
        {
            foreach (var record in batch)
            {
                if (_totalled.Add(record)) _totals.Add(record);
            }
            await ledger.WriteAsync(batch, cancellationToken);
            var dirty = _totals.Dirty();
            foreach (var (writer, period, totals) in dirty)
            {
                await ledger.WriteTotalsAsync(writer, period, totals, cancellationToken);
            }
            _totals.MarkWritten(dirty, time.GetUtcNow());
            _totalled.ExceptWith(batch);
            Interlocked.Add(ref _written, batch.Count);
        }
        finally
        {
            _writing.Release();
        }
    }

    // Records already added to the totals whose write has not succeeded yet (a retry must not add them again).
    private readonly HashSet<CostRecord> _totalled = new(ReferenceEqualityComparer.Instance);
}
