using System.Reflection;
using Microsoft.OpenApi;
using Microsoft.OpenApi.Reader;
using TreasureHunt.Local.OpenApi;

namespace TreasureHunt.IntegrationTests.Observability;

/// <summary>
/// The OpenAPI drift test: the document generated from the local host's routes (no emulator needed) must equal the
/// committed docs/openapi.json, and the committed document must read as a valid OpenAPI 3 document.
/// </summary>
public sealed class OpenApiDocumentTests
{
    private static readonly string RepoRoot = typeof(OpenApiDocumentTests).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "RepositoryRoot").Value!;
    private static string CommittedPath => Path.Combine(RepoRoot, "docs", "openapi.json");

    [Fact]
    public async Task The_committed_document_is_what_the_routes_generate()
    {
        var generated = await OpenApiGenerator.GenerateAsync(RepoRoot, CancellationToken.None);
        var committed = File.ReadAllText(CommittedPath).ReplaceLineEndings("\n");
        Assert.True(generated == committed,
            "docs/openapi.json is out of date with the routes: run ./th openapi --out docs/openapi.json and commit it.\n" + FirstDifference(committed, generated));
    }

    [Fact]
    public void The_committed_document_is_valid_OpenAPI_3()
    {
        var read = OpenApiDocument.Parse(File.ReadAllText(CommittedPath), OpenApiConstants.Json, new OpenApiReaderSettings());
        Assert.NotNull(read.Document);
        Assert.Empty(read.Diagnostic!.Errors);
        Assert.Equal(OpenApiSpecVersion.OpenApi3_0, read.Diagnostic.SpecificationVersion);
        var errors = read.Document!.Validate(ValidationRuleSet.GetDefaultRuleSet())?.ToList() ?? [];
        Assert.True(errors.Count == 0, string.Join("\n", errors.Select(e => $"{e.Pointer}: {e.Message}")));
        Assert.All(read.Document.Paths.Values.SelectMany(p => p.Operations!.Values), o => Assert.False(string.IsNullOrEmpty(o.OperationId)));
    }

    private static string FirstDifference(string expected, string actual)
    {
        var e = expected.Split('\n');
        var a = actual.Split('\n');
        for (var i = 0; i < Math.Max(e.Length, a.Length); i++)
        {
            var left = i < e.Length ? e[i] : "(end)";
            var right = i < a.Length ? a[i] : "(end)";
            if (left != right) return $"first difference at line {i + 1}:\n  committed: {left}\n  generated: {right}";
        }
        return "";
    }
}
