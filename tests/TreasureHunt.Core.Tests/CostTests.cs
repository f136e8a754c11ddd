using TreasureHunt.Core.Costs;
using static TreasureHunt.Core.Tests.TestData;

namespace TreasureHunt.Core.Tests;

public class CostTests
{
    private static readonly CostModel Model = new(new PriceTable());

    [Fact]
    public void Compute_is_gb_seconds_times_the_price()
    {
        // 1000 ms at 2048 MB = 2 GB-s; 2 × $0.000026 = $0.000052.
        var cost = Model.Price(durationMs: 1000, memoryMb: 2048, requestUnits: 0, ingressEvents: 0);
        Assert.Equal(0.000052m, cost.Compute);
        Assert.Equal(0.0000004m, cost.Executions); // $0.40 per million executions
        Assert.Equal(0m, cost.Cosmos);
        Assert.Equal(0m, cost.EventHubs);
        Assert.Equal(0.0000524m, cost.Total);

        Assert.Equal(0.0000065m, Model.Price(250, 1024, 0, 0).Compute); // 0.25 GB-s
    }

    [Fact]
    public void Cosmos_and_event_hubs_are_priced_per_million()
    {
        var cost = Model.Price(durationMs: 0, memoryMb: 2048, requestUnits: 2_000_000, ingressEvents: 5_000_000);
        Assert.Equal(0.50m, cost.Cosmos);      // 2 M RU × $0.25
        Assert.Equal(0.140m, cost.EventHubs);  // 5 M events × $0.028
        Assert.Equal(0m, cost.Compute);
        Assert.Equal(0.6400004m, cost.Total);
    }

    [Fact]
    public void Prices_are_configurable()
    {
        var model = new CostModel(new PriceTable { ComputeUsdPerGbSecond = 1m, ExecutionsUsdPerMillion = 0m, CosmosUsdPerMillionRu = 1_000_000m, EventHubsUsdPerMillionEvents = 2_000_000m });
        Assert.Equal(new CostBreakdown(0.5m, 0m, 3m, 8m), model.Price(500, 1024, 3, 4));
        Assert.Throws<ArgumentNullException>(() => new CostModel(null!));
    }

    [Fact]
    public void Breakdowns_add_up()
    {
        var sum = new CostBreakdown(1, 2, 3, 4) + new CostBreakdown(0.5m, 0.5m, 0.5m, 0.5m);
        Assert.Equal(new CostBreakdown(1.5m, 2.5m, 3.5m, 4.5m), sum);
        Assert.Equal(12m, sum.Total);
        Assert.Equal(0m, CostBreakdown.Zero.Total);
    }

    // Microsoft's documented RU by document size (learn.microsoft.com/azure/cosmos-db/understand-request-unit-consumption).
    [Theory]
    [InlineData(0, 4.95)]
    [InlineData(512, 4.95)]
    [InlineData(1024, 4.95)]
    [InlineData(1536, 5.62)]
    [InlineData(2048, 6.29)]
    [InlineData(4096, 6.67)]
    [InlineData(8192, 7.04)]
    [InlineData(12 * 1024, 8.28)]
    [InlineData(16 * 1024, 9.52)]
    [InlineData(32 * 1024, 11.23)]
    [InlineData(64 * 1024, 22.67)]
    [InlineData(128 * 1024, 48.19)] // was about 16 when the 4–8 KB slope was extended
    [InlineData(256 * 1024, 98.29)]
    [InlineData(512 * 1024, 184.57)]
    [InlineData(1024 * 1024, 625.0)]
    [InlineData(2 * 1024 * 1024, 1250.0)]
    [InlineData(3 * 1024 * 1024, 1875.0)] // beyond Cosmos DB's 2 MB item limit: the last slope
    public void Write_request_units_follow_the_documented_table(long bytes, double ru)
    {
        Assert.Equal(ru, RequestUnitEstimator.Write(bytes), 10);
    }

    [Theory]
    [InlineData(0, 1.0)]
    [InlineData(100, 1.0)]
    [InlineData(1024, 1.0)]
    [InlineData(2048, 1.04)]
    [InlineData(8192, 1.33)]
    [InlineData(96 * 1024, 7.355)]
    [InlineData(128 * 1024, 9.95)]
    [InlineData(1024 * 1024, 145.9)]
    [InlineData(2 * 1024 * 1024, 291.8)]
    public void Read_request_units_follow_the_documented_table(long bytes, double ru)
    {
        Assert.Equal(ru, RequestUnitEstimator.Read(bytes), 10);
    }

