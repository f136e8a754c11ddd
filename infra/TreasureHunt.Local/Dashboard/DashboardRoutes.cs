using System.Reflection;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using TreasureHunt.Local.Hosting;
using TreasureHunt.Pipeline.Queries;

namespace TreasureHunt.Local.Dashboard;

/// <summary>
/// The live dashboard: <c>GET /dashboard</c> (the page; it holds no data and asks for the reader key),
/// its script, Chart.js served from the emulators' <c>node_modules</c> (installed by the same <c>npm ci</c> — no CDN,
/// works offline); its data is <c>GET /api/local/dashboard</c> (reader key, <see cref="LocalApiRoutes"/>).
/// </summary>
internal static class DashboardRoutes
{
    public const string Path = "/dashboard";
    private const string ChartJs = "chart.umd.min.js";

    public static void Map(WebApplication app)
    {
        app.MapGet(Path, () => Resource("dashboard.html", "text/html; charset=utf-8")).ExcludeFromDescription();
        app.MapGet($"{Path}/dashboard.js", () => Resource("dashboard.js", "text/javascript; charset=utf-8")).ExcludeFromDescription();
        app.MapGet($"{Path}/{ChartJs}", () =>
        {
            var file = System.IO.Path.Combine(LocalConfiguration.FindRepoRoot(), "infra", "local", "emulators", "node_modules", "chart.js", "dist", ChartJs);
            return File.Exists(file)
                ? Results.File(file, "text/javascript; charset=utf-8")
                : Results.Problem(statusCode: 503, title: "Chart library missing",
                    detail: $"{file} not found: run infra/local/emulators.sh install (npm ci of infra/local/emulators)");
        }).ExcludeFromDescription();
    }

    private static IResult Resource(string name, string contentType)
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream(name)
            ?? throw new InvalidOperationException($"embedded resource {name} missing");
        using var reader = new StreamReader(stream);
        return Results.Text(reader.ReadToEnd(), contentType);
    }
}
