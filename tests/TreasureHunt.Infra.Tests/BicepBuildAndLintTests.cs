using System.Text.Json.Nodes;

namespace TreasureHunt.Infra.Tests;

/// <summary>`bicep build` and `bicep lint` pass with zero errors and zero warnings under bicep/bicepconfig.json.</summary>
public sealed class BicepBuildAndLintTests
{
    /// <summary>Analyzer rules that must stay errors in bicep/bicepconfig.json.</summary>
    public static readonly TheoryData<string> RequiredErrorRules =
    [
        "use-recent-api-versions",
        "no-hardcoded-env-urls",
        "secure-parameter-default",
        "outputs-should-not-contain-secrets",
        "use-secure-value-for-secure-inputs",
        "no-unused-params",
        "no-unused-vars",
        "prefer-unquoted-property-names",
    ];

    public static readonly TheoryData<string> LintTargets =
    [
        "main.bicep",
        "main.dev.bicepparam",
        "main.prod.bicepparam",
    ];

    public static readonly TheoryData<string> ParameterFiles =
    [
        "main.dev.bicepparam",
        "main.prod.bicepparam",
    ];

    [Fact]
    public void Build_of_main_has_no_errors_and_no_warnings()
    {
        var build = CompiledTemplate.Main.BuildResult;

        Assert.True(build.ExitCode == 0, build.ToString());
        Assert.True(build.Diagnostics.Count == 0, "bicep build diagnostics:\n" + string.Join('\n', build.Diagnostics));
        Assert.True(string.IsNullOrWhiteSpace(build.StdErr), build.ToString());
        Assert.True(string.IsNullOrWhiteSpace(build.StdOut), build.ToString());
        Assert.NotEmpty(CompiledTemplate.Main.Resources);
    }

    [Theory]
    [MemberData(nameof(LintTargets))]
    public void Lint_has_no_errors_and_no_warnings(string file)
    {
        var lint = BicepCli.Run("lint", Path.Combine(BicepCli.BicepDirectory, file));

        Assert.True(lint.ExitCode == 0, lint.ToString());
        Assert.True(lint.Diagnostics.Count == 0, $"bicep lint {file}:\n" + string.Join('\n', lint.Diagnostics));
        Assert.True(string.IsNullOrWhiteSpace(lint.Output), lint.ToString());
    }

    [Theory]
    [MemberData(nameof(ParameterFiles))]
    public void Parameter_file_builds_against_main(string file)
    {
        var outputFile = Path.Combine(Path.GetTempPath(), $"th-{Guid.NewGuid():N}.parameters.json");
        try
        {
            var build = BicepCli.Run("build-params", Path.Combine(BicepCli.BicepDirectory, file), "--outfile", outputFile);

            Assert.True(build.ExitCode == 0, build.ToString());
            Assert.True(build.Diagnostics.Count == 0, $"bicep build-params {file}:\n" + string.Join('\n', build.Diagnostics));
            var parameters = JsonNode.Parse(File.ReadAllText(outputFile))?["parameters"]?.AsObject();
            Assert.NotNull(parameters);
            Assert.True(parameters.ContainsKey("environmentName"), $"{file} must set environmentName");
        }
        finally
        {
            File.Delete(outputFile);
        }
    }

    [Theory]
    [MemberData(nameof(RequiredErrorRules))]
    public void Bicepconfig_makes_the_rule_an_error(string rule)
    {
        var config = JsonNode.Parse(File.ReadAllText(Path.Combine(BicepCli.BicepDirectory, "bicepconfig.json")));
        var level = config?["analyzers"]?["core"]?["rules"]?[rule]?["level"]?.GetValue<string>();

        Assert.Equal("error", level);
        Assert.NotEqual(false, config?["analyzers"]?["core"]?["enabled"]?.GetValue<bool>());
    }

    /// <summary>
    /// The lint tests are only meaningful if the CLI really applies the repository's config: a
    /// file with an unused parameter and a hard-coded cloud URL, linted beside a copy of
    /// bicepconfig.json, must fail with those rules as errors.
    /// </summary>
    [Fact]
    public void Repository_config_turns_violations_into_lint_errors()
    {
        var directory = Directory.CreateTempSubdirectory("th-bicep-lint-");
        try
        {
            File.Copy(Path.Combine(BicepCli.BicepDirectory, "bicepconfig.json"), Path.Combine(directory.FullName, "bicepconfig.json"));
            var file = Path.Combine(directory.FullName, "bad.bicep");
            File.WriteAllText(file, """
                param unused string = 'x'
                output url string = 'https://management.azure.com/'
                """);

            var lint = BicepCli.Run("lint", file);

            Assert.NotEqual(0, lint.ExitCode);
            Assert.Contains(lint.Diagnostics, line => line.Contains("Error no-unused-params", StringComparison.Ordinal));
            Assert.Contains(lint.Diagnostics, line => line.Contains("Error no-hardcoded-env-urls", StringComparison.Ordinal));
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }
}
