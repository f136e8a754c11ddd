using System.Buffers.Binary;
using TreasureHunt.Tools.Load;

namespace TreasureHunt.Local.Tests;

/// <summary>The cost-versus-freshness chart (./th bench --curve --png) renders to a valid PNG with its embedded font.</summary>
public sealed class CurveChartTests
{
    private static readonly CurvePoint[] Points =
    [
        new(100, 99, 1200, 0.71, 0.70, 0.80, 6.1, true, 0.91, 450, 1100, 1800, 20_000, 99),
        new(500, 499, 6000, 0.48, 0.46, 0.52, 4.2, true, 0.62, 2400, 5600, 2400, 40_000, 497),
        new(1_000, 999, 12_000, 0.39, 0.38, 0.41, 3.4, true, 0.50, 4700, 11_000, 2600, 40_000, 990),
        new(5_000, 4_999, 60_000, 0.22, 0.21, 0.23, 1.9, true, 0.29, 21_000, 52_000, 2700, 120_000, 4_870),
    ];

    [Fact]
    public void Renders_a_png_of_the_requested_size()
    {
        var path = Path.Combine(Path.GetTempPath(), $"curve-{Guid.NewGuid():N}.png");
        try
        {
            CurveChart.Save(Points, "test: 1,000 events/s offered", path, 640, 480);

            var bytes = File.ReadAllBytes(path);
            Assert.True(bytes.Length > 10_000, $"a chart with lines and text, not an empty image ({bytes.Length} bytes)");
            Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A], bytes[..8]);
            Assert.Equal("IHDR", System.Text.Encoding.ASCII.GetString(bytes, 12, 4));
            Assert.Equal(640, BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(16)));
            Assert.Equal(480, BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(20)));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Draws_text_with_the_embedded_font_not_a_system_one()
    {
        ChartFont.EnsureRegistered();

        Assert.Equal(ChartFont.Name, ScottPlot.Fonts.Default);
        Assert.Equal("DejaVu Sans", ScottPlot.Fonts.GetTypeface(ChartFont.Name, bold: false, italic: false).FamilyName);
        Assert.True(ScottPlot.Fonts.GetTypeface(ChartFont.Name, bold: true, italic: false).IsBold);
    }

    [Fact]
    public void Refuses_an_empty_curve() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => CurveChart.Save([], "", Path.Combine(Path.GetTempPath(), "never.png")));
}