    [Fact]
    public void Estimates_grow_with_size()
    {
        var (read, write) = (0.0, 0.0);
        for (long bytes = 0; bytes <= 2 * 1024 * 1024; bytes += 997)
        {
            Assert.True(RequestUnitEstimator.Read(bytes) >= read && RequestUnitEstimator.Write(bytes) >= write, $"{bytes} bytes");
            (read, write) = (RequestUnitEstimator.Read(bytes), RequestUnitEstimator.Write(bytes));
        }
    }

    [Fact]
    public void A_query_page_is_a_read_plus_one()
    {
        Assert.Equal(2.0, RequestUnitEstimator.Query(0));
        Assert.Equal(10.95, RequestUnitEstimator.Query(128 * 1024), 10);
    }

    private static readonly DateTimeOffset From = Utc("2026-11-27T10:00:00Z");

    private static CostRecord Record(string function, string trigger, DateTimeOffset start, long events, decimal usd, double ru = 0, bool estimated = false) => new()
    {
        InvocationId = Guid.NewGuid().ToString(),
        Function = function,
        Trigger = trigger,
        Start = start,
        DurationMs = 10,
        Events = events,
        CosmosRu = ru,
        RuEstimated = estimated,
        Usd = new CostBreakdown(usd, 0, 0, 0),
    };

    private static List<CostRecord> Ledger() =>
    [
        Record("ingest", "eventHub", From.AddMinutes(5), 1000, 0.010m, ru: 50),
        Record("ingest", "eventHub", From.AddMinutes(70), 3000, 0.020m, ru: 70, estimated: true),
        Record("itemshard", "entity", From.AddMinutes(71), 0, 0.006m, ru: 5),
        Record("flush", "timer", From.AddMinutes(90), 0, 0.004m),
        Record("leaderboard", "http", From.AddMinutes(10), 0, 0.003m, ru: 3),
        Record("user", "http", From.AddMinutes(100), 0, 0.001m, ru: 1),
        Record("ingest", "eventHub", From.AddHours(2), 5000, 1m),     // at the end of the range: excluded
        Record("ingest", "eventHub", From.AddSeconds(-1), 5000, 1m),  // before the range: excluded
    ];

    [Fact]
    public void Summary_prices_processing_per_million_events_and_queries_per_hour()
    {
        var summary = CostSummarizer.Summarize(Ledger(), From, From.AddHours(2), CostGrouping.None);

        Assert.Equal(6, summary.Invocations);
        Assert.Equal(4000, summary.Events);
        Assert.Equal(129.0, summary.Ru);
        Assert.True(summary.RuEstimated);
        Assert.Equal(0.044m, summary.Usd.Total);
        // Processing = everything but HTTP: (0.010 + 0.020 + 0.006 + 0.004) / 4000 events × 1e6 = $10 per million.
        Assert.Equal(10m, summary.UsdPerMillionEvents);
        // Queries: $0.004 over 2 hours.
        Assert.Equal(0.002m, summary.QueryUsdPerHour);
        Assert.Empty(summary.Groups);
        Assert.Equal((From, From.AddHours(2)), (summary.From, summary.To));
    }

    [Fact]
    public void Feature_attribution_summed_into_period_totals_equals_the_attribution_of_the_invocations()
    {
        // Invocations over 3 hours with different RU and Cosmos $, summed per hour as the ledger's hour rows are.
        var records = Enumerable.Range(0, 90).Select(i => new CostRecord
        {
            InvocationId = $"inv-{i}",
            Function = "ingest",
            Trigger = "eventHub",
            Start = From.AddMinutes(i * 2),
            DurationMs = 10,
            CosmosRu = 10 + i,
            Usd = new CostBreakdown(0, 0, 0.001m * (i + 1), 0),
            Features = i % 3 == 0 ? null : new Dictionary<string, FeatureCost> { ["events"] = new(2, 300 + i, 4 + i * 0.5), ["value"] = new(2, 50, 1) },
        }).ToList();
        var hourRows = records.GroupBy(r => CostPeriods.Floor(r.Start, CostPeriods.Hour))
            .Select(g => g.Skip(1).Aggregate(CostTotal.From(g.First()) with { Start = g.Key }, (t, r) => t.Add(r))).ToList();

        var fromRows = CostSummarizer.ByFeature(hourRows);
        var fromInvocations = CostSummarizer.ByFeature(records.Select(CostTotal.From));

        Assert.Equal(3, hourRows.Count);
        Assert.Equal(["events", "value"], fromRows.Select(f => f.Feature));
        Assert.Equal(fromInvocations.Select(f => (f.Feature, f.Writes, f.Bytes)), fromRows.Select(f => (f.Feature, f.Writes, f.Bytes)));
        Assert.Equal(fromInvocations.Select(f => Math.Round(f.Ru, 6)), fromRows.Select(f => Math.Round(f.Ru, 6)));
        Assert.Equal(fromInvocations.Select(f => Math.Round(f.CosmosUsd, 12)), fromRows.Select(f => Math.Round(f.CosmosUsd, 12)));
        // The value feature: 60 invocations with 2 writes, 50 bytes and 1 RU, each 1/(10 + i) of that invocation's Cosmos $.
        var value = fromRows.Single(f => f.Feature == "value");
        Assert.Equal((120L, 3000L, 60.0), (value.Writes, value.Bytes, value.Ru));
        Assert.Equal(Math.Round(records.Where(r => r.Features is not null).Sum(r => r.Usd.Cosmos / (decimal)r.CosmosRu), 12), Math.Round(value.CosmosUsd, 12));
    }

