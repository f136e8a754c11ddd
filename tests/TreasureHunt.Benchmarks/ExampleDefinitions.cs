using TreasureHunt.Core.Features;

namespace TreasureHunt.Benchmarks;

/// <summary>Which definitions a benchmark case runs: the default ones, or the README's example with attributes.</summary>
public enum DefinitionsSet
{
    Default,
    Example,
}

/// <summary>features/examples/attributes.json, found from the benchmark's directory up to the repository root.</summary>
public static class ExampleDefinitions
{
    public static CompiledDefinitions Load()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            var path = Path.Combine(directory.FullName, "features", "examples", "attributes.json");
            if (File.Exists(path)) return FeatureDefinitionsReader.Load(path);
        }
        throw new FileNotFoundException($"features/examples/attributes.json not found above {AppContext.BaseDirectory}");
    }
}
