using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace TreasureHunt.Infra.Tests;

/// <summary>
/// main.prod.bicepparam deploys the production profile — the data services reachable only through
/// private endpoints, the Function App integrated with the virtual network, a diagnostic setting on every resource that
/// takes one, zone redundancy, the four alerts wired to the action group, delete locks and a daily ingestion cap — and
/// main.dev.bicepparam none of the network lockdown, alerts or locks. Asserted on each file's `bicep snapshot`
/// (<see cref="ProfileSnapshot"/>), where the profile's conditions are decided.
/// </summary>
public sealed partial class ProductionProfileTests
{
    private const string CosmosType = "Microsoft.DocumentDB/databaseAccounts";
    private const string EventHubsType = "Microsoft.EventHub/namespaces";
    private const string StorageType = "Microsoft.Storage/storageAccounts";
    private const string DiagnosticSettingsSegment = "/providers/Microsoft.Insights/diagnosticSettings/";

    private static ProfileSnapshot Production => ProfileSnapshot.Production;

    private static ProfileSnapshot Dev => ProfileSnapshot.Dev;

    public static readonly TheoryData<string> ParameterFiles = ["main.dev.bicepparam", "main.prod.bicepparam"];

    public static readonly TheoryData<string> DataServices = [CosmosType, EventHubsType, StorageType];

    [Theory]
    [MemberData(nameof(ParameterFiles))]
    public void Each_profile_snapshots_with_no_diagnostics(string parameterFile)
    {
        var snapshot = ProfileSnapshot.For(parameterFile);

        Assert.True(snapshot.Result.Diagnostics.Count == 0, $"bicep snapshot {parameterFile}:\n" + string.Join('\n', snapshot.Result.Diagnostics));
        Assert.Empty(snapshot.Root["diagnostics"] as JsonArray ?? []);
        Assert.Single(snapshot.OfType(CosmosType));
        Assert.Single(snapshot.OfType("Microsoft.Web/sites"));
    }

    [Theory]
    [MemberData(nameof(DataServices))]
    public void Production_disables_public_network_access_on_the_data_services(string type)
    {
        var service = Production.Single(type);

        Assert.Equal("Disabled", service.Properties?["publicNetworkAccess"]?.GetValue<string>());
        if (type == StorageType)
        {
            Assert.Equal("Deny", service.Properties?["networkAcls"]?["defaultAction"]?.GetValue<string>());
        }
    }

    [Theory]
    [InlineData(CosmosType, "Sql", "privatelink.documents.azure.com")]
    [InlineData(EventHubsType, "namespace", "privatelink.servicebus.windows.net")]
    [InlineData(StorageType, "blob", "privatelink.blob.")]
    [InlineData(StorageType, "queue", "privatelink.queue.")]
    [InlineData(StorageType, "table", "privatelink.table.")]
    public void Production_reaches_each_service_through_a_private_endpoint_registered_in_its_dns_zone(string type, string groupId, string zone)
    {
        var service = Production.Single(type);
        var network = Production.Single("Microsoft.Network/virtualNetworks");

        var endpoint = Assert.Single(Production.OfType("Microsoft.Network/privateEndpoints"), pe =>
            pe.Properties?["privateLinkServiceConnections"]?[0]?["properties"] is JsonNode connection
            && connection["privateLinkServiceId"]?.GetValue<string>() == service.Id
            && connection["groupIds"]?[0]?.GetValue<string>() == groupId);
        Assert.Equal($"{network.Id}/subnets/snet-private-endpoints", endpoint.Properties?["subnet"]?["id"]?.GetValue<string>());

        // The zone group registers the endpoint's address in the zone, which answers inside the linked network.
        var zoneGroup = Assert.Single(Production.OfType("Microsoft.Network/privateEndpoints/privateDnsZoneGroups"), g => g.Id.StartsWith(endpoint.Id + "/", StringComparison.Ordinal));
        var zoneId = zoneGroup.Properties?["privateDnsZoneConfigs"]?[0]?["properties"]?["privateDnsZoneId"]?.GetValue<string>();
        Assert.Contains(zone, zoneId, StringComparison.Ordinal);
        Assert.Single(Production.OfType("Microsoft.Network/privateDnsZones"), z => z.Name.Contains(zone, StringComparison.Ordinal));
        var link = Assert.Single(Production.OfType("Microsoft.Network/privateDnsZones/virtualNetworkLinks"), l => l.Name.Contains(zone, StringComparison.Ordinal));
        Assert.Equal(network.Id, link.Properties?["virtualNetwork"]?["id"]?.GetValue<string>());
    }

