using TreasureHunt.Core.Aggregation;
using TreasureHunt.Core.Events;
using static TreasureHunt.Core.Tests.TestData;

namespace TreasureHunt.Core.Tests;

/// <summary>Window sizes, and the product's <see cref="UserDocument"/> minute/hour/day windows (the <c>events</c> feature's tiles).</summary>
public class WindowTests
{
    private static readonly DateTimeOffset Midnight = Utc("2026-11-27T00:00:00Z");

    private static string Counts(params (EventType Type, long Count)[] entries)
    {
        var counts = new long[EventTypes.Count];
        foreach (var (type, count) in entries) counts[(int)type] += count;
        return string.Join(",", counts);
    }

    [Fact]
    public void Window_sizes_are_utc_aligned_to_the_epoch()
    {
        var t = Utc("2026-11-27T13:05:42.5Z");
        Assert.Equal(Unix(Utc("2026-11-27T13:05:00Z")), WindowSize.Minute.StartOf(t));
        Assert.Equal(Unix(Utc("2026-11-27T13:00:00Z")), WindowSize.Hour.StartOf(t));
        Assert.Equal(Unix(Utc("2026-11-27T00:00:00Z")), WindowSize.Day.StartOf(t));
        // The offset does not matter: a day window is a UTC day.
        Assert.Equal(Unix(Utc("2026-11-26T00:00:00Z")), WindowSize.Day.StartOf(Utc("2026-11-27T01:00:00+02:00")));
        Assert.Equal([60L, 3600L, 86400L], Enum.GetValues<WindowSize>().Select(s => s.Seconds()));
        Assert.Equal(["minute", "hour", "day"], Enum.GetValues<WindowSize>().Select(s => s.Name()));
        Assert.True(WindowSizes.TryParse("hour", out var hour));
        Assert.Equal(WindowSize.Hour, hour);
        Assert.False(WindowSizes.TryParse("week", out _));
        Assert.False(WindowSizes.TryParse(null, out _));
    }

    [Fact]
    public void Each_event_is_counted_in_its_minute_hour_and_day_window_by_type()
    {
        var t = Utc("2026-11-27T13:05:10Z");
        var aggregate = Aggregate(
        [
            Event("a", t, EventType.View), Event("b", t.AddSeconds(20), EventType.Click), Event("c", t.AddSeconds(49), EventType.View),
            Event("d", t.AddMinutes(1), EventType.Purchase),
        ]);
        Assert.Equal(
            [
                (Unix(Utc("2026-11-27T13:05:00Z")), Counts((EventType.View, 2), (EventType.Click, 1))),
                (Unix(Utc("2026-11-27T13:06:00Z")), Counts((EventType.Purchase, 1))),
            ],
            aggregate.Minute.Select(w => (w.Start, string.Join(",", w.Counts))));

        Apply(aggregate, [Seq(Event("e", t.AddHours(1), EventType.Claim), 5), Seq(Event("f", t.AddDays(1), EventType.Share), 6)]);
        Assert.Equal([(Unix(Utc("2026-11-28T13:05:00Z")), Counts((EventType.Share, 1)))], aggregate.Minute.Select(w => (w.Start, string.Join(",", w.Counts))));
        Assert.Equal(
            [
                (Unix(Utc("2026-11-27T13:00:00Z")), Counts((EventType.View, 2), (EventType.Click, 1), (EventType.Purchase, 1))),
                (Unix(Utc("2026-11-27T14:00:00Z")), Counts((EventType.Claim, 1))),
                (Unix(Utc("2026-11-28T13:00:00Z")), Counts((EventType.Share, 1))),
            ],
            aggregate.Hour.Select(w => (w.Start, string.Join(",", w.Counts))));
        Assert.Equal(
            [
                (Unix(Utc("2026-11-27T00:00:00Z")), Counts((EventType.View, 2), (EventType.Click, 1), (EventType.Purchase, 1), (EventType.Claim, 1))),
                (Unix(Utc("2026-11-28T00:00:00Z")), Counts((EventType.Share, 1))),
            ],
            aggregate.Day.Select(w => (w.Start, string.Join(",", w.Counts))));
    }

