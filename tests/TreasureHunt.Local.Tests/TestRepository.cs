using System.Reflection;

namespace TreasureHunt.Local.Tests;

/// <summary>The repository this test assembly was built from (its RepositoryRoot assembly metadata, set by the project file).</summary>
internal static class TestRepository
{
    public static readonly string Root = typeof(TestRepository).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
        .Single(a => a.Key == "RepositoryRoot").Value!;
}
