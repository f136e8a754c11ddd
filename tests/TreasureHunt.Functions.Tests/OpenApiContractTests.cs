using System.Reflection;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using TreasureHunt.Functions.Http;

namespace TreasureHunt.Functions.Tests;

/// <summary>
/// docs/openapi.json (generated from the local host's routes by ./th openapi) against what the Functions app really
/// serves: the HTTP triggers of the built functions.metadata — every route and method documented, nothing extra,
/// a role required exactly where the route table's entry of the function has one — and the app's
/// GET /api/openapi.json serving that very file.
/// </summary>
public sealed class OpenApiContractTests
{
    private const string Regenerate = "run ./th openapi --out docs/openapi.json (and add the route to functions/TreasureHunt.Pipeline/Api/ApiRoutes.cs)";

    private static string Attribute(string key) => typeof(OpenApiContractTests).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == key).Value!;

    private static JsonDocument Committed() => JsonDocument.Parse(File.ReadAllText(Path.Combine(Attribute("RepositoryRoot"), "docs", "openapi.json")));

    private static IEnumerable<(string Method, string Path, string OperationId, bool Keyed)> FunctionsRoutes()
    {
        using var metadata = JsonDocument.Parse(File.ReadAllText(Path.Combine(Attribute("FunctionsOutputDir"), "functions.metadata")));
        foreach (var function in metadata.RootElement.EnumerateArray())
        {
            var name = function.GetProperty("name").GetString()!;
            foreach (var binding in function.GetProperty("bindings").EnumerateArray().Where(b => b.GetProperty("type").GetString() == "httpTrigger"))
            {
                var route = binding.GetProperty("route").GetString()!;
                if (route == "openapi.json") continue; // the document itself
                foreach (var method in binding.GetProperty("methods").EnumerateArray())
                {
                    yield return (method.GetString()!.ToUpperInvariant(), "/api/" + route, name, TreasureHunt.Pipeline.Api.ApiRoutes.Find(name)?.Role is not (null or TreasureHunt.Pipeline.Api.ApiRole.Anonymous));
                }
            }
        }
    }

    private static IEnumerable<(string Method, string Path, string OperationId, bool Keyed)> DocumentedRoutes(JsonDocument document)
    {
        foreach (var path in document.RootElement.GetProperty("paths").EnumerateObject())
        {
            // An operation that names its own servers is the local host's alone (ingest): the Functions app does not serve it.
            foreach (var operation in path.Value.EnumerateObject().Where(o => !o.Value.TryGetProperty("servers", out _)))
            {
                yield return (operation.Name.ToUpperInvariant(), path.Name, operation.Value.GetProperty("operationId").GetString()!,
                    operation.Value.TryGetProperty("security", out var security) && security.GetArrayLength() > 0);
            }
        }
    }

    [Fact]
    public void The_committed_document_describes_exactly_the_Functions_apps_http_routes_with_their_auth()
    {
        using var document = Committed();
        var functions = FunctionsRoutes().OrderBy(r => r.Path).ThenBy(r => r.Method).ToList();
        var documented = DocumentedRoutes(document).OrderBy(r => r.Path).ThenBy(r => r.Method).ToList();
        var missing = functions.Except(documented).ToList();
        var extra = documented.Except(functions).ToList();
        Assert.True(missing.Count == 0 && extra.Count == 0,
            $"docs/openapi.json and the Functions app disagree: {Regenerate}.\n  served but not documented (or documented differently): {string.Join(", ", missing)}\n  documented but not served: {string.Join(", ", extra)}");
    }

    [Fact]
    public void Every_operation_documents_its_answer_problem_details_and_the_key()
    {
        using var document = Committed();
        var root = document.RootElement;
        Assert.StartsWith("3.", root.GetProperty("openapi").GetString());
        var schemes = root.GetProperty("components").GetProperty("securitySchemes");
        Assert.Equal("x-functions-key", schemes.GetProperty("readerKey").GetProperty("name").GetString());
        foreach (var path in root.GetProperty("paths").EnumerateObject())
        {
            foreach (var operation in path.Value.EnumerateObject())
            {
                var responses = operation.Value.GetProperty("responses");
                // A success answer: 200, or 202 for a request that is applied later (an erasure).
                Assert.True(responses.TryGetProperty("200", out var ok) || responses.TryGetProperty("202", out ok), $"{path.Name}: no 200 or 202");
                Assert.True(ok.GetProperty("content").TryGetProperty("application/json", out _), $"{path.Name}: the success answer is not JSON");
                foreach (var problem in responses.EnumerateObject().Where(r => r.Name is "400" or "401" or "404"))
                {
                    Assert.True(problem.Value.GetProperty("content").TryGetProperty("application/problem+json", out _), $"{path.Name} {problem.Name}: not problem details");
                }
                var keyed = operation.Value.TryGetProperty("security", out var security) && security.GetArrayLength() > 0;
                Assert.Equal(keyed, responses.TryGetProperty("401", out _));
            }
        }
    }

    [Fact]
    public void The_document_lists_every_dead_letter_reason_and_describes_declared_attributes_as_additional_properties_of_an_event()
    {
        using var document = Committed();
        var schemas = document.RootElement.GetProperty("components").GetProperty("schemas");
        var reason = schemas.GetProperty("DeadLettersView").GetProperty("properties").GetProperty("items").GetProperty("items").GetProperty("properties").GetProperty("reason");
        Assert.Equal(TreasureHunt.Core.Events.DeadLetterReasons.AllCodes, reason.GetProperty("enum").EnumerateArray().Select(c => c.GetString()!).ToList());
        var e = schemas.GetProperty("Event");
        Assert.Equal(["eventId", "userId", "itemId", "category", "type", "value", "timestamp"], e.GetProperty("properties").EnumerateObject().Select(p => p.Name).ToList());
        var attributes = e.GetProperty("additionalProperties").GetProperty("description").GetString()!;
        Assert.Contains("attributes", attributes);
        Assert.Contains("bad_attribute", attributes);
    }

    [Fact]
    public void The_app_serves_the_committed_document_at_api_openapi_json()
    {
        var result = Assert.IsType<ContentResult>(new OpenApiFunction().Run(new DefaultHttpContext().Request));
        Assert.Equal(200, result.StatusCode);
        Assert.StartsWith("application/json", result.ContentType);
        Assert.Equal(File.ReadAllText(Path.Combine(Attribute("RepositoryRoot"), "docs", "openapi.json")), result.Content);
    }
}