    [Fact]
    public void Production_integrates_the_function_app_with_the_delegated_subnet()
    {
        var site = Production.Single("Microsoft.Web/sites");
        var network = Production.Single("Microsoft.Network/virtualNetworks");
        var subnetId = site.Properties?["virtualNetworkSubnetId"]?.GetValue<string>();

        Assert.Equal($"{network.Id}/subnets/snet-function-app", subnetId);
        var subnet = Assert.Single((network.Properties?["subnets"] as JsonArray ?? []).OfType<JsonObject>(), s => subnetId!.EndsWith("/" + s["name"]?.GetValue<string>(), StringComparison.Ordinal));
        Assert.Equal("Microsoft.App/environments", subnet["properties"]?["delegations"]?[0]?["properties"]?["serviceName"]?.GetValue<string>());

        // The deployment package is pulled from the same (private) storage account, through the integration.
        var storage = Production.Single(StorageType);
        Assert.Contains(storage.Id, site.Properties?["functionAppConfig"]?["deployment"]?["storage"]?["value"]?.GetValue<string>(), StringComparison.Ordinal);
    }

    /// <summary>Top-level resource types deliberately without a diagnostic setting, and why (docs/deploy.md).</summary>
    private static readonly Dictionary<string, string> WithoutDiagnosticSetting = new(StringComparer.OrdinalIgnoreCase)
    {
        ["Microsoft.Insights/components"] = "workspace-based: its telemetry is already in the workspace",
        ["Microsoft.Insights/workbooks"] = "a saved view, no logs",
        ["Microsoft.Insights/scheduledQueryRules"] = "fired alerts are kept by Azure Monitor alerts",
        ["Microsoft.Web/serverfarms"] = "the Flex Consumption plan: the app's setting carries its logs and metrics",
        ["Microsoft.Network/privateDnsZones"] = "global resource, metrics only",
        ["Microsoft.Network/privateEndpoints"] = "metrics only, through the platform",
    };

    [Fact]
    public void Production_sends_every_resource_that_takes_one_a_diagnostic_setting_to_the_workspace()
    {
        var workspace = Production.Single("Microsoft.OperationalInsights/workspaces");
        var settings = Production.OfType("Microsoft.Insights/diagnosticSettings").ToList();
        Assert.All(settings, setting => Assert.Equal(workspace.Id, setting.Properties?["workspaceId"]?.GetValue<string>()));
        var scopes = settings.Select(setting => setting.Id[..setting.Id.IndexOf(DiagnosticSettingsSegment, StringComparison.Ordinal)]).ToHashSet();

        // Every top-level resource (Namespace/type), and each storage service, which holds the storage logs.
        var monitored = Production.Resources
            .Where(r => r.Type.Count(c => c == '/') == 1 && r.Type != "Microsoft.Insights/diagnosticSettings" && r.Type != "Microsoft.Authorization/locks" && r.Type != "Microsoft.Authorization/roleAssignments")
            .Concat(Production.Resources.Where(r => r.Type is "Microsoft.Storage/storageAccounts/blobServices" or "Microsoft.Storage/storageAccounts/queueServices" or "Microsoft.Storage/storageAccounts/tableServices"))
            .Where(r => !WithoutDiagnosticSetting.ContainsKey(r.Type))
            .ToList();

        Assert.Equal(9, monitored.Count); // workspace, storage + 3 services, Event Hubs, Cosmos DB, virtual network, Function App
        Assert.All(monitored, resource => Assert.True(scopes.Contains(resource.Id), $"{resource.Type} {resource.Name} has no diagnostic setting"));
    }

    [Fact]
    public void Dev_keeps_only_the_cosmos_and_event_hubs_diagnostic_settings()
    {
        var scopes = Dev.OfType("Microsoft.Insights/diagnosticSettings").Select(s => s.Id[..s.Id.IndexOf(DiagnosticSettingsSegment, StringComparison.Ordinal)]).ToList();

        Assert.Equal(new[] { Dev.Single(CosmosType).Id, Dev.Single(EventHubsType).Id }.Order(), scopes.Order());
    }

    [Fact]
    public void Production_is_zone_redundant_where_the_tier_allows()
    {
        var cosmosLocations = Production.Single(CosmosType).Properties?["locations"] as JsonArray;
        Assert.NotNull(cosmosLocations);
        Assert.All(cosmosLocations, location => Assert.True(location?["isZoneRedundant"]?.GetValue<bool>()));

        Assert.True(Production.Single(EventHubsType).Properties?["zoneRedundant"]?.GetValue<bool>());
        Assert.True(Production.Single("Microsoft.Web/serverfarms").Properties?["zoneRedundant"]?.GetValue<bool>());
        Assert.Contains(Production.Single(StorageType).Node["sku"]?["name"]?.GetValue<string>(), new[] { "Standard_ZRS", "Standard_GZRS" });
    }

