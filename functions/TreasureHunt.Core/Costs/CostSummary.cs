namespace TreasureHunt.Core.Costs;

/// <summary>The answer of <c>GET /api/finops/cost</c>: totals over a time range and optional groups.</summary>
public sealed record CostSummary(
    DateTimeOffset From,
    DateTimeOffset To,
    long Invocations,
    long Events,
    double Ru,
    bool RuEstimated,
    CostBreakdown Usd,
    decimal? UsdPerMillionEvents,
    decimal QueryUsdPerHour,
    IReadOnlyList<CostGroup> Groups);

public sealed record CostGroup(string Key, long Invocations, long Events, double Ru, CostBreakdown Usd);

public enum CostGrouping
{
    None,
    Function,
    Hour,
    Feature,
}

/// <summary>One feature's share of the user document writes over a range (<c>GET /api/finops/cost?groupBy=feature</c>).</summary>
public sealed record FeatureCostGroup(string Feature, long Writes, long Bytes, double Ru, decimal CosmosUsd)
{
    public double BytesPerWrite => Writes == 0 ? 0 : (double)Bytes / Writes;
}

/// <summary>Summarises ledger totals: cost per million events counts every non-HTTP invocation (ingest, entities, timers);
/// query cost per hour is the HTTP invocations' cost divided by the hours of the range.</summary>
public static class CostSummarizer
{
    /// <summary>Summarises per-invocation records that started in [from, to).</summary>
    public static CostSummary Summarize(IEnumerable<CostRecord> records, DateTimeOffset from, DateTimeOffset to, CostGrouping grouping) =>
        Summarize(records.Where(r => r.Start >= from && r.Start < to).Select(CostTotal.From), from, to, grouping);

    /// <summary>Summarises totals (pre-aggregated rows or single invocations) that all lie in [from, to).</summary>
    public static CostSummary Summarize(IEnumerable<CostTotal> totals, DateTimeOffset from, DateTimeOffset to, CostGrouping grouping)
    {
        var rows = totals.ToList();
        var events = rows.Where(r => r.Trigger == "eventHub").Sum(r => r.Events);
        var processingUsd = rows.Where(r => r.Trigger != "http").Aggregate(CostBreakdown.Zero, (sum, r) => sum + r.Usd).Total;
        var queryUsd = rows.Where(r => r.Trigger == "http").Aggregate(CostBreakdown.Zero, (sum, r) => sum + r.Usd).Total;
        var hours = (decimal)Math.Max((to - from).TotalHours, 1.0 / 3600);
        var groups = grouping switch
        {
            CostGrouping.Function => Group(rows, r => r.Function),
            CostGrouping.Hour => Group(rows, r => CostPeriods.Floor(r.Start, CostPeriods.Hour).UtcDateTime.ToString("yyyy-MM-ddTHH:00:00Z", System.Globalization.CultureInfo.InvariantCulture)),
            _ => [],
        };
        return new CostSummary(
            from, to, rows.Sum(r => r.Invocations), events, rows.Sum(r => r.Ru), rows.Any(r => r.RuEstimated),
            rows.Aggregate(CostBreakdown.Zero, (sum, r) => sum + r.Usd),
            events > 0 ? processingUsd / events * 1_000_000m : null,
            queryUsd / hours,
            groups);
    }

    /// <summary>
    /// The user document writes attributed to features: each write's bytes per feature, and its estimated RU and Cosmos $
    /// split in proportion to the bytes (the rest of the document is <c>delivery</c> and <c>document</c>). Reads
    /// totals (pre-aggregated rows or single invocations) that all lie in the range, like <see cref="Summarize(IEnumerable{CostTotal}, DateTimeOffset, DateTimeOffset, CostGrouping)"/>.
    /// </summary>
    public static List<FeatureCostGroup> ByFeature(IEnumerable<CostTotal> totals)
    {
        IReadOnlyDictionary<string, FeatureCostTotal>? sum = null;
        foreach (var t in totals) sum = FeatureCostTotal.Sum(sum, t.Features);
        return (sum ?? new Dictionary<string, FeatureCostTotal>())
            .Select(kv => new FeatureCostGroup(kv.Key, kv.Value.Writes, kv.Value.Bytes, kv.Value.RequestUnits, kv.Value.CosmosUsd))
            .OrderByDescending(g => g.Ru).ThenBy(g => g.Feature, StringComparer.Ordinal).ToList();
    }

    private static List<CostGroup> Group(List<CostTotal> rows, Func<CostTotal, string> key) =>
        rows.GroupBy(key)
            .Select(g => new CostGroup(g.Key, g.Sum(r => r.Invocations), g.Sum(r => r.Events), g.Sum(r => r.Ru), g.Aggregate(CostBreakdown.Zero, (s, r) => s + r.Usd)))
            .OrderBy(g => g.Key, StringComparer.Ordinal)
            .ToList();
}
