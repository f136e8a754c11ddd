using System.Diagnostics;
using YamlDotNet.RepresentationModel;

namespace TreasureHunt.Infra.Tests;

/// <summary>azure.yaml (azd up) parses and points at real paths: the Bicep module, the Functions project, the hook script
/// that refuses a package without the Event Hubs extension — and nothing in it turns TrimEventHubsHostExtension on.</summary>
public sealed class AzureYamlTests
{
    private static readonly string FilePath = Path.Combine(BicepCli.RepositoryRoot, "azure.yaml");

    private static YamlMappingNode Root()
    {
        var stream = new YamlStream();
        using var reader = new StreamReader(FilePath);
        stream.Load(reader);
        return (YamlMappingNode)stream.Documents.Single().RootNode;
    }

    private static string Scalar(YamlNode node, params string[] path)
    {
        foreach (var key in path) node = ((YamlMappingNode)node).Children[new YamlScalarNode(key)];
        return ((YamlScalarNode)node).Value ?? "";
    }

    [Fact]
    public void Infra_points_at_the_bicep_module()
    {
        var root = Root();
        Assert.Equal("bicep", Scalar(root, "infra", "provider"));
        var module = Path.Combine(BicepCli.RepositoryRoot, Scalar(root, "infra", "path"), Scalar(root, "infra", "module") + ".bicep");
        Assert.True(File.Exists(module), module);
        Assert.Equal(Path.Combine(BicepCli.BicepDirectory, "main.bicep"), Path.GetFullPath(module));
    }

    [Fact]
    public void The_api_service_is_the_functions_project_and_its_resource_is_tagged()
    {
        var root = Root();
        var project = Path.GetFullPath(Path.Combine(BicepCli.RepositoryRoot, Scalar(root, "services", "api", "project")));
        Assert.Equal("dotnet", Scalar(root, "services", "api", "language"));
        Assert.Equal("function", Scalar(root, "services", "api", "host"));
        var csproj = Assert.Single(Directory.GetFiles(project, "*.csproj"));
        Assert.Contains("Microsoft.Azure.Functions.Worker.Sdk", File.ReadAllText(csproj), StringComparison.Ordinal);

        // azd finds the target of service "api" by the tag azd-service-name = api on the Function App.
        var site = Assert.Single(CompiledTemplate.Main.OfType("Microsoft.Web/sites"));
        var functionAppModule = CompiledTemplate.Main.Resources.Single(r => r.Type == "Microsoft.Resources/deployments" && r.Name == "functionapp");
        Assert.Contains("azd-service-name", functionAppModule.Node.ToJsonString(), StringComparison.Ordinal);
        Assert.NotNull(site);
    }

    [Fact]
    public void The_package_hook_verifies_the_event_hubs_extension_and_nothing_trims_it()
    {
        var root = Root();
        var run = Scalar(root, "hooks", "prepackage", "run");
        var script = Path.GetFullPath(Path.Combine(BicepCli.RepositoryRoot, run.Split(' ')[0]));
        Assert.True(File.Exists(script), script);
        var settings = File.ReadLines(FilePath).Where(line => !line.TrimStart().StartsWith('#'));
        Assert.DoesNotContain(settings, line => line.Contains("TrimEventHubsHostExtension", StringComparison.OrdinalIgnoreCase));
    }

    [Theory]
    [InlineData(false, 1)]
    [InlineData(true, 0)]
    public void The_verify_script_accepts_only_a_publish_output_with_the_event_hubs_extension(bool withEventHubs, int expectedExitCode)
    {
        var directory = Directory.CreateTempSubdirectory("th-publish-");
        try
        {
            // The shape of a publish's extensions.json (the trimmed one is what -p:TrimEventHubsHostExtension=true produces).
            var eventHubs = withEventHubs
                ? """{ "name": "EventHubs", "typeName": "Microsoft.Azure.WebJobs.EventHubs.EventHubsWebJobsStartup, Microsoft.Azure.WebJobs.Extensions.EventHubs, Version=6.0.0.0, Culture=neutral, PublicKeyToken=92742159e12e44c8", "hintPath": "./.azurefunctions/Microsoft.Azure.WebJobs.Extensions.EventHubs.dll" },"""
                : "";
            File.WriteAllText(Path.Combine(directory.FullName, "extensions.json"), $$"""
                { "extensions": [ {{eventHubs}}
                  { "name": "DurableTask", "typeName": "Microsoft.Azure.WebJobs.Extensions.DurableTask.DurableTaskWebJobsStartup, Microsoft.Azure.WebJobs.Extensions.DurableTask, Version=3.0.0.0, Culture=neutral, PublicKeyToken=014045d636e89289", "hintPath": "./.azurefunctions/Microsoft.Azure.WebJobs.Extensions.DurableTask.dll" } ] }
                """);
            var start = new ProcessStartInfo("bash") { RedirectStandardError = true, RedirectStandardOutput = true };
            start.ArgumentList.Add(Path.Combine(BicepCli.RepositoryRoot, "infra", "verify-eventhubs-extension.sh"));
            start.ArgumentList.Add(directory.FullName);
            start.Environment.Remove("TrimEventHubsHostExtension");
            using var process = Process.Start(start)!;
            var stderr = process.StandardError.ReadToEnd();
            process.StandardOutput.ReadToEnd();
            process.WaitForExit();

            Assert.True(expectedExitCode == process.ExitCode, stderr);
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }
}
