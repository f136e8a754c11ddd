using System.Diagnostics;
using System.Reflection;
using Xunit.Abstractions;

namespace TreasureHunt.Functions.Tests;

/// <summary>docs/openapi.json passes Redocly CLI's recommended ruleset and Spectral's spectral:oas ruleset with no
/// error and no warning (infra/local/api-lint.sh, which installs the pinned linters with npm ci when needed).</summary>
public sealed class OpenApiLintTests(ITestOutputHelper output)
{
    private static string Attribute(string key) => typeof(OpenApiLintTests).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == key).Value!;

    [Fact]
    public async Task The_committed_document_passes_redocly_recommended_and_spectral_oas_without_warnings()
    {
        var root = Attribute("RepositoryRoot");
        var info = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add(Path.Combine(root, "infra", "local", "api-lint.sh"));
        info.ArgumentList.Add(Path.Combine(root, "docs", "openapi.json"));
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(10)); // a first npm ci included
        await process.WaitForExitAsync(timeout.Token);
        var report = await stdout + await stderr;
        output.WriteLine(report);
        Assert.True(process.ExitCode == 0, $"infra/local/api-lint.sh docs/openapi.json exited {process.ExitCode}:\n{report}");
    }
}
