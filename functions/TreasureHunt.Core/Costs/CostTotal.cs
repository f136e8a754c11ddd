namespace TreasureHunt.Core.Costs;

/// <summary>
/// The sum of the cost records of one function and trigger over a period starting at <see cref="Start"/> (a minute,
/// an hour, or a single invocation): what the pre-aggregated <c>costledger</c> rows hold and what
/// <see cref="CostSummarizer"/> adds up, with the per-feature attribution of their user document writes
/// (<see cref="Features"/>; null when they wrote none).
/// </summary>
public sealed record CostTotal(
    DateTimeOffset Start,
    string Function,
    string Trigger,
    long Invocations,
    long Events,
    double Ru,
    bool RuEstimated,
    CostBreakdown Usd,
    IReadOnlyDictionary<string, FeatureCostTotal>? Features = null)
{
    public static CostTotal From(CostRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        return new(record.Start, record.Function, record.Trigger, 1, record.Events, record.CosmosRu, record.RuEstimated, record.Usd, FeatureCostTotal.Of(record));
    }

    public CostTotal Add(CostRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        return this with
        {
            Invocations = Invocations + 1,
            Events = Events + record.Events,
            Ru = Ru + record.CosmosRu,
            RuEstimated = RuEstimated || record.RuEstimated,
            Usd = Usd + record.Usd,
            Features = FeatureCostTotal.Sum(Features, FeatureCostTotal.Of(record)),
        };
    }
}

/// <summary>The periods cost records are pre-aggregated over.</summary>
public static class CostPeriods
{
    public static readonly TimeSpan Minute = TimeSpan.FromMinutes(1);
    public static readonly TimeSpan Hour = TimeSpan.FromHours(1);

    public static DateTimeOffset Floor(DateTimeOffset time, TimeSpan period) =>
        new(time.UtcTicks - time.UtcTicks % period.Ticks, TimeSpan.Zero);

    public static DateTimeOffset Ceiling(DateTimeOffset time, TimeSpan period) =>
        Floor(time, period) == time ? time : Floor(time, period) + period;
}

/// <summary>
/// How <c>GET /api/finops/cost</c> answers [from, to) exactly in bounded time: whole hours from the hourly rows,
/// whole minutes of the (at most two) partial hours from the minute rows, and the (at most two) partial minutes
/// from the per-invocation rows. For a 31-day range: ≤ 744 hours, ≤ 118 minutes and ≤ 2 minutes of invocations.
/// </summary>
public sealed record CostRangePlan(
    IReadOnlyList<(DateTimeOffset From, DateTimeOffset To)> Hours,
    IReadOnlyList<(DateTimeOffset From, DateTimeOffset To)> Minutes,
    IReadOnlyList<(DateTimeOffset From, DateTimeOffset To)> Invocations)
{
    public static CostRangePlan For(DateTimeOffset from, DateTimeOffset to)
    {
        var hours = new List<(DateTimeOffset, DateTimeOffset)>();
        var minutes = new List<(DateTimeOffset, DateTimeOffset)>();
        var invocations = new List<(DateTimeOffset, DateTimeOffset)>();
        if (from >= to) return new(hours, minutes, invocations);
        var hourFrom = CostPeriods.Ceiling(from, CostPeriods.Hour);
        var hourTo = CostPeriods.Floor(to, CostPeriods.Hour);
        if (hourFrom < hourTo)
        {
            hours.Add((hourFrom, hourTo));
            SplitMinutes(from, hourFrom, minutes, invocations);
            SplitMinutes(hourTo, to, minutes, invocations);
        }
        else
        {
            SplitMinutes(from, to, minutes, invocations);
        }
        return new(hours, minutes, invocations);
    }

    private static void SplitMinutes(DateTimeOffset from, DateTimeOffset to, List<(DateTimeOffset, DateTimeOffset)> minutes, List<(DateTimeOffset, DateTimeOffset)> invocations)
    {
        if (from >= to) return;
        var minuteFrom = CostPeriods.Ceiling(from, CostPeriods.Minute);
        var minuteTo = CostPeriods.Floor(to, CostPeriods.Minute);
        if (minuteFrom < minuteTo)
        {
            minutes.Add((minuteFrom, minuteTo));
            if (from < minuteFrom) invocations.Add((from, minuteFrom));
            if (minuteTo < to) invocations.Add((minuteTo, to));
        }
        else
        {
            invocations.Add((from, to));
        }
    }
}
