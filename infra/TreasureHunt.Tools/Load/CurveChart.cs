using System.Globalization;
using ScottPlot;
using ScottPlot.TickGenerators;

namespace TreasureHunt.Tools.Load;

/// <summary>
/// The cost-versus-freshness chart of ./th bench --curve, for a FinOps reader: two panels over one x axis, the p99
/// freshness (seconds, logarithmic, because the batch sizes span 50×). Top: modeled $ per million events — what
/// fresher data costs. Bottom: user document writes per event beside their floor (distinct users per batch ÷ events
/// per batch of the run's own traffic) and all store writes per event — why it costs that. Each point is labelled
/// with its maxEventBatchSize. Drawn with ScottPlot (SkiaSharp) and the embedded <see cref="ChartFont"/>.
/// </summary>
internal static class CurveChart
{
    public const int DefaultWidth = 1100;
    public const int DefaultHeight = 900;

    private static readonly Color Cost = Color.FromHex("#1f5fa8");
    private static readonly Color Measured = Color.FromHex("#c0392b");
    private static readonly Color Floor = Color.FromHex("#27864a");
    private static readonly Color AllWrites = Color.FromHex("#7f7f7f");

    /// <param name="subtitle">What the points ran on (offered rate, workload, machine), under the title.</param>
    public static void Save(IReadOnlyList<CurvePoint> points, string subtitle, string path, int width = DefaultWidth, int height = DefaultHeight)
    {
        ArgumentOutOfRangeException.ThrowIfZero(points.Count);
        ChartFont.EnsureRegistered();
        var x = points.Select(p => Math.Log10(Seconds(p.FreshnessP99Ms))).ToArray();

        var multiplot = new Multiplot();
        multiplot.AddPlots(2);
        multiplot.Layout = new ScottPlot.MultiplotLayouts.Rows();
        var cost = multiplot.GetPlot(0);
        var writes = multiplot.GetPlot(1);
        foreach (var plot in new[] { cost, writes })
        {
            plot.Font.Set(ChartFont.Name);
            plot.Axes.Bottom.TickGenerator = SecondsTicks(x);
            plot.Axes.Bottom.Label.Text = "freshness p99 (seconds from enqueue to readable, log scale) — fresher data to the left";
            plot.Axes.Bottom.Label.FontSize = 13;
            plot.Axes.Left.Label.FontSize = 14;
        }
        multiplot.SharedAxes.ShareX([cost, writes]);
        // The same fixed margins in both panels, so a point's x is the same pixel column in both.
        cost.Layout.Fixed(new PixelPadding(left: 90, right: 30, bottom: 60, top: 70));
        writes.Layout.Fixed(new PixelPadding(left: 90, right: 30, bottom: 60, top: 20));

        cost.Title($"What fresher data costs\n{subtitle}");
        cost.Axes.Title.Label.FontSize = 16;
        cost.Axes.Left.Label.Text = "modeled $ per million events";
        var usd = points.Select(p => p.UsdPerMillionEvents).ToArray();
        Line(cost, x, usd, Cost, "", LinePattern.Solid);
        foreach (var (p, i) in points.Select((p, i) => (p, i)))
        {
            // Every other label below its point: neighbouring points' labels do not overlap however close they are.
            Label(cost, x[i], usd[i], $"batch {p.MaxBatchSize:N0}\n${p.UsdPerMillionEvents:0.00} · p50 {Seconds(p.FreshnessP50Ms):0.#} s", below: i % 2 == 1);
        }
        cost.Axes.SetLimitsY(0, Top(usd));

        writes.Axes.Left.Label.Text = "Cosmos writes per event";
        var user = points.Select(p => p.UserWritesPerEvent).ToArray();
        var floor = points.Select(p => p.UserWritesFloorPerEvent).ToArray();
        var all = points.Select(p => p.StoreWritesPerEvent).ToArray();
        Line(writes, x, all, AllWrites, "all store writes (users, progress, items, leaderboards)", LinePattern.Dotted);
        Line(writes, x, user, Measured, "user document writes (measured)", LinePattern.Solid);
        Line(writes, x, floor, Floor, "floor: distinct users per batch ÷ events per batch", LinePattern.Dashed);
        foreach (var (p, i) in points.Select((p, i) => (p, i)))
        {
            Label(writes, x[i], user[i], $"batch {p.MaxBatchSize:N0} (mean {p.EventsPerBatch:N0}): {p.UserWritesPerEvent:0.###}, {p.AboveFloor:+0.#%;-0.#%;0%} vs floor");
        }
        writes.Axes.SetLimitsY(0, Top(all.Concat(user).Concat(floor)));
        writes.ShowLegend(Alignment.UpperRight);

        // Margins on the (shared) x axis so the labels of the outer points fit.
        var (left, right) = (x.Min(), x.Max());
        var span = Math.Max(right - left, 0.5);
        cost.Axes.SetLimitsX(left - span * 0.08, right + span * 0.6);
        writes.Axes.SetLimitsX(left - span * 0.08, right + span * 0.6);

        multiplot.SavePng(path, width, height);
    }

    private static double Seconds(long ms) => Math.Max(ms, 1) / 1000.0;

    private static double Top(IEnumerable<double> values) => Math.Max(values.DefaultIfEmpty(0).Max() * 1.25, 1e-9);

    private static void Line(Plot plot, double[] x, double[] y, Color color, string legend, LinePattern pattern)
    {
        var line = plot.Add.Scatter(x, y, color);
        line.LegendText = legend;
        line.LineWidth = 2.5f;
        line.LinePattern = pattern;
        line.MarkerSize = 9;
    }

    private static void Label(Plot plot, double x, double y, string text, bool below = false)
    {
        var label = plot.Add.Text(text, x, y);
        label.LabelFontSize = 12;
        label.LabelAlignment = below ? Alignment.UpperLeft : Alignment.LowerLeft;
        label.LabelOffsetX = 6;
        label.LabelOffsetY = below ? 10 : -10;
        label.LabelFontColor = Colors.Black;
        label.LabelBackgroundColor = Colors.White.WithAlpha(0.6);
    }

    /// <summary>Ticks at 1-2-5 steps of seconds, placed at their logarithms (ScottPlot's axes are linear).</summary>
    private static NumericManual SecondsTicks(double[] logSeconds)
    {
        var ticks = new NumericManual();
        var low = Math.Floor(logSeconds.Min()) - 1;
        var high = Math.Ceiling(logSeconds.Max()) + 1;
        for (var decade = low; decade <= high; decade++)
        {
            foreach (var step in new[] { 1.0, 2.0, 5.0 })
            {
                var seconds = step * Math.Pow(10, decade);
                ticks.AddMajor(Math.Log10(seconds), seconds.ToString(seconds < 1 ? "0.###" : "N0", CultureInfo.InvariantCulture) + " s");
            }
        }
        return ticks;
    }
}
