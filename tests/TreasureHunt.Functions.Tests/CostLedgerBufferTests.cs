using Moq;
using TreasureHunt.Core.Costs;
using TreasureHunt.Functions.Tests.Fakes;

namespace TreasureHunt.Functions.Tests;

/// <summary>The ledger buffer writes per-minute and per-hour totals beside the invocation rows, exactly once per record.</summary>
public sealed class CostLedgerBufferTests
{
    private static CostRecord Record(string function, DateTimeOffset start, long events) => new()
    {
        InvocationId = Guid.NewGuid().ToString("N"),
        Function = function,
        Trigger = "eventHub",
        Start = start,
        DurationMs = 10,
        Events = events,
        CosmosRu = 2.5,
        Usd = new CostBreakdown(0.001m, 0.0000004m, 0.000001m, 0.0000028m),
    };

    [Fact]
    public async Task Totals_per_minute_and_hour_are_written_as_absolute_values_and_a_retry_does_not_add_twice()
    {
        using var app = new TestApp();
        var buffer = app.LedgerBuffer;
        var t = TestApp.Now; // 13:30:00
        buffer.Enqueue(Record("Aggregate", t.AddSeconds(5), 100));
        buffer.Enqueue(Record("Aggregate", t.AddSeconds(50), 200));
        buffer.Enqueue(Record("Aggregate", t.AddMinutes(1).AddSeconds(1), 300));

        // The first totals write fails: the flush is retried with the same records.
        var fail = true;
        app.Ledger.Setup(l => l.WriteTotalsAsync(It.IsAny<string>(), It.IsAny<TimeSpan>(), It.IsAny<IReadOnlyList<CostTotal>>(), It.IsAny<CancellationToken>()))
            .Returns((string w, TimeSpan p, IReadOnlyList<CostTotal> rows, CancellationToken _) =>
            {
                if (fail) { fail = false; throw new IOException("503"); }
                app.TotalsWritten.AddRange(rows.Select(r => (w, p, r)));
                return Task.CompletedTask;
            });
        await Assert.ThrowsAsync<IOException>(() => buffer.FlushAsync(default));
        // FlushAsync took the records out of the channel; the background loop keeps them in its pending list —
        // here the same records come back the way a retried round does.
        foreach (var r in app.LedgerWritten.ToList()) buffer.Enqueue(r);
        await buffer.FlushAsync(default);

        var minutes = app.TotalsWritten.Where(w => w.Period == CostPeriods.Minute).Select(w => w.Total).OrderBy(m => m.Start).ToList();
        Assert.Equal([2L, 1L], minutes.Select(m => m.Invocations));
        Assert.Equal([300L, 300L], minutes.Select(m => m.Events));
        Assert.Equal([t, t.AddMinutes(1)], minutes.Select(m => m.Start));
        var hour = Assert.Single(app.TotalsWritten, w => w.Period == CostPeriods.Hour).Total;
        Assert.Equal(3, hour.Invocations);
        Assert.Equal(600, hour.Events);
        Assert.Equal(7.5, hour.Ru);
        Assert.Equal(new DateTimeOffset(2026, 11, 27, 13, 0, 0, TimeSpan.Zero), hour.Start);
        Assert.Single(app.TotalsWritten.Select(w => w.Writer).Distinct());
    }
}
