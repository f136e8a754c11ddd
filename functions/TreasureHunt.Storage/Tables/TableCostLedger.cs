using System.Globalization;
using Azure;
using Azure.Data.Tables;
using TreasureHunt.Core.Costs;
using TreasureHunt.Core.Ports;
using TreasureHunt.Core.Rollups;

namespace TreasureHunt.Storage.Tables;

/// <summary>
/// The <c>costledger</c> table: a row per invocation (hour partitions split into buckets) and per-minute and per-hour
/// totals per writer, so a range query reads few rows. Row layout: docs/internals.md#cost-ledger.
/// </summary>
internal sealed class TableCostLedger(TableClient table) : ICostLedger
{
    public const int Buckets = 16;
    private const string MinutePrefix = "m-", HourPrefix = "h-";

    /// <summary>The compact column form of <see cref="CostRecord.Features"/>.</summary>
    internal static class FeatureCosts
    {
        public static string Serialize(IReadOnlyDictionary<string, FeatureCost> features) =>
            System.Text.Json.JsonSerializer.Serialize(features.ToDictionary(kv => kv.Key, kv => new[] { kv.Value.Writes, kv.Value.Bytes, Math.Round(kv.Value.RequestUnits, 4) }));

        public static IReadOnlyDictionary<string, FeatureCost> Deserialize(string json) =>
            System.Text.Json.JsonSerializer.Deserialize<Dictionary<string, double[]>>(json)!
                .ToDictionary(kv => kv.Key, kv => new FeatureCost((long)kv.Value[0], (long)kv.Value[1], kv.Value[2]), StringComparer.Ordinal);

        /// <summary>A minute or hour row's feature sums: {"feature": [writes, bytes, ru, cosmosUsd]}.</summary>
        public static string SerializeTotals(IReadOnlyDictionary<string, FeatureCostTotal> features) =>
            System.Text.Json.JsonSerializer.Serialize(features.ToDictionary(kv => kv.Key, kv => new[] { kv.Value.Writes, kv.Value.Bytes, Math.Round(kv.Value.RequestUnits, 4), (double)kv.Value.CosmosUsd }));

        public static IReadOnlyDictionary<string, FeatureCostTotal> DeserializeTotals(string json) =>
            System.Text.Json.JsonSerializer.Deserialize<Dictionary<string, double[]>>(json)!
                .ToDictionary(kv => kv.Key, kv => new FeatureCostTotal((long)kv.Value[0], (long)kv.Value[1], kv.Value[2], (decimal)kv.Value[3]), StringComparer.Ordinal);
    }

    public Task WriteAsync(IReadOnlyList<CostRecord> records, CancellationToken cancellationToken) =>
        TableBatches.UpsertAsync(table, records.Select(ToEntity), cancellationToken);

    public Task WriteTotalsAsync(string writer, TimeSpan period, IReadOnlyList<CostTotal> totals, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(writer);
        if (period != CostPeriods.Minute && period != CostPeriods.Hour) throw new ArgumentOutOfRangeException(nameof(period), "a minute or an hour");
        return TableBatches.UpsertAsync(table, totals.Select(t => ToEntity(t, writer, period)), cancellationToken);
    }

    public async Task<IReadOnlyList<CostRecord>> QueryAsync(DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken)
    {
        var rows = await TableBatches.QueryAsync<CostEntity>(table, InvocationFilter(from, to), max: null, cancellationToken);
        return rows.Select(FromEntity).ToList();
    }

