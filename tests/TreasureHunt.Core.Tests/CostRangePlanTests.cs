using TreasureHunt.Core.Costs;

namespace TreasureHunt.Core.Tests;

/// <summary>The cost query's plan: whole hours from hour rows, whole minutes from minute rows, partial minutes from invocations.</summary>
public sealed class CostRangePlanTests
{
    private static DateTimeOffset T(string s) => DateTimeOffset.Parse(s, System.Globalization.CultureInfo.InvariantCulture);

    [Fact]
    public void A_31_day_range_reads_at_most_744_hours_118_minutes_and_2_partial_minutes()
    {
        var from = T("2026-10-27T13:30:20Z");
        var plan = CostRangePlan.For(from, from.AddDays(31));

        Assert.Equal([(T("2026-10-27T14:00:00Z"), T("2026-11-27T13:00:00Z"))], plan.Hours);
        Assert.Equal([(T("2026-10-27T13:31:00Z"), T("2026-10-27T14:00:00Z")), (T("2026-11-27T13:00:00Z"), T("2026-11-27T13:30:00Z"))], plan.Minutes);
        Assert.Equal([(from, T("2026-10-27T13:31:00Z")), (T("2026-11-27T13:30:00Z"), from.AddDays(31))], plan.Invocations);
        Assert.True(plan.Hours.Sum(h => (h.To - h.From).TotalHours) <= 744);
        Assert.True(plan.Minutes.Sum(m => (m.To - m.From).TotalMinutes) <= 118);
    }

    [Theory]
    [InlineData("2026-11-27T13:00:00Z", "2026-11-27T15:00:00Z", 2, 0, 0)]
    [InlineData("2026-11-27T13:05:00Z", "2026-11-27T13:50:00Z", 0, 45, 0)]
    [InlineData("2026-11-27T13:05:30Z", "2026-11-27T13:05:40Z", 0, 0, 10)]
    [InlineData("2026-11-27T13:59:30Z", "2026-11-27T14:00:30Z", 0, 0, 60)]
    [InlineData("2026-11-27T12:30:00Z", "2026-11-27T14:10:00Z", 1, 40, 0)]
    public void Every_instant_of_the_range_is_covered_exactly_once(string fromText, string toText, double hours, double minutes, double invocationSeconds)
    {
        var (from, to) = (T(fromText), T(toText));
        var plan = CostRangePlan.For(from, to);
        var parts = plan.Hours.Concat(plan.Minutes).Concat(plan.Invocations).OrderBy(p => p.From).ToList();

        Assert.Equal(from, parts[0].From);
        Assert.Equal(to, parts[^1].To);
        for (var i = 1; i < parts.Count; i++) Assert.Equal(parts[i - 1].To, parts[i].From);
        Assert.Equal(hours, plan.Hours.Sum(h => (h.To - h.From).TotalHours));
        Assert.Equal(minutes, plan.Minutes.Sum(m => (m.To - m.From).TotalMinutes));
        Assert.Equal(invocationSeconds, plan.Invocations.Sum(m => (m.To - m.From).TotalSeconds));
    }

    [Fact]
    public void Totals_summarise_like_the_invocations_they_add_up()
    {
        var from = T("2026-11-27T10:00:00Z");
        var records = Enumerable.Range(0, 50).Select(i => new CostRecord
        {
            InvocationId = $"i{i}",
            Function = i % 3 == 0 ? "leaderboard" : "ingest",
            Trigger = i % 3 == 0 ? "http" : "eventHub",
            Start = from.AddMinutes(i * 2.3),
            DurationMs = 5,
            Events = i % 3 == 0 ? 0 : 100 + i,
            CosmosRu = i,
            RuEstimated = i == 7,
            Usd = new CostBreakdown(0.001m * i, 0.0000004m, 0.00001m * i, 0.0000028m),
        }).ToList();
        var byMinute = records.GroupBy(r => (CostPeriods.Floor(r.Start, CostPeriods.Minute), r.Function, r.Trigger))
            .Select(g => g.Skip(1).Aggregate(CostTotal.From(g.First()) with { Start = g.Key.Item1 }, (t, r) => t.Add(r)));

        foreach (var grouping in Enum.GetValues<CostGrouping>())
        {
            var exact = CostSummarizer.Summarize(records, from, from.AddHours(2), grouping);
            var fromTotals = CostSummarizer.Summarize(byMinute, from, from.AddHours(2), grouping);
            Assert.Equal(exact with { Groups = [] }, fromTotals with { Groups = [] });
            Assert.Equal(exact.Groups, fromTotals.Groups);
        }
    }
}
