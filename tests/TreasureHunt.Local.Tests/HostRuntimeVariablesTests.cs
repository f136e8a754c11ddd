using TreasureHunt.Tools.Cli;

namespace TreasureHunt.Local.Tests;

/// <summary>
/// The runtime settings of local.settings.sample.json (DOTNET_*) reach the environment of a host ./th starts, unless
/// ./th's own environment or the command's settings set them (HostRuntimeVariables, used by LocalStack.EnsureHostAsync).
/// </summary>
public sealed class HostRuntimeVariablesTests
{
    private static readonly string Root = TestRepository.Root;

    private static readonly IReadOnlyDictionary<string, string> NoSettings = new Dictionary<string, string>();

    [Fact]
    public void The_sample_gen0_budget_reaches_the_host_environment()
    {
        var variables = HostRuntimeVariables.For(Root, NoSettings, _ => null);

        Assert.Equal("0x8000000", variables["DOTNET_GCgen0size"]);
    }

    [Fact]
    public void Only_runtime_settings_are_passed_the_others_are_configuration()
    {
        var variables = HostRuntimeVariables.For(Root, NoSettings, _ => null);

        Assert.NotEmpty(variables);
        Assert.All(variables.Keys, name => Assert.StartsWith("DOTNET_", name, StringComparison.Ordinal));
    }

    [Fact]
    public void A_value_in_the_callers_environment_wins()
    {
        var variables = HostRuntimeVariables.For(Root, NoSettings, name => name == "DOTNET_GCgen0size" ? "0x1000000" : null);

        Assert.False(variables.ContainsKey("DOTNET_GCgen0size"));
    }

    [Fact]
    public void A_value_in_the_commands_settings_wins()
    {
        var settings = new Dictionary<string, string> { ["DOTNET_GCgen0size"] = "0x2000000" };

        var variables = HostRuntimeVariables.For(Root, settings, _ => null);

        Assert.False(variables.ContainsKey("DOTNET_GCgen0size"));
    }
}