    public static readonly TheoryData<string, string, double> Alerts = new()
    {
        { "partition-held-over-5-minutes", "th.partitions.held.max_seconds", 300 },
        { "messages-parked", "th.events.parked", 0 },
        { "freshness-p99-over-target", "th.freshness.max_ms", 1000 },
        { "http-5xx-rate", "resultCode", 5 },
    };

    [Theory]
    [MemberData(nameof(Alerts))]
    public void Production_alerts_notify_the_action_group(string displayName, string queried, double threshold)
    {
        Assert.Equal(4, Production.OfType("Microsoft.Insights/scheduledQueryRules").Count());
        var rule = Assert.Single(Production.OfType("Microsoft.Insights/scheduledQueryRules"), r => r.Properties?["displayName"]?.GetValue<string>() == displayName);
        var criterion = rule.Properties?["criteria"]?["allOf"]?[0];

        Assert.True(rule.Properties?["enabled"]?.GetValue<bool>());
        Assert.Equal(Production.Single("Microsoft.Insights/components").Id, rule.Properties?["scopes"]?[0]?.GetValue<string>());
        Assert.Contains(queried, criterion?["query"]?.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal("GreaterThan", criterion?["operator"]?.GetValue<string>());
        Assert.Equal(threshold, criterion?["threshold"]?.GetValue<double>());
        Assert.Equal([ProfileSnapshot.AlertActionGroupId], (rule.Properties?["actions"]?["actionGroups"] as JsonArray ?? []).Select(id => id?.GetValue<string>()));
    }

    [Fact]
    public void The_alerts_query_only_documented_metrics_and_span_attributes()
    {
        var documented = File.ReadAllText(Path.Combine(BicepCli.RepositoryRoot, "docs", "observability.md"));
        var queries = string.Join('\n', Production.OfType("Microsoft.Insights/scheduledQueryRules").Select(r => r.Properties?["criteria"]?["allOf"]?[0]?["query"]?.GetValue<string>()));
        var names = TelemetryName().Matches(queries).Select(m => m.Value).Distinct().ToList();

        Assert.Equal(["th.partitions.held.max_seconds", "th.events.parked", "th.freshness.max_ms"], names);
        Assert.All(names, name => Assert.Contains($"`{name}`", documented, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(CosmosType)]
    [InlineData(EventHubsType)]
    [InlineData(StorageType)]
    [InlineData("Microsoft.OperationalInsights/workspaces")]
    public void Production_locks_the_data_against_deletion(string type)
    {
        var resource = Production.Single(type);

        var lockOnIt = Assert.Single(Production.OfType("Microsoft.Authorization/locks"), l => l.Id.StartsWith(resource.Id + "/providers/Microsoft.Authorization/locks/", StringComparison.Ordinal));
        Assert.Equal("CanNotDelete", lockOnIt.Properties?["level"]?.GetValue<string>());
    }

    [Fact]
    public void Production_caps_the_workspace_daily_ingestion()
    {
        var cap = Production.Single("Microsoft.OperationalInsights/workspaces").Properties?["workspaceCapping"]?["dailyQuotaGb"]?.GetValue<double>();

        Assert.NotNull(cap);
        Assert.True(cap > 0, $"dailyQuotaGb = {cap}");
    }

    [Theory]
    [MemberData(nameof(DataServices))]
    public void Dev_keeps_the_public_endpoints(string type)
    {
        Assert.Equal("Enabled", Dev.Single(type).Properties?["publicNetworkAccess"]?.GetValue<string>());
    }

    [Fact]
    public void Dev_has_no_network_alerts_or_locks()
    {
        foreach (var type in new[]
        {
            "Microsoft.Network/virtualNetworks",
            "Microsoft.Network/privateEndpoints",
            "Microsoft.Network/privateDnsZones",
            "Microsoft.Insights/scheduledQueryRules",
            "Microsoft.Authorization/locks",
        })
        {
            Assert.Empty(Dev.OfType(type));
            Assert.NotEmpty(Production.OfType(type));
        }

        Assert.Null(Dev.Single("Microsoft.Web/sites").Properties?["virtualNetworkSubnetId"]);
        Assert.False(Dev.Single("Microsoft.Web/serverfarms").Properties?["zoneRedundant"]?.GetValue<bool>());
    }

    [GeneratedRegex(@"\bth\.[a-z_]+(\.[a-z_]+)*")]
    private static partial Regex TelemetryName();
}