    public async Task<IReadOnlyList<CostTotal>> QueryTotalsAsync(DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken)
    {
        var plan = CostRangePlan.For(from, to);
        var totals = new List<CostTotal>();
        foreach (var (a, b) in plan.Hours)
        {
            var filter = TableClient.CreateQueryFilter(
                $"PartitionKey ge {HourPrefix + Day(a)} and PartitionKey le {HourPrefix + Day(b.AddTicks(-1))} and RowKey ge {Hour(a)} and RowKey lt {Hour(b)}");
            totals.AddRange((await TableBatches.QueryAsync<TotalEntity>(table, filter, max: null, cancellationToken)).Select(FromEntity));
        }
        foreach (var (a, b) in plan.Minutes)
        {
            var filter = TableClient.CreateQueryFilter(
                $"PartitionKey ge {MinutePrefix + Hour(a)} and PartitionKey le {MinutePrefix + Hour(b.AddTicks(-1))} and RowKey ge {Minute(a)} and RowKey lt {Minute(b)}");
            totals.AddRange((await TableBatches.QueryAsync<TotalEntity>(table, filter, max: null, cancellationToken)).Select(FromEntity));
        }
        foreach (var (a, b) in plan.Invocations)
        {
            totals.AddRange((await TableBatches.QueryAsync<CostEntity>(table, InvocationFilter(a, b), max: null, cancellationToken)).Select(e => CostTotal.From(FromEntity(e))));
        }
        return totals;
    }

    public async Task<long> DeleteOlderThanAsync(DateTimeOffset cutoff, CancellationToken cancellationToken)
    {
        var hour = Hour(cutoff);
        return await TableRetention.DeleteAsync(table, TableClient.CreateQueryFilter($"PartitionKey lt {hour}"), cancellationToken)
            + await TableRetention.DeleteAsync(table, TableClient.CreateQueryFilter($"PartitionKey ge {MinutePrefix} and PartitionKey lt {MinutePrefix + hour}"), cancellationToken)
            + await TableRetention.DeleteAsync(table, TableClient.CreateQueryFilter($"PartitionKey ge {HourPrefix} and PartitionKey le {HourPrefix + Day(cutoff)} and RowKey lt {hour}"), cancellationToken);
    }

    /// <summary>The partition key of an invocation row.</summary>
    public static string PartitionKeyOf(CostRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        return $"{Hour(record.Start)}-{ShardRouting.StableHash(record.InvocationId) % Buckets:D2}";
    }

    private static string InvocationFilter(DateTimeOffset from, DateTimeOffset to) =>
        // '~' sorts after every digit: "2026030212-~" is above every bucket of that hour, below the m-/h- rows.
        TableClient.CreateQueryFilter($"PartitionKey ge {Hour(from)} and PartitionKey le {Hour(to.AddTicks(-1)) + "-~"} and Start ge {from} and Start lt {to}");

    private static string Day(DateTimeOffset t) => t.UtcDateTime.ToString("yyyyMMdd", CultureInfo.InvariantCulture);

    private static string Hour(DateTimeOffset t) => HourKeys.Ascending(t);

    private static string Minute(DateTimeOffset t) => t.UtcDateTime.ToString("yyyyMMddHHmm", CultureInfo.InvariantCulture);

    private static TotalEntity ToEntity(CostTotal t, string writer, TimeSpan period)
    {
        var minute = period == CostPeriods.Minute;
        var start = CostPeriods.Floor(t.Start, period);
        return new()
        {
            PartitionKey = minute ? MinutePrefix + Hour(start) : HourPrefix + Day(start),
            RowKey = $"{(minute ? Minute(start) : Hour(start))}|{t.Trigger}|{t.Function}|{writer}",
            Function = t.Function,
            Trigger = t.Trigger,
            Start = start,
            Invocations = t.Invocations,
            Events = t.Events,
            CosmosRu = t.Ru,
            RuEstimated = t.RuEstimated,
            UsdCompute = (double)t.Usd.Compute,
            UsdExecutions = (double)t.Usd.Executions,
            UsdCosmos = (double)t.Usd.Cosmos,
            UsdEventHubs = (double)t.Usd.EventHubs,
            Features = t.Features is { Count: > 0 } features ? FeatureCosts.SerializeTotals(features) : null,
        };
    }

    private static CostTotal FromEntity(TotalEntity e) => new(
        e.Start, e.Function, e.Trigger, e.Invocations, e.Events, e.CosmosRu, e.RuEstimated,
        new CostBreakdown((decimal)e.UsdCompute, (decimal)e.UsdExecutions, (decimal)e.UsdCosmos, (decimal)e.UsdEventHubs),
        e.Features is { Length: > 0 } features ? FeatureCosts.DeserializeTotals(features) : null);

