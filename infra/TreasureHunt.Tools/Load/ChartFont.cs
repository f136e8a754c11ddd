using ScottPlot;
using SkiaSharp;

namespace TreasureHunt.Tools.Load;

/// <summary>
/// The font every chart of ./th draws its text with: DejaVu Sans (regular and bold, subset; Load/Fonts/LICENSE.txt),
/// embedded in the assembly. ScottPlot otherwise takes the system's default typeface through fontconfig, and a machine
/// without fonts (a fresh container with only the .NET SDK) then draws the chart with no text at all — no error.
/// </summary>
internal static class ChartFont
{
    /// <summary>The family name charts ask for (unique, so a system font of the same name is never taken instead).</summary>
    public const string Name = "TreasureHunt Chart Sans";

    private static readonly Lazy<bool> Registered = new(() =>
    {
        Fonts.FontResolvers.Insert(0, new EmbeddedResolver(Load("chart-font-regular.ttf"), Load("chart-font-bold.ttf")));
        Fonts.Default = Name;
        return true;
    });

    /// <summary>Registers the embedded font with ScottPlot (once per process) and makes it the default.</summary>
    public static void EnsureRegistered() => _ = Registered.Value;

    private static SKTypeface Load(string resource)
    {
        using var stream = typeof(ChartFont).Assembly.GetManifestResourceStream(resource)
            ?? throw new InvalidOperationException($"The chart font resource {resource} is missing from the assembly.");
        return SKTypeface.FromStream(stream)
            ?? throw new InvalidOperationException($"The chart font resource {resource} is not a font SkiaSharp can read.");
    }

    /// <summary>Answers for <see cref="Name"/> only; other names fall through to ScottPlot's other resolvers.</summary>
    private sealed class EmbeddedResolver(SKTypeface regular, SKTypeface bold) : IFontResolver
    {
        public SKTypeface? CreateTypeface(string fontName, FontWeight weight, FontSlant slant, FontSpacing width) =>
            fontName == Name ? (weight >= FontWeight.SemiBold ? bold : regular) : null;

        public SKTypeface? CreateTypeface(string fontName, bool bold, bool italic) =>
            CreateTypeface(fontName, bold ? FontWeight.Bold : FontWeight.Normal, italic ? FontSlant.Italic : FontSlant.Upright, FontSpacing.Normal);
    }
}
