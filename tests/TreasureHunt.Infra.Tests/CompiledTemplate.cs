using System.Text.Json.Nodes;

namespace TreasureHunt.Infra.Tests;

/// <summary>One resource of the compiled ARM template, wherever it is nested.</summary>
public sealed record TemplateResource(string Type, string Name, JsonObject Node, string Module);

/// <summary>
/// bicep/main.bicep compiled once per test run with `bicep build` into a temporary directory.
/// Modules become nested Microsoft.Resources/deployments whose inner templates are flattened
/// into <see cref="Resources"/>.
/// </summary>
public sealed class CompiledTemplate
{
    private static readonly Lazy<CompiledTemplate> Instance = new(Build);

    private CompiledTemplate(BicepResult build, JsonObject root)
    {
        BuildResult = build;
        Root = root;
        var resources = new List<TemplateResource>();
        Collect(root, "main", resources);
        Resources = resources;
    }

    public static CompiledTemplate Main => Instance.Value;

    public BicepResult BuildResult { get; }

    public JsonObject Root { get; }

    public IReadOnlyList<TemplateResource> Resources { get; }

    public IEnumerable<TemplateResource> OfType(string type) =>
        Resources.Where(resource => string.Equals(resource.Type, type, StringComparison.OrdinalIgnoreCase));

    private static CompiledTemplate Build()
    {
        var outputDirectory = Directory.CreateTempSubdirectory("th-bicep-build-");
        try
        {
            var result = BicepCli.Run("build", Path.Combine(BicepCli.BicepDirectory, "main.bicep"), "--outdir", outputDirectory.FullName);
            var jsonPath = Path.Combine(outputDirectory.FullName, "main.json");
            if (result.ExitCode != 0 || !File.Exists(jsonPath))
            {
                throw new InvalidOperationException($"bicep build failed: {result}");
            }

            var root = JsonNode.Parse(File.ReadAllText(jsonPath))?.AsObject()
                ?? throw new InvalidOperationException("bicep build produced an empty template");
            return new CompiledTemplate(result, root);
        }
        finally
        {
            outputDirectory.Delete(recursive: true);
        }
    }

    private static void Collect(JsonObject template, string module, List<TemplateResource> into)
    {
        // "resources" is an array (languageVersion 1) or an object keyed by symbolic name (2.0).
        IEnumerable<JsonNode?> resources = template["resources"] switch
        {
            JsonArray array => array,
            JsonObject map => map.Select(pair => pair.Value),
            _ => [],
        };

        // languageVersion 2.0 (user-defined types, bicep/types.bicep) also lists `existing` references: they deploy nothing.
        foreach (var node in resources.OfType<JsonObject>().Where(r => r["existing"]?.GetValue<bool>() != true))
        {
            var type = node["type"]?.GetValue<string>() ?? string.Empty;
            var name = node["name"]?.GetValue<string>() ?? string.Empty;
            into.Add(new TemplateResource(type, name, node, module));
            if (type == "Microsoft.Resources/deployments" && node["properties"]?["template"] is JsonObject nested)
            {
                Collect(nested, name, into);
            }
        }
    }
}