    private static CostEntity ToEntity(CostRecord r) => new()
    {
        PartitionKey = PartitionKeyOf(r),
        RowKey = r.InvocationId,
        Function = r.Function,
        Trigger = r.Trigger,
        Start = r.Start,
        DurationMs = r.DurationMs,
        Events = r.Events,
        CosmosRu = r.CosmosRu,
        RuEstimated = r.RuEstimated,
        TableOps = r.TableOps,
        EntitySignals = r.EntitySignals,
        StoreWrites = r.StoreWrites,
        MemoryMb = r.MemoryMb,
        Succeeded = r.Succeeded,
        // Table storage has no decimal type: USD amounts are stored as doubles (ample for telemetry).
        UsdCompute = (double)r.Usd.Compute,
        UsdExecutions = (double)r.Usd.Executions,
        UsdCosmos = (double)r.Usd.Cosmos,
        UsdEventHubs = (double)r.Usd.EventHubs,
        UsdTotal = (double)r.Usd.Total,
        Features = r.Features is { Count: > 0 } features ? FeatureCosts.Serialize(features) : null,
    };

    private static CostRecord FromEntity(CostEntity e) => new()
    {
        InvocationId = e.RowKey,
        Function = e.Function,
        Trigger = e.Trigger,
        Start = e.Start,
        DurationMs = e.DurationMs,
        Events = e.Events,
        CosmosRu = e.CosmosRu,
        RuEstimated = e.RuEstimated,
        TableOps = e.TableOps,
        EntitySignals = e.EntitySignals,
        StoreWrites = e.StoreWrites,
        MemoryMb = e.MemoryMb,
        Succeeded = e.Succeeded,
        Usd = new CostBreakdown((decimal)e.UsdCompute, (decimal)e.UsdExecutions, (decimal)e.UsdCosmos, (decimal)e.UsdEventHubs),
        Features = e.Features is { Length: > 0 } features ? FeatureCosts.Deserialize(features) : null,
    };

    private sealed class CostEntity : ITableEntity
    {
        public string PartitionKey { get; set; } = "";
        public string RowKey { get; set; } = "";
        public DateTimeOffset? Timestamp { get; set; }
        public ETag ETag { get; set; }
        public string Function { get; set; } = "";
        public string Trigger { get; set; } = "";
        public DateTimeOffset Start { get; set; }
        public double DurationMs { get; set; }
        public long Events { get; set; }
        public double CosmosRu { get; set; }
        public bool RuEstimated { get; set; }
        public long TableOps { get; set; }
        public long EntitySignals { get; set; }
        public long StoreWrites { get; set; }
        public int MemoryMb { get; set; }
        public bool Succeeded { get; set; }
        public double UsdCompute { get; set; }
        public double UsdExecutions { get; set; }
        public double UsdCosmos { get; set; }
        public double UsdEventHubs { get; set; }
        public double UsdTotal { get; set; }
        /// <summary>Per-feature attribution of user document writes, JSON {"feature": [writes, bytes, ru]} (bounded by the number of features).</summary>
        public string? Features { get; set; }
    }

    private sealed class TotalEntity : ITableEntity
    {
        public string PartitionKey { get; set; } = "";
        public string RowKey { get; set; } = "";
        public DateTimeOffset? Timestamp { get; set; }
        public ETag ETag { get; set; }
        public string Function { get; set; } = "";
        public string Trigger { get; set; } = "";
        public DateTimeOffset Start { get; set; }
        public long Invocations { get; set; }
        public long Events { get; set; }
        public double CosmosRu { get; set; }
        public bool RuEstimated { get; set; }
        public double UsdCompute { get; set; }
        public double UsdExecutions { get; set; }
        public double UsdCosmos { get; set; }
        public double UsdEventHubs { get; set; }
        /// <summary>Per-feature sums of the period's user document writes, JSON {"feature": [writes, bytes, ru, cosmosUsd]}
        /// (bounded by the number of features); absent in rows written before it existed.</summary>
        public string? Features { get; set; }
    }
}