    [Fact]
    public void Minute_windows_keep_the_120_counted_back_from_the_latest_event()
    {
        // 121 minutes of events, one per minute: 12:00 .. 14:00.
        var aggregate = Aggregate(Enumerable.Range(0, 121).Select(m => Event($"e{m}", Midnight.AddHours(12).AddMinutes(m))));

        Assert.Equal(120, aggregate.Minute.Count);
        Assert.Equal(Unix(Midnight.AddHours(12).AddMinutes(1)), aggregate.Minute[0].Start);
        Assert.Equal(Unix(Midnight.AddHours(14)), aggregate.Minute[^1].Start);
        Assert.All(aggregate.Minute, w => Assert.Equal(1, w.Counts[(int)EventType.View]));
        // The minute that left the minute windows is still in its hour window and in the totals.
        Assert.Equal([60L, 60L, 1L], aggregate.Hour.Select(w => w.Counts[0]));
        Assert.Equal(121, aggregate.TotalEvents);
    }

    [Fact]
    public void Hour_windows_keep_48_and_day_windows_keep_35()
    {
        var hours = Aggregate(Enumerable.Range(0, 49).Select(h => Event($"h{h}", Midnight.AddHours(h))));
        Assert.Equal(48, hours.Hour.Count);
        Assert.Equal(Unix(Midnight.AddHours(1)), hours.Hour[0].Start);
        Assert.Equal(Unix(Midnight.AddHours(48)), hours.Hour[^1].Start);
        Assert.Equal(3, hours.Day.Count);

        var days = Aggregate(Enumerable.Range(0, 36).Select(d => Event($"d{d}", Midnight.AddDays(d).AddHours(12))));
        Assert.Equal(35, days.Day.Count);
        Assert.Equal(Unix(Midnight.AddDays(1)), days.Day[0].Start);
        Assert.Equal(Unix(Midnight.AddDays(35)), days.Day[^1].Start);
        Assert.Equal(2, days.Hour.Count); // only the last two events (24 hours apart) are within 48 hours
        Assert.Single(days.Minute);
    }

    [Fact]
    public void A_window_is_late_only_when_it_is_past_retention()
    {
        var latest = Midnight.AddHours(12);
        var aggregate = Aggregate([Event("now", latest)]);

        // 119 minutes back: still the oldest kept minute window.
        Assert.Equal([EventOutcome.Applied], Apply(aggregate, [Seq(Event("m119", latest.AddMinutes(-119)), 2)]));
        Assert.Equal(Unix(latest.AddMinutes(-119)), aggregate.Minute[0].Start);

        // 120 minutes back: past the minute retention, but still within the hour and day windows.
        Assert.Equal([EventOutcome.AppliedLate], Apply(aggregate, [Seq(Event("m120", latest.AddMinutes(-120)), 3)]));
        Assert.Equal(2, aggregate.Minute.Count);
        Assert.Equal(Unix(latest.AddMinutes(-119)), aggregate.Minute[0].Start);
        Assert.Equal(Unix(latest.AddHours(-2)), aggregate.Hour[0].Start);
        Assert.Equal(3, aggregate.TotalEvents);
    }

    [Fact]
    public void A_late_event_counts_in_totals_and_affinity_but_not_in_its_expired_window()
    {
        var latest = Midnight.AddDays(40);
        var aggregate = Aggregate([Event("now", latest, EventType.Claim, category: "caves")]);
        var old = latest.AddDays(-36); // past every retention: minute 120, hour 48, day 35

        var outcomes = Apply(aggregate, [Seq(Event("old", old, EventType.Purchase, category: "ruins", value: 2), 2)]);

        Assert.Equal([EventOutcome.AppliedLate], outcomes);
        Assert.Equal(1, aggregate.Counts[(int)EventType.Purchase]);
        Assert.Equal(2.0, aggregate.Values[(int)EventType.Purchase]);
        Close(10 * 2 * Math.Pow(0.5, 36.0 / 7), aggregate.Affinity["ruins"]);
        Assert.All([aggregate.Minute, aggregate.Hour, aggregate.Day], windows =>
            Assert.Equal(0, windows.Sum(w => w.Counts[(int)EventType.Purchase])));
        Assert.Equal(old, aggregate.FirstEventTime);
        Assert.Equal(latest, aggregate.LastEventTime);
    }