    [Fact]
    public void Summary_without_events_has_no_cost_per_million()
    {
        var summary = CostSummarizer.Summarize([Record("user", "http", From, 0, 0.5m)], From, From.AddMinutes(30), CostGrouping.None);
        Assert.Null(summary.UsdPerMillionEvents);
        Assert.Equal(1m, summary.QueryUsdPerHour);
        Assert.False(summary.RuEstimated);
    }

    [Fact]
    public void Summary_groups_by_function()
    {
        var groups = CostSummarizer.Summarize(Ledger(), From, From.AddHours(2), CostGrouping.Function).Groups;

        Assert.Equal(["flush", "ingest", "itemshard", "leaderboard", "user"], groups.Select(g => g.Key));
        var ingest = groups.Single(g => g.Key == "ingest");
        Assert.Equal((2L, 4000L, 120.0, 0.030m), (ingest.Invocations, ingest.Events, ingest.Ru, ingest.Usd.Total));
    }

    [Fact]
    public void Summary_groups_by_utc_hour()
    {
        var groups = CostSummarizer.Summarize(Ledger(), From, From.AddHours(2), CostGrouping.Hour).Groups;

        Assert.Equal(["2026-11-27T10:00:00Z", "2026-11-27T11:00:00Z"], groups.Select(g => g.Key));
        Assert.Equal((2L, 1000L, 0.013m), (groups[0].Invocations, groups[0].Events, groups[0].Usd.Total));
        Assert.Equal((4L, 3000L, 0.031m), (groups[1].Invocations, groups[1].Events, groups[1].Usd.Total));
    }

    [Fact]
    public void Hour_groups_use_utc_whatever_the_offset_of_the_record()
    {
        var record = Record("ingest", "eventHub", Utc("2026-11-27T12:30:00+02:00"), 1, 0.1m);
        var groups = CostSummarizer.Summarize([record], From, From.AddHours(2), CostGrouping.Hour).Groups;
        Assert.Equal("2026-11-27T10:00:00Z", groups.Single().Key);
    }

    [Fact]
    public void Invocation_usage_is_ambient_per_scope()
    {
        Assert.Null(InvocationUsage.Current);
        using (InvocationUsage.Begin(out var outer))
        {
            outer.AddEvents(10);
            using (InvocationUsage.Begin(out var inner))
            {
                Assert.Same(inner, InvocationUsage.Current);
                InvocationUsage.Current!.AddRequestUnits(charged: 1, estimated: 6.3);
                inner.AddStoreWrite();
            }
            Assert.Same(outer, InvocationUsage.Current);
            outer.AddRequestUnits(charged: 4, estimated: null);
            outer.AddTableOperations(2);
            outer.AddEntitySignals(3);
            outer.AddStoreRead();
            Assert.Equal((10L, 4.0, 4.0, false), (outer.Events, outer.RequestUnits, outer.ChargedRequestUnits, outer.RequestUnitsEstimated));
            Assert.Equal((2L, 3L, 1L, 0L), (outer.TableOperations, outer.EntitySignals, outer.StoreReads, outer.StoreWrites));
        }
        Assert.Null(InvocationUsage.Current);
    }

    [Fact]
    public void Estimated_request_units_are_flagged()
    {
        using var scope = InvocationUsage.Begin(out var usage);
        usage.AddRequestUnits(charged: 1, estimated: 6.3);
        usage.AddRequestUnits(charged: 1, estimated: 5);
        Assert.Equal((11.3, 2.0, true), (usage.RequestUnits, usage.ChargedRequestUnits, usage.RequestUnitsEstimated));
    }
}
