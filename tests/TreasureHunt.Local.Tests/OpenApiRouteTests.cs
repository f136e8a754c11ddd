using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using TreasureHunt.Local.Hosting;
using TreasureHunt.Local.OpenApi;

namespace TreasureHunt.Local.Tests;

/// <summary>The anonymous GET /api/openapi.json of the local host generates the document once per process, not per request.</summary>
public sealed class OpenApiRouteTests : IDisposable
{
    private readonly string _stateDir = Directory.CreateTempSubdirectory("th-openapi-").FullName;

    public void Dispose() => Directory.Delete(_stateDir, recursive: true);

    [Fact]
    public async Task The_document_is_generated_once_and_served_from_memory_afterwards()
    {
        await using var app = LocalHost.Build(LocalConfiguration.Build(TestRepository.Root, new Dictionary<string, string?>
        {
            ["Local:StateDir"] = _stateDir,
            ["Access:ReaderKey"] = "test",
            ["OTEL_EXPORTER_OTLP_ENDPOINT"] = "",
        }));
        app.UseRouting();
        app.UseEndpoints(_ => { });
        var route = app.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Single(e => "/" + e.RoutePattern.RawText?.TrimStart('/') == LocalOpenApi.DocumentPath);

        var bodies = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            var http = new DefaultHttpContext { RequestServices = app.Services };
            http.Request.Method = "GET";
            http.Response.Body = new MemoryStream();
            await route.RequestDelegate!(http);
            Assert.Equal(200, http.Response.StatusCode);
            http.Response.Body.Position = 0;
            bodies.Add(await new StreamReader(http.Response.Body).ReadToEndAsync());
        }

        Assert.Contains("\"openapi\"", bodies[0]);
        Assert.All(bodies, b => Assert.Equal(bodies[0], b));
        Assert.Equal(1, app.Services.GetRequiredService<OpenApiDocumentCache>().Generations);
    }
}
