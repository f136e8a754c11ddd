using Azure;
using Azure.Data.Tables;
using TreasureHunt.Core.Costs;
using TreasureHunt.Core.Ports;

namespace TreasureHunt.Storage.Tables;

/// <summary>The <c>costledger</c> table: one row per invocation, PartitionKey = start hour (yyyyMMddHH), RowKey = invocation id.</summary>
public sealed class TableCostLedger(TableClient table) : ICostLedger
{
    /// <summary>The compact column form of <see cref="CostRecord.Features"/>.</summary>
    internal static class FeatureCosts
    {
        public static string Serialize(IReadOnlyDictionary<string, FeatureCost> features) =>
            System.Text.Json.JsonSerializer.Serialize(features.ToDictionary(kv => kv.Key, kv => new[] { kv.Value.Writes, kv.Value.Bytes, Math.Round(kv.Value.RequestUnits, 4) }));

        public static IReadOnlyDictionary<string, FeatureCost> Deserialize(string json) =>
            System.Text.Json.JsonSerializer.Deserialize<Dictionary<string, double[]>>(json)!
                .ToDictionary(kv => kv.Key, kv => new FeatureCost((long)kv.Value[0], (long)kv.Value[1], kv.Value[2]), StringComparer.Ordinal);
    }

    public Task WriteAsync(IReadOnlyList<CostRecord> records, CancellationToken cancellationToken) =>
        TableBatches.UpsertAsync(table, records.Select(ToEntity), cancellationToken);

    public async Task<IReadOnlyList<CostRecord>> QueryAsync(DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken)
    {
        var filter = TableClient.CreateQueryFilter(
            $"PartitionKey ge {HourKeys.Ascending(from)} and PartitionKey le {HourKeys.Ascending(to)} and Start ge {from} and Start lt {to}");
        var rows = await TableBatches.QueryAsync<CostEntity>(table, filter, max: null, cancellationToken);
        return rows.Select(FromEntity).ToList();
    }

    private static CostEntity ToEntity(CostRecord r) => new()
    {
        PartitionKey = HourKeys.Ascending(r.Start),
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
}
