using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace TreasureHunt.Infra.Tests;

/// <summary>
/// "No keys anywhere": every data service disables key/SAS authentication, access is granted by
/// role assignments with deterministic guid() names, and nothing secret is output.
/// </summary>
public sealed class KeylessSecurityTests
{
    private static JsonNode? Property(TemplateResource resource, string name) => resource.Node["properties"]?[name];

    [Fact]
    public void Storage_accounts_disable_shared_key_and_public_blob_access()
    {
        var accounts = CompiledTemplate.Main.OfType("Microsoft.Storage/storageAccounts").ToList();

        Assert.NotEmpty(accounts);
        Assert.All(accounts, account =>
        {
            Assert.False(Property(account, "allowSharedKeyAccess")?.GetValue<bool>() ?? true, $"{account.Name}: allowSharedKeyAccess");
            Assert.False(Property(account, "allowBlobPublicAccess")?.GetValue<bool>() ?? true, $"{account.Name}: allowBlobPublicAccess");
            Assert.Equal("TLS1_2", Property(account, "minimumTlsVersion")?.GetValue<string>());
            Assert.True(Property(account, "supportsHttpsTrafficOnly")?.GetValue<bool>() ?? false);
        });
    }

    [Fact]
    public void Event_hubs_namespaces_disable_local_auth()
    {
        var namespaces = CompiledTemplate.Main.OfType("Microsoft.EventHub/namespaces").ToList();

        Assert.NotEmpty(namespaces);
        Assert.All(namespaces, ns =>
        {
            Assert.True(Property(ns, "disableLocalAuth")?.GetValue<bool>() ?? false, $"{ns.Name}: disableLocalAuth");
            Assert.Equal("1.2", Property(ns, "minimumTlsVersion")?.GetValue<string>());
            // Standard or Premium by the eventHubsCapacity tier (a Dedicated cluster's namespace is declared Standard).
            var sku = ns.Node["sku"]?["name"]?.GetValue<string>() ?? "";
            Assert.Contains("'Premium'", sku, StringComparison.Ordinal);
            Assert.Contains("'Standard'", sku, StringComparison.Ordinal);
        });

        // No SAS policy is created anywhere.
        Assert.DoesNotContain(CompiledTemplate.Main.Resources, r => r.Type.Contains("authorizationRules", StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public void Cosmos_accounts_disable_local_auth()
    {
        var accounts = CompiledTemplate.Main.OfType("Microsoft.DocumentDB/databaseAccounts").ToList();

        Assert.NotEmpty(accounts);
        Assert.All(accounts, account =>
        {
            Assert.True(Property(account, "disableLocalAuth")?.GetValue<bool>() ?? false, $"{account.Name}: disableLocalAuth");
            Assert.Equal("Tls12", Property(account, "minimalTlsVersion")?.GetValue<string>());
        });
    }

    [Fact]
    public void Application_insights_disables_local_auth()
    {
        var components = CompiledTemplate.Main.OfType("Microsoft.Insights/components").ToList();

        Assert.NotEmpty(components);
        Assert.All(components, component => Assert.True(Property(component, "DisableLocalAuth")?.GetValue<bool>() ?? false));
    }

    [Fact]
    public void Function_app_is_https_only_tls12_no_ftp_with_system_identity()
    {
        var site = Assert.Single(CompiledTemplate.Main.OfType("Microsoft.Web/sites"));
        var siteConfig = Property(site, "siteConfig");

        Assert.Equal("functionapp,linux", site.Node["kind"]?.GetValue<string>());
        Assert.Equal("SystemAssigned", site.Node["identity"]?["type"]?.GetValue<string>());
        Assert.True(Property(site, "httpsOnly")?.GetValue<bool>() ?? false);
        Assert.Equal("1.2", siteConfig?["minTlsVersion"]?.GetValue<string>());
        Assert.Equal("Disabled", siteConfig?["ftpsState"]?.GetValue<string>());
        Assert.Equal(
            "SystemAssignedIdentity",
            Property(site, "functionAppConfig")?["deployment"]?["storage"]?["authentication"]?["type"]?.GetValue<string>());

        var plan = Assert.Single(CompiledTemplate.Main.OfType("Microsoft.Web/serverfarms"));
        Assert.Equal("FlexConsumption", plan.Node["sku"]?["tier"]?.GetValue<string>());

        var publishing = CompiledTemplate.Main.OfType("Microsoft.Web/sites/basicPublishingCredentialsPolicies").ToList();
        Assert.Equal(2, publishing.Count);
        Assert.All(publishing, policy => Assert.False(Property(policy, "allow")?.GetValue<bool>() ?? true));
    }

    [Fact]
    public void Role_assignment_names_are_deterministic_guids()
    {
        var assignments = CompiledTemplate.Main.OfType("Microsoft.Authorization/roleAssignments").ToList();

        // Blob Data Owner, Queue Data Contributor, Table Data Contributor (one looped declaration),
        // Event Hubs Data Receiver, Event Hubs Data Sender (conditional), Monitoring Metrics Publisher.
        Assert.True(assignments.Count >= 4, $"expected at least 4 role assignment declarations, found {assignments.Count}");

        // Event Hubs Capture: the namespace's own identity may write to the capture container (eventhubs.bicep).
        var capture = Assert.Single(assignments, a => a.Module == "eventhubs");
        Assert.Matches(@"^\[guid\(.+\)\]$", capture.Name);
        Assert.Equal("ServicePrincipal", Property(capture, "principalType")?.GetValue<string>());
        Assert.Contains("identity.principalId", Property(capture, "principalId")?.GetValue<string>(), StringComparison.Ordinal);
        assignments.Remove(capture);

        Assert.All(assignments, assignment =>
        {
            Assert.Matches(@"^\[guid\(.+\)\]$", assignment.Name);
            Assert.Contains("parameters('principalId')", assignment.Name, StringComparison.Ordinal);
            Assert.Contains("roleDefinitions", assignment.Name, StringComparison.Ordinal);
            Assert.Equal("ServicePrincipal", Property(assignment, "principalType")?.GetValue<string>());
        });

        var sql = Assert.Single(CompiledTemplate.Main.OfType("Microsoft.DocumentDB/databaseAccounts/sqlRoleAssignments"));
        // Child resource: format('{0}/{1}', account, guid(account, principal, role)).
        Assert.Matches(@"^\[format\('\{0\}/\{1\}', .+, guid\(.+parameters\('principalId'\).+\)\)\]$", sql.Name);
        // ... of the built-in "Cosmos DB Built-in Data Contributor" role (a variable of the rbac module).
        var rbac = CompiledTemplate.Main.Resources.Single(r => r.Type == "Microsoft.Resources/deployments" && r.Name == "rbac");
        Assert.Equal(
            "00000000-0000-0000-0000-000000000002",
            rbac.Node["properties"]?["template"]?["variables"]?["cosmosDataContributorRoleId"]?.GetValue<string>());
        Assert.Contains("cosmosDataContributorRoleId", sql.Node["properties"]?["roleDefinitionId"]?.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public void Expected_roles_are_granted()
    {
        var rbac = CompiledTemplate.Main.Resources.Single(r => r.Type == "Microsoft.Resources/deployments" && r.Name == "rbac");
        var json = rbac.Node.ToJsonString();

        foreach (var roleId in new[]
        {
            "b7e6dc6d-f1e8-4753-8033-0f276bb0955b", // Storage Blob Data Owner
            "974c5e8b-45b9-4653-ba55-5f855dd0fb88", // Storage Queue Data Contributor
            "0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3", // Storage Table Data Contributor
            "a638d3c7-ab3a-418d-83e6-5f17a39d4fde", // Azure Event Hubs Data Receiver
            "2b629674-e913-4c01-ae53-ef4638d8f975", // Azure Event Hubs Data Sender (only if appProducesEvents)
            "3913510d-42f4-4e42-8a64-420c390055eb", // Monitoring Metrics Publisher
        })
        {
            Assert.Contains(roleId, json, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Template_never_reads_keys_and_outputs_nothing_secret()
    {
        var text = CompiledTemplate.Main.Root.ToJsonString();
        Assert.DoesNotMatch(new Regex(@"list(Keys|ConnectionStrings|AccountSas|ServiceSas|Secrets)?\(", RegexOptions.IgnoreCase), text);
        Assert.DoesNotContain("securestring", text, StringComparison.OrdinalIgnoreCase);

        var outputs = CompiledTemplate.Main.Root["outputs"]?.AsObject();
        Assert.NotNull(outputs);
        foreach (var required in new[] { "functionAppName", "functionAppDefaultHostName", "eventHubsNamespaceName", "eventHubsFullyQualifiedNamespace", "cosmosEndpoint" })
        {
            Assert.True(outputs.ContainsKey(required), $"output {required} is missing");
        }

        Assert.DoesNotContain(outputs, output => Regex.IsMatch(output.Key, "key|secret|password|connectionstring|sas|token", RegexOptions.IgnoreCase));
    }

    [Fact]
    public void Cosmos_containers_match_the_data_model()
    {
        var cosmosModule = CompiledTemplate.Main.Resources.Single(r => r.Type == "Microsoft.Resources/deployments" && r.Name == "cosmos");
        var template = cosmosModule.Node["properties"]?["template"];
        var containers = template?["variables"]?["containers"]?.GetValue<string>();

        // concat(fixed users + progress, baseline when deployBaselineContainer).
        Assert.NotNull(containers);
        Assert.Contains("'users'", containers, StringComparison.Ordinal);
        Assert.Contains("'/userId'", containers, StringComparison.Ordinal);
        Assert.Contains("'progress'", containers, StringComparison.Ordinal);
        Assert.Contains("'/partitionId'", containers, StringComparison.Ordinal);
        Assert.Contains("'/rollupPending/?'", containers, StringComparison.Ordinal);
        Assert.Contains("parameters('deployBaselineContainer')", containers, StringComparison.Ordinal);
        Assert.Contains("'baseline'", containers, StringComparison.Ordinal);

        var defaultBaseline = CompiledTemplate.Main.Root["parameters"]?["deployBaselineContainer"]?["defaultValue"]?.GetValue<bool>();
        Assert.False(defaultBaseline);
        var defaultPartitions = CompiledTemplate.Main.Root["parameters"]?["eventHubsCapacity"]?["defaultValue"]?["partitionCount"]?.GetValue<int>();
        Assert.Equal(32, defaultPartitions);
    }
}
