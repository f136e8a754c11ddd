using System.Reflection;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

namespace TreasureHunt.Functions.Http;

/// <summary>
/// GET /api/openapi.json: the OpenAPI 3 contract of this app's HTTP routes — docs/openapi.json, embedded at build.
/// It is generated from the local host's routes (the same handlers and paths) by <c>./th openapi --out docs/openapi.json</c>;
/// tests fail when it and this app's [HttpTrigger] routes disagree.
/// </summary>
public sealed class OpenApiFunction
{
    private static readonly Lazy<string> Document = new(() =>
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream("openapi.json")
            ?? throw new InvalidOperationException("embedded resource openapi.json missing");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    });

    [Function("OpenApiDocument")]
    public IActionResult Run([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "openapi.json")] HttpRequest request) =>
        new ContentResult { StatusCode = 200, ContentType = "application/json; charset=utf-8", Content = Document.Value };
}