    [Fact]
    public void A_late_event_still_counts_in_the_windows_it_is_within()
    {
        var latest = Midnight.AddDays(10);
        var aggregate = Aggregate([Event("now", latest)]);
        var outcomes = Apply(aggregate, [Seq(Event("old", latest.AddDays(-3), EventType.Share), 2)]);

        Assert.Equal([EventOutcome.AppliedLate], outcomes); // past the 48 hour windows ...
        Assert.Equal(0, aggregate.Hour.Sum(w => w.Counts[(int)EventType.Share]));
        Assert.Equal(1, aggregate.Day.Single(w => w.Start == Unix(latest.AddDays(-3))).Counts[(int)EventType.Share]); // ... but not the 35 days
    }

    [Fact]
    public void A_newer_event_prunes_windows_that_fall_out_of_retention()
    {
        var aggregate = Aggregate([Event("a", Midnight), Event("b", Midnight.AddMinutes(30)), Event("c", Midnight.AddDays(3))]);

        Assert.Single(aggregate.Minute);
        Assert.Single(aggregate.Hour);
        Assert.Equal([Unix(Midnight), Unix(Midnight.AddDays(3))], aggregate.Day.Select(w => w.Start));
    }

    [Fact]
    public void Window_retention_is_configurable()
    {
        var rules = DocumentRules.With(minuteWindows: 5, hourWindows: 2, dayWindows: 1);
        var aggregate = Aggregate(Enumerable.Range(0, 180).Select(m => Event($"e{m}", Midnight.AddMinutes(m))), rules);

        Assert.Equal(5, aggregate.Minute.Count);
        Assert.Equal(2, aggregate.Hour.Count);
        Assert.Single(aggregate.Day);
        Assert.Equal([5, 2, 1], rules.Keep);
        Assert.Equal(2, rules.KeepOf(WindowSize.Hour));
        Assert.Equal([EventOutcome.AppliedLate], Apply(aggregate, [Seq(Event("late", Midnight.AddMinutes(174)), 1000)], rules));
    }

    [Fact]
    public void Window_list_adds_in_order_and_prunes()
    {
        var windows = new List<WindowCounts>();
        Assert.True(WindowList.Add(windows, 300, 300, 60, 3, EventType.View, 1));
        Assert.True(WindowList.Add(windows, 180, 300, 60, 3, EventType.Click, 2));
        Assert.True(WindowList.Add(windows, 240, 300, 60, 3, EventType.View, 1));
        Assert.False(WindowList.Add(windows, 120, 300, 60, 3, EventType.View, 1));
        Assert.Equal([180L, 240L, 300L], windows.Select(w => w.Start));
        Assert.Equal(2, windows[0].Counts[(int)EventType.Click]);

        Assert.True(WindowList.AddAll(windows, 240, 300, 60, 3, [1, 1, 1, 1, 1]));
        Assert.Equal(new long[] { 2, 1, 1, 1, 1 }, windows[1].Counts);
        Assert.False(WindowList.AddAll(windows, 60, 300, 60, 3, [1, 1, 1, 1, 1]));

        WindowList.Prune(windows, 360, 60, 3);
        Assert.Equal([240L, 300L], windows.Select(w => w.Start));
        Assert.Equal(~0, WindowList.FindIndex(windows, 0));
        Assert.Equal(1, WindowList.FindIndex(windows, 300));
        Assert.Equal(~2, WindowList.FindIndex(windows, 900));
    }
}
